import X509

/// DANE-TA (usage 2) evaluation shared by pins and DNS records (RFC 7671 §5.2): a record must match
/// a certificate the peer sent above its own (the peer has to include its trust anchor), the chain
/// must verify up to that certificate, and the leaf must be in date and carry the right name.
struct TrustAnchorMatch {
    enum Result {
        case verified(TLSARecord)
        /// A record matched a chain certificate but the rest failed: the reason says what.
        case failed(TLSARecord, String)
        case noMatch
    }

    let verifier: any ChainVerifier

    func evaluate(_ records: [TLSARecord], chain: [Certificate], matcher: IdentityMatcher, now: Int64) -> Result {
        var firstFailure: Result = .noMatch
        for record in records where record.usage == TLSARecord.daneTA && record.isUsable {
            for depth in chain.indices.dropFirst() where record.matches(chain[depth]) {
                let anchor = chain[depth]
                let path = Array(chain[..<depth])
                let verdict = verifier.verify(chain: path, anchors: .certificates([anchor]), at: now)
                let problem: String?
                if !verdict.isTrusted {
                    problem =
                        "certificate does not chain to the trust anchor \(record.parameters) (\(anchor.subject.summary)): \(verdict.reason)"
                } else {
                    problem =
                        LeafChecks.validityProblem(chain[0], now: now)
                        ?? LeafChecks.nameProblem(chain[0], matcher: matcher)
                }
                guard let problem else { return .verified(record) }
                if case .noMatch = firstFailure { firstFailure = .failed(record, problem) }
            }
        }
        return firstFailure
    }
}
