/// An X.501 Name (issuer or subject): the raw DER, compared byte for byte when chaining, plus the
/// attributes decoded for a printable summary such as "CN=example.com, O=Example".
public struct DistinguishedName: Equatable {
    public struct Attribute: Equatable {
        public let type: OID
        /// The value as text, or "#<hex>" when it is not a string type.
        public let value: String
    }

    /// The whole Name TLV.
    public let der: [UInt8]
    /// The attributes in order (all RDNs flattened).
    public let attributes: [Attribute]

    init(_ node: DERNode) throws(X509Error) {
        try node.expect(DERTag.sequence, "name")
        der = Array(node.encoded)
        var found: [Attribute] = []
        var rdns = node.children()
        while let rdn = try rdns.next() {
            try rdn.expect(DERTag.set, "relative distinguished name")
            var pairs = rdn.children()
            while let pair = try pairs.next() {
                try pair.expect(DERTag.sequence, "attribute type and value")
                var fields = pair.children()
                let type = try OID(content: fields.read(DERTag.objectIdentifier, "attribute type").content)
                guard let valueNode = try fields.next() else { throw .truncated("attribute value") }
                try fields.expectEnd("attribute type and value")
                found.append(
                    Attribute(type: type, value: DERString.decode(valueNode) ?? "#" + Hex.encode(valueNode.content)))
            }
        }
        attributes = found
    }

    /// The common-name values (shown to operators only; never used for identity, RFC 9525 has no CN
    /// fallback).
    public var commonNames: [String] { attributes.filter { $0.type == .commonName }.map(\.value) }

    /// "CN=a, O=b" in certificate order, with short labels for the usual attribute types.
    public var summary: String {
        attributes.map { "\(Self.label($0.type))=\($0.value)" }.joined(separator: ", ")
    }

    private static func label(_ type: OID) -> String {
        switch type.description {
        case "2.5.4.3": return "CN"
        case "2.5.4.6": return "C"
        case "2.5.4.7": return "L"
        case "2.5.4.8": return "ST"
        case "2.5.4.10": return "O"
        case "2.5.4.11": return "OU"
        case "1.2.840.113549.1.9.1": return "emailAddress"
        default: return type.description
        }
    }
}
