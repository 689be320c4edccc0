import X509

/// Configured pins: when a domain has any, they are the only accepted way (DANE and PKIX are not
/// consulted). A `3 x x` pin matches the peer's certificate; a `2 x x` pin names a trust anchor the
/// peer must send and chain to, with a name check.
struct PinPolicy: AuthPolicy {
    let verifier: any ChainVerifier

    func evaluate(_ request: AuthRequest) -> PolicyStep {
        guard !request.pins.isEmpty else { return .next(note: nil) }
        let domain = request.peerDomain
        guard let leaf = request.chain.first else {
            return .decided(.refusal(.pin, reason: "peer sent no certificate, but \(domain) is pinned"))
        }
        if let pin = request.pins.first(where: { $0.usage == TLSARecord.daneEE && $0.isUsable && $0.matches(leaf) }) {
            return .decided(
                .success(
                    .pin, detail: pin.description, reason: "certificate matches pin \(pin.parameters) for \(domain)"))
        }
        let anchors = TrustAnchorMatch(verifier: verifier)
        switch anchors.evaluate(
            request.pins, chain: request.chain, matcher: IdentityMatcher(domain: domain), now: request.now)
        {
        case .verified(let pin):
            return .decided(
                .success(
                    .pin, detail: pin.description,
                    reason: "certificate chains to pinned trust anchor \(pin.parameters) for \(domain)"))
        case .failed(let pin, let problem):
            return .decided(.refusal(.pin, detail: pin.description, reason: "\(problem) (pinned for \(domain))"))
        case .noMatch:
            let actual = TLSARecord.pin(for: leaf)
            return .decided(
                .refusal(
                    .pin,
                    reason:
                        "certificate does not match the pins for \(domain) (it has \(actual)); if the peer changed its key, update the pin with xmpp-relay pin"
                ))
        }
    }
}
