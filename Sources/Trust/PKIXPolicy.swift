import X509

/// PKIX (RFC 5280) with XMPP identity (RFC 6125/9525): the chain verifies to the system anchors,
/// the leaf is in date, names the peer domain, and has a key usage fit for the peer's role. A
/// failure here is not final: the caller may still allow dialback.
struct PKIXPolicy: AuthPolicy {
    let verifier: any ChainVerifier
    let anchors: TrustAnchors

    func evaluate(_ request: AuthRequest) -> PolicyStep {
        let domain = request.peerDomain
        guard let leaf = request.chain.first else {
            return .decided(notVerified("peer sent no certificate"))
        }
        if let problem = LeafChecks.validityProblem(leaf, now: request.now) { return .decided(notVerified(problem)) }
        let verdict = verifier.verify(chain: request.chain, anchors: anchors, at: request.now)
        if !verdict.isTrusted {
            if leaf.isSelfIssued && request.chain.count == 1 {
                return .decided(
                    notVerified(
                        "self-signed certificate and no pin or DANE record for \(domain): add a pin with xmpp-relay pin"
                    ))
            }
            return .decided(
                notVerified("certificate chain is not trusted (issuer \(leaf.issuer.summary)): \(verdict.reason)"))
        }
        let matcher = IdentityMatcher(domain: domain)
        guard let name = matcher.match(leaf.subjectAltNames) else {
            return .decided(notVerified(LeafChecks.nameProblem(leaf, matcher: matcher) ?? ""))
        }
        if let problem = LeafChecks.keyUsageProblem(leaf, role: request.role) { return .decided(notVerified(problem)) }
        return .decided(
            .success(
                .pkix, detail: name.summary,
                reason: "certificate chain trusted and valid for \(domain) (\(name.summary))"))
    }

    private func notVerified(_ reason: String) -> AuthOutcome {
        AuthOutcome(method: .none, verified: false, detail: "", reason: reason, fallbackAllowed: true)
    }
}
