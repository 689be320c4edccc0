import X509

/// Checks on the peer's own certificate that every method except DANE-EE shares.
enum LeafChecks {
    /// Why the leaf is outside its validity period at `now`, or nil when it is valid.
    static func validityProblem(_ leaf: Certificate, now: Int64) -> String? {
        if now < leaf.notBefore { return "certificate is not valid before \(UnixTime.iso8601(leaf.notBefore))" }
        if now > leaf.notAfter { return "certificate expired \(UnixTime.iso8601(leaf.notAfter))" }
        return nil
    }

    /// Why the leaf's extended key usage does not fit the peer's role, or nil when it does.
    static func keyUsageProblem(_ leaf: Certificate, role: PeerRole) -> String? {
        guard let purposes = leaf.extensions.extendedKeyUsage, !purposes.contains(.anyExtendedKeyUsage) else {
            return nil
        }
        let names = purposes.map {
            $0 == .serverAuth ? "serverAuth" : $0 == .clientAuth ? "clientAuth" : $0.description
        }
        switch role {
        case .server where !purposes.contains(.serverAuth):
            return
                "certificate's extended key usage (\(names.joined(separator: ", "))) lacks serverAuth, needed by a server"
        case .client where !purposes.contains(.serverAuth) && !purposes.contains(.clientAuth):
            return
                "certificate's extended key usage (\(names.joined(separator: ", "))) has neither clientAuth nor serverAuth"
        default:
            return nil
        }
    }

    static func nameProblem(_ leaf: Certificate, matcher: IdentityMatcher) -> String? {
        matcher.matches(leaf) ? nil : "certificate is not valid for \(matcher.domain) (names: \(leaf.namesSummary))"
    }
}
