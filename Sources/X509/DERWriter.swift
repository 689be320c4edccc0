/// Builds DER encodings (definite, minimal lengths). Used for certificate extensions that mbedTLS
/// has no writer for, such as a subjectAltName with otherName entries.
public enum DERWriter {
    /// One TLV around `content`.
    public static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        out.append(contentsOf: length(content.count))
        out.append(contentsOf: content)
        return out
    }

    /// A constructed TLV around the concatenation of already-encoded children.
    public static func constructed(_ tag: UInt8, _ children: [[UInt8]]) -> [UInt8] {
        tlv(tag, children.flatMap { $0 })
    }

    public static func sequence(_ children: [[UInt8]]) -> [UInt8] { constructed(DERTag.sequence, children) }

    public static func objectIdentifier(_ oid: OID) -> [UInt8] { tlv(DERTag.objectIdentifier, oid.content) }

    public static func utf8String(_ text: String) -> [UInt8] { tlv(DERTag.utf8String, Array(text.utf8)) }

    public static func ia5String(_ text: String) -> [UInt8] { tlv(DERTag.ia5String, Array(text.utf8)) }

    public static func boolean(_ value: Bool) -> [UInt8] { tlv(DERTag.boolean, [value ? 0xFF : 0x00]) }

    public static func octetString(_ bytes: [UInt8]) -> [UInt8] { tlv(DERTag.octetString, bytes) }

    /// A non-negative INTEGER from big-endian magnitude bytes (leading zeros trimmed, a 0x00 added
    /// when the top bit is set so it stays positive).
    public static func unsignedInteger(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop(while: { $0 == 0 }))
        if bytes.isEmpty || bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(DERTag.integer, bytes)
    }

    static func length(_ count: Int) -> [UInt8] {
        if count < 0x80 { return [UInt8(count)] }
        var octets: [UInt8] = []
        var rest = count
        while rest > 0 {
            octets.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(octets.count)] + octets
    }
}
