/// An ASN.1 OBJECT IDENTIFIER, kept as its DER content octets (compared byte for byte).
public struct OID: Hashable, CustomStringConvertible, Sendable {
    /// The content octets (no tag, no length).
    public let content: [UInt8]

    /// From DER content octets; fails on an empty value or a component cut short.
    public init(content: ArraySlice<UInt8>) throws(X509Error) {
        guard !content.isEmpty, let last = content.last, last & 0x80 == 0 else {
            throw .invalid("object identifier")
        }
        self.content = Array(content)
    }

    /// From dotted text such as "1.3.6.1.5.5.7.8.5"; traps on malformed text, so use it for
    /// constants only.
    public init(_ dotted: String) {
        let parts = dotted.split(separator: ".").map { UInt64($0)! }
        precondition(parts.count >= 2 && parts[0] <= 2, "malformed OID \(dotted)")
        var bytes: [UInt8] = []
        for value in [parts[0] * 40 + parts[1]] + parts.dropFirst(2) {
            var chunk: [UInt8] = [UInt8(value & 0x7F)]
            var rest = value >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            bytes.append(contentsOf: chunk)
        }
        content = bytes
    }

    /// Dotted text; components too large for 64 bits print as "?".
    public var description: String {
        var parts: [String] = []
        var value: UInt64 = 0
        var overflow = false
        for byte in content {
            if value > (UInt64.max >> 7) { overflow = true }
            value = (value << 7) | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                if parts.isEmpty {
                    let first: UInt64 = value < 40 ? 0 : (value < 80 ? 1 : 2)
                    parts.append(String(first))
                    parts.append(overflow ? "?" : String(value - first * 40))
                } else {
                    parts.append(overflow ? "?" : String(value))
                }
                value = 0
                overflow = false
            }
        }
        return parts.joined(separator: ".")
    }
}

extension OID {
    public static var subjectAltName: OID { OID("2.5.29.17") }
    public static var extendedKeyUsage: OID { OID("2.5.29.37") }
    public static var basicConstraints: OID { OID("2.5.29.19") }
    public static var keyUsage: OID { OID("2.5.29.15") }
    /// id-on-xmppAddr (RFC 6120 §13.7.1.4): a JID as UTF8String.
    public static var xmppAddr: OID { OID("1.3.6.1.5.5.7.8.5") }
    /// id-on-dnsSRV (RFC 4985): an SRV-ID such as "_xmpp-server.example.com" as IA5String.
    public static var srvName: OID { OID("1.3.6.1.5.5.7.8.7") }
    public static var serverAuth: OID { OID("1.3.6.1.5.5.7.3.1") }
    public static var clientAuth: OID { OID("1.3.6.1.5.5.7.3.2") }
    public static var anyExtendedKeyUsage: OID { OID("2.5.29.37.0") }
    public static var commonName: OID { OID("2.5.4.3") }
}
