import X509

/// Decides whether a certificate speaks for an XMPP domain in server-to-server use, per RFC 6125 /
/// RFC 9525 and RFC 7590: SRV-ID `_xmpp-server.<domain>`, XmppAddr equal to the domain, or DNS-ID
/// (with a wildcard only as the whole left-most label, never directly above a single-label name).
/// Case-insensitive; a trailing dot is ignored. There is no fallback to the subject common name.
public struct IdentityMatcher {
    /// The reference domain, normalized.
    public let domain: String
    /// Further DNS-IDs accepted (for DANE-TA, RFC 7673 §4: the SRV target host name).
    public let additionalDNSNames: [String]

    public init(domain: String, additionalDNSNames: [String] = []) {
        let reference = Self.normalize(domain)
        self.domain = reference
        self.additionalDNSNames = additionalDNSNames.map(Self.normalize).filter { !$0.isEmpty && $0 != reference }
    }

    /// The first presented identifier that matches, or nil.
    public func match(_ names: [GeneralName]) -> GeneralName? {
        names.first { name in
            switch name {
            case .srvName(let presented):
                return Self.normalize(presented) == "_xmpp-server." + domain
            case .xmppAddr(let presented):
                return Self.normalize(presented) == domain
            case .dnsName(let presented):
                let normalized = Self.normalize(presented)
                return Self.dnsIDMatches(normalized, domain)
                    || additionalDNSNames.contains { Self.dnsIDMatches(normalized, $0) }
            case .otherName, .other:
                return false
            }
        }
    }

    public func matches(_ certificate: Certificate) -> Bool { match(certificate.subjectAltNames) != nil }

    /// Presented DNS-ID against a reference host, both normalized.
    static func dnsIDMatches(_ presented: String, _ reference: String) -> Bool {
        guard !presented.isEmpty, !reference.isEmpty else { return false }
        guard presented.hasPrefix("*.") else { return presented == reference }
        let base = presented.dropFirst(2)
        let baseLabels = base.split(separator: ".", omittingEmptySubsequences: false)
        // "*.example" would cover a whole TLD's worth of names: refuse wildcards right above one label.
        guard baseLabels.count >= 2, baseLabels.allSatisfy({ !$0.isEmpty && !$0.contains("*") }) else { return false }
        guard let dot = reference.firstIndex(of: ".") else { return false }
        let firstLabel = reference[..<dot]
        return !firstLabel.isEmpty && reference[reference.index(after: dot)...] == base
    }

    /// Lower-cases and drops one trailing dot.
    static func normalize(_ name: String) -> String {
        let lower = name.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
}
