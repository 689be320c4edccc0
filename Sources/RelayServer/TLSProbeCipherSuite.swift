/// What a negotiated cipher suite says about a link, read from mbedTLS's suite name
/// ("TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384", "TLS1-3-AES-128-GCM-SHA256", "TLS-RSA-WITH-AES-128-CBC-SHA").
public struct TLSProbeCipherSuite: Sendable, Hashable {
    /// The name as mbedTLS reports it.
    public let name: String
    /// "ECDHE (TLS 1.3)", "ECDHE", "DHE", "RSA", "PSK", …
    public let keyExchange: String
    /// ECDHE or DHE: a stolen server key does not decrypt recorded sessions.
    public let forwardSecrecy: Bool
    /// GCM, CCM or ChaCha20-Poly1305 (authenticated encryption), rather than CBC + HMAC or a stream cipher.
    public let aead: Bool
    /// Symmetric key strength in bits (3DES counts 112); nil when the name does not say.
    public let bits: Int?

    public init(name: String) {
        self.name = name
        let parts = name.uppercased().split(separator: "-").map(String.init)
        if name.hasPrefix("TLS1-3-") {
            keyExchange = "ECDHE (TLS 1.3)"
            forwardSecrecy = true
        } else {
            let withIndex = parts.firstIndex(of: "WITH") ?? parts.count
            let exchange = parts.dropFirst().prefix(withIndex - 1)
            let first = exchange.first ?? "?"
            keyExchange = first
            forwardSecrecy = first == "ECDHE" || first == "DHE"
        }
        aead = parts.contains("GCM") || parts.contains("CCM") || parts.contains("POLY1305")
        if parts.contains("CHACHA20") {
            bits = 256
        } else if parts.contains("3DES") {
            bits = 112
        } else if let size = parts.compactMap({ Int($0) }).first(where: { $0 == 128 || $0 == 256 || $0 == 192 }) {
            bits = size
        } else {
            bits = nil
        }
    }

    /// "ECDHE, AEAD 256-bit" or "RSA (no forward secrecy), CBC 128-bit".
    public var summary: String {
        let exchange = forwardSecrecy ? keyExchange : "\(keyExchange) (no forward secrecy)"
        let strength = bits.map { " \($0)-bit" } ?? ""
        return "\(exchange), \(aead ? "AEAD" : "not AEAD")\(strength)"
    }
}

extension TLSProbeCipherSuite {
    /// The RFC/IANA name for an mbedTLS suite name ("TLS-ECDHE-…" → "TLS_ECDHE_…", "TLS1-3-…" → "TLS_…").
    public static func standardName(_ name: String) -> String {
        var text = name
        if text.hasPrefix("TLS1-3-") { text = "TLS-" + text.dropFirst("TLS1-3-".count) }
        return String(text.map { $0 == "-" ? "_" : $0 })
    }
}
