/// Reads consecutive DER TLVs from a byte slice. Bounds-checked everywhere: refuses indefinite
/// lengths, lengths longer than 4 octets or not minimally encoded, lengths past the end and
/// high-tag-number identifiers, and never traps on any input.
public struct DERReader {
    private var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    public var isAtEnd: Bool { bytes.isEmpty }

    /// The next TLV, or nil at the end of the input.
    public mutating func next() throws(X509Error) -> DERNode? {
        guard let first = bytes.first else { return nil }
        let start = bytes.startIndex
        guard first & 0x1F != 0x1F else {
            throw X509Error(.unexpectedTag, "DER high-tag-number identifiers are not supported")
        }
        var cursor = start + 1
        guard cursor < bytes.endIndex else { throw .truncated("length") }
        let lengthByte = bytes[cursor]
        cursor += 1
        var length = 0
        if lengthByte < 0x80 {
            length = Int(lengthByte)
        } else if lengthByte == 0x80 {
            throw X509Error(.indefiniteLength, "DER forbids indefinite lengths (BER input?)")
        } else {
            let count = Int(lengthByte & 0x7F)
            guard count <= 4 else {
                throw X509Error(.overlongLength, "DER length of \(count) octets is too long")
            }
            guard bytes.endIndex - cursor >= count else { throw .truncated("length") }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
            guard length >= 0x80, length >> ((count - 1) * 8) != 0 else {
                throw X509Error(.overlongLength, "DER length \(length) is not minimally encoded")
            }
        }
        guard bytes.endIndex - cursor >= length else { throw .truncated("value of tag 0x\(Hex.byte(first))") }
        let end = cursor + length
        let node = DERNode(tag: first, content: bytes[cursor..<end], encoded: bytes[start..<end])
        bytes = bytes[end...]
        return node
    }

    /// The next TLV, which must exist and carry `tag`.
    public mutating func read(_ tag: UInt8, _ what: String) throws(X509Error) -> DERNode {
        guard let node = try next() else { throw .truncated(what) }
        return try node.expect(tag, what)
    }

    /// The next TLV if it carries `tag`, else nil without consuming anything.
    public mutating func readIfPresent(_ tag: UInt8) throws(X509Error) -> DERNode? {
        guard bytes.first == tag else { return nil }
        return try next()
    }

    /// Fails unless everything was consumed (trailing bytes are an encoding error in DER).
    public func expectEnd(_ what: String) throws(X509Error) {
        guard bytes.isEmpty else { throw X509Error(.invalidValue, "trailing bytes after \(what)") }
    }

    /// Reads exactly one TLV spanning all of `bytes`.
    public static func single(_ bytes: ArraySlice<UInt8>, _ what: String) throws(X509Error) -> DERNode {
        var reader = DERReader(bytes)
        guard let node = try reader.next() else { throw .truncated(what) }
        try reader.expectEnd(what)
        return node
    }
}
