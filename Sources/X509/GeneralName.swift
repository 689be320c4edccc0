/// One entry of a subjectAltName (RFC 5280 §4.2.1.6), with the XMPP identities decoded:
/// DNS-ID, SRV-ID (RFC 4985 SRVName) and XmppAddr (RFC 6120 §13.7.1.4).
public enum GeneralName: Equatable {
    /// dNSName, e.g. "example.com" or "*.example.com".
    case dnsName(String)
    /// otherName id-on-dnsSRV, e.g. "_xmpp-server.example.com".
    case srvName(String)
    /// otherName id-on-xmppAddr, e.g. "example.com".
    case xmppAddr(String)
    /// Any other otherName: its type and the raw value TLV.
    case otherName(OID, [UInt8])
    /// Any other kind (rfc822Name, URI, IP address, …): the tag and raw content.
    case other(tag: UInt8, [UInt8])

    /// "DNS:example.com", "SRV:_xmpp-server.example.com", "XmppAddr:example.com" — for reasons.
    public var summary: String {
        switch self {
        case .dnsName(let name): return "DNS:\(name)"
        case .srvName(let name): return "SRV:\(name)"
        case .xmppAddr(let name): return "XmppAddr:\(name)"
        case .otherName(let type, _): return "otherName:\(type)"
        case .other(let tag, let content):
            return tag == DERTag.contextPrimitive(1)
                ? "email:\(String(decoding: content, as: UTF8.self))"
                : tag == DERTag.contextPrimitive(7) ? "IP:\(Hex.encode(content))" : "other:0x\(Hex.byte(tag))"
        }
    }

    /// The DER of this name inside a GeneralNames sequence.
    public var derEncoded: [UInt8] {
        switch self {
        case .dnsName(let name):
            return DERWriter.tlv(DERTag.contextPrimitive(2), Array(name.utf8))
        case .srvName(let name):
            return Self.otherName(.srvName, DERWriter.ia5String(name))
        case .xmppAddr(let name):
            return Self.otherName(.xmppAddr, DERWriter.utf8String(name))
        case .otherName(let type, let value):
            return Self.otherName(type, value)
        case .other(let tag, let content):
            return DERWriter.tlv(tag, content)
        }
    }

    private static func otherName(_ type: OID, _ value: [UInt8]) -> [UInt8] {
        DERWriter.constructed(
            DERTag.contextConstructed(0),
            [DERWriter.objectIdentifier(type), DERWriter.constructed(DERTag.contextConstructed(0), [value])])
    }

    init(_ node: DERNode) throws(X509Error) {
        switch node.tag {
        case DERTag.contextPrimitive(2):
            guard node.content.allSatisfy({ $0 < 0x80 }) else { throw .invalid("dNSName is not IA5String") }
            self = .dnsName(String(decoding: node.content, as: UTF8.self))
        case DERTag.contextConstructed(0):
            var fields = node.children()
            let type = try OID(content: fields.read(DERTag.objectIdentifier, "otherName type").content)
            let wrapper = try fields.read(DERTag.contextConstructed(0), "otherName value")
            try fields.expectEnd("otherName")
            let value = try DERReader.single(wrapper.content, "otherName value")
            if type == .xmppAddr {
                guard value.tag == DERTag.utf8String, let text = DERString.decode(value) else {
                    throw .invalid("XmppAddr is not a UTF8String")
                }
                self = .xmppAddr(text)
            } else if type == .srvName {
                guard value.tag == DERTag.ia5String, let text = DERString.decode(value) else {
                    throw .invalid("SRVName is not an IA5String")
                }
                self = .srvName(text)
            } else {
                self = .otherName(type, Array(value.encoded))
            }
        default:
            self = .other(tag: node.tag, Array(node.content))
        }
    }
}

/// Encodes a subjectAltName extension value (GeneralNames) from names.
public func subjectAltNameExtensionValue(_ names: [GeneralName]) -> [UInt8] {
    DERWriter.sequence(names.map(\.derEncoded))
}
