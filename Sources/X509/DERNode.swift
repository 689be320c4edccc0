/// One DER tag-length-value: the tag byte, the content octets and the whole encoding, as slices of
/// the buffer it was read from (no copies).
public struct DERNode {
    public let tag: UInt8
    /// The content octets (V).
    public let content: ArraySlice<UInt8>
    /// The whole TLV as it appeared on the wire (what TLSA selector 1 and signatures hash).
    public let encoded: ArraySlice<UInt8>

    public var isConstructed: Bool { tag & 0x20 != 0 }

    /// A reader over the children of a constructed node.
    public func children() -> DERReader { DERReader(content) }

    /// Fails unless the tag is `expected`; `what` names the field for the error message.
    @discardableResult
    public func expect(_ expected: UInt8, _ what: String) throws(X509Error) -> DERNode {
        guard tag == expected else { throw .unexpectedTag(tag, expected: expected, in: what) }
        return self
    }
}
