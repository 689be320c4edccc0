import X509

/// Decides how (and whether) a peer's certificate authenticates its domain, running small policies
/// in order: configured pins (the only way when present), then DANE (a secure usable TLSA set
/// decides alone; bogus DNSSEC refuses), then PKIX. The first policy that decides wins.
public struct PeerVerifier {
    private let policies: [any AuthPolicy]

    /// `chainVerifier` does signatures and paths (the TLS module's mbedTLS verifier in the daemon);
    /// `systemAnchors` is the CA bundle PKIX ends at.
    public init(chainVerifier: any ChainVerifier, systemAnchors: TrustAnchors) {
        policies = [
            PinPolicy(verifier: chainVerifier),
            DANEPolicy(verifier: chainVerifier),
            PKIXPolicy(verifier: chainVerifier, anchors: systemAnchors),
        ]
    }

    public func decide(_ request: AuthRequest) -> AuthOutcome {
        var notes: [String] = []
        for policy in policies {
            switch policy.evaluate(request) {
            case .decided(let outcome):
                guard !notes.isEmpty else { return outcome }
                return AuthOutcome(
                    method: outcome.method, verified: outcome.verified, detail: outcome.detail,
                    reason: outcome.reason + "; " + notes.joined(separator: "; "),
                    fallbackAllowed: outcome.fallbackAllowed)
            case .next(let note):
                if let note { notes.append(note) }
            }
        }
        return AuthOutcome(
            method: .none, verified: false, detail: "", reason: "no method authenticated \(request.peerDomain)",
            fallbackAllowed: true)
    }
}
