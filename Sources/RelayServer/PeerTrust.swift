import DNS
import S2S
import Trust
import X509
import XMPPStream

/// Turns a TLS peer's certificate chain into the S2S engines' `PeerAuthentication`, with Trust's
/// policies in order: `[[peer]] pins` (the only way when configured), DANE from the connection
/// plan when it applies, then PKIX against the system CA bundle (not enough under
/// `[policy] require = "dane"`).
final class PeerTrust {
    struct Verdict {
        let authentication: PeerAuthentication
        /// For the log: the TLSA parameters, the matching pin or the PKIX name that decided.
        let detail: String
    }

    private let verifier: PeerVerifier
    private let pinsFor: (String) -> [Trust.TLSARecord]
    private let planner: ConnectionPlanner?
    private let requiresDANE: () -> Bool

    init(
        caFile: String, planner: ConnectionPlanner?, requiresDANE: @escaping () -> Bool = { false },
        pinsFor: @escaping (String) -> [Trust.TLSARecord]
    ) {
        verifier = PeerVerifier(chainVerifier: TrustStoreVerifier(), systemAnchors: .system(bundlePath: caFile))
        self.planner = planner
        self.requiresDANE = requiresDANE
        self.pinsFor = pinsFor
    }

    /// The verdict the configuration in force gives a link already up (after a reload), from the
    /// chain it presented then. Pins (added, changed or removed) and PKIX are decided again; a DANE
    /// verdict stands while no pin overrides it (it came from DNS, which a reload does not change).
    func recheck(
        chain: [[UInt8]], domain: DomainName, role: PeerRole, target: PlanTarget?, previous: PeerAuthentication?,
        now: Int64
    ) -> Verdict {
        if pinsFor(domain.value).isEmpty, let previous, previous.method == .daneEE || previous.method == .daneTA,
            previous.isValid(for: domain)
        {
            return Verdict(authentication: previous, detail: "")
        }
        return decide(chain: chain, domain: domain, role: role, target: target, now: now)
    }

    /// An inbound peer: its pins decide alone; without pins, DANE with the secure TLSA records of
    /// its own SRV targets (`_PORT._tcp.TARGET`, any target may match), else PKIX. May answer
    /// before returning (cached DNS).
    func decideInbound(
        chain: [[UInt8]], domain: DomainName, now: @escaping () -> Int64, completion: @escaping (Verdict) -> Void
    ) {
        guard pinsFor(domain.value).isEmpty, let planner else {
            completion(decide(chain: chain, domain: domain, role: .client, target: nil, now: now()))
            return
        }
        planner.plan(domain.value) { [weak self] plan in
            guard let self else { return }
            // A failed lookup leaves open whether DANE applies (RFC 7672 §2.2): no reason to settle
            // for PKIX. A failed SRV lookup counts even beside a good one: it may hide DANE targets.
            var unknown: String? = nil
            if case .retryLater(let reason) = plan.verdict {
                unknown = reason
            } else if let srv = plan.lookups.first(where: { $0.type == .srv && $0.status.isFailed }) {
                unknown = "SRV lookup for \(srv.name) \(srv.status)"
            }
            if let unknown {
                let why = "cannot tell whether DANE applies to \(domain): \(unknown); try again later"
                return completion(Verdict(authentication: .unverified(why), detail: ""))
            }
            var verdict: Verdict? = nil
            // A target whose TLSA lookup failed under secure DNS counts as a DANE target that
            // cannot match ("indeterminate"), so PKIX does not take over.
            for target in plan.targets where target.daneApplies || target.tlsaStatus?.isFailed == true {
                let attempt = self.decide(chain: chain, domain: domain, role: .client, target: target, now: now())
                if attempt.authentication.verified || verdict == nil { verdict = attempt }
                if attempt.authentication.verified { break }
            }
            completion(verdict ?? self.decide(chain: chain, domain: domain, role: .client, target: nil, now: now()))
        }
    }

    /// - Parameters:
    ///   - chain: DER, leaf first, as the peer sent it.
    ///   - role: `.server` when we dialed, `.client` for inbound links.
    ///   - target: the plan target we reached (outbound), for DANE.
    func decide(chain: [[UInt8]], domain: DomainName, role: PeerRole, target: PlanTarget?, now: Int64) -> Verdict {
        var certificates: [Certificate] = []
        for der in chain {
            guard let certificate = try? Certificate(der: der) else {
                return Verdict(
                    authentication: .unverified("the peer sent a certificate that cannot be parsed"), detail: "")
            }
            certificates.append(certificate)
        }
        guard !certificates.isEmpty else {
            return Verdict(
                authentication: PeerAuthentication(
                    method: .none, verified: false, reason: "\(domain) presented no certificate"),
                detail: "")
        }
        let outcome = verifier.decide(
            AuthRequest(
                chain: certificates, peerDomain: domain.value, role: role, pins: pinsFor(domain.value),
                dane: Self.daneLookup(target), now: now))
        if outcome.verified && outcome.method == .pkix && requiresDANE() {
            return Verdict(
                authentication: PeerAuthentication(
                    method: .pkix, verified: false,
                    reason:
                        "\(domain) is CA-signed (\(outcome.reason)) but [policy] require = \"dane\" asks for DANE or a pin"
                ),
                detail: outcome.detail)
        }
        return Verdict(
            authentication: PeerAuthentication(
                method: Self.method(outcome.method), verified: outcome.verified,
                names: outcome.verified ? [domain] : [], reason: outcome.reason),
            detail: outcome.detail)
    }

    static func daneLookup(_ target: PlanTarget?) -> TLSALookup {
        guard let target, let status = target.tlsaStatus else { return .notLookedUp }
        switch status {
        case .secure:
            let records = target.tlsa.map {
                Trust.TLSARecord(usage: $0.usage, selector: $0.selector, matchingType: $0.matchingType, data: $0.data)
            }
            return .secure(records, at: target.tlsaName)
        case .bogus(let reason):
            return .bogus(reason, at: target.tlsaName)
        case .failed(let reason):
            // Never insecure: a TLSA answer that did not come could have said "DANE".
            return .failed(reason, at: target.tlsaName)
        case .insecure:
            return .insecure(at: target.tlsaName)
        }
    }

    static func method(_ method: AuthOutcome.Method) -> PeerAuthenticationMethod {
        switch method {
        case .pin: .pin
        case .daneEE: .daneEE
        case .daneTA: .daneTA
        case .pkix: .pkix
        case .none: .none
        }
    }
}
