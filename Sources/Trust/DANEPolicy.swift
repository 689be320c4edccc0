import X509

/// DANE for SRV (RFC 6698, 7671, 7673): with a secure TLSA set holding usable records, only those
/// records decide (no fallback); a bogus or failed lookup refuses; insecure or no records pass on to PKIX.
struct DANEPolicy: AuthPolicy {
    let verifier: any ChainVerifier

    func evaluate(_ request: AuthRequest) -> PolicyStep {
        let owner = request.dane.owner
        let records: [TLSARecord]
        switch request.dane.status {
        case .insecure:
            return .next(note: nil)
        case .bogus(let why):
            return .decided(.refusal(.none, reason: "DNSSEC validation failed (bogus) for \(owner): \(why)"))
        case .failed(let why):
            return .decided(.refusal(.none, reason: "TLSA lookup for \(owner) failed (\(why)); DANE status unknown"))
        case .secure(let answer):
            records = answer
        }
        let usable = records.filter(\.isUsable)
        guard !usable.isEmpty else {
            // RFC 7671 §4.1: a set with no usable record is treated as no TLSA at all.
            return .next(
                note: records.isEmpty
                    ? nil : "TLSA records at \(owner) are all unusable (usages 0/1 or unknown parameters)")
        }
        let tried = Array(Set(usable.map(\.parameters))).sorted(by: >).joined(separator: ", ")
        guard let leaf = request.chain.first else {
            return .decided(
                .refusal(.daneEE, detail: tried, reason: "peer sent no certificate, but \(owner) has TLSA \(tried)"))
        }
        if let record = usable.first(where: { $0.usage == TLSARecord.daneEE && $0.matches(leaf) }) {
            return .decided(
                .success(
                    .daneEE, detail: record.parameters,
                    reason: "certificate matches TLSA \(record.parameters) at \(owner)"))
        }
        // RFC 7673 §4: the service domain or the SRV target host may be the name a DANE-TA leaf carries.
        let matcher = IdentityMatcher(domain: request.peerDomain, additionalDNSNames: [request.dane.baseDomain])
        switch TrustAnchorMatch(verifier: verifier).evaluate(
            usable, chain: request.chain, matcher: matcher, now: request.now)
        {
        case .verified(let record):
            return .decided(
                .success(
                    .daneTA, detail: record.parameters,
                    reason: "certificate chains to TLSA \(record.parameters) trust anchor at \(owner)"))
        case .failed(let record, let problem):
            return .decided(.refusal(.daneTA, detail: record.parameters, reason: "\(problem) (TLSA at \(owner))"))
        case .noMatch:
            let method: AuthOutcome.Method = usable.contains { $0.usage == TLSARecord.daneEE } ? .daneEE : .daneTA
            return .decided(
                .refusal(method, detail: tried, reason: "certificate does not match TLSA \(tried) at \(owner)"))
        }
    }
}
