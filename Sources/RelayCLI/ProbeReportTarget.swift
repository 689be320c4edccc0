import DNS
import RelayServer
import TLS
import Trust
import X509
import XMPPStream

/// What `probe` found at one target, as plain values: built from a `TLSProbe.Result`, then rendered
/// by `ProbeReport.lines(for:)` (so that rendering is tested without a server).
struct ProbeTargetReport {
    struct CertificateFacts {
        var subject: String
        var names: String
        var issuer: String
        var selfSigned: Bool
        var notBefore: Int64
        var notAfter: Int64
        var daysLeft: Int
        var key: String?
        var chainLength: Int
        var pin: String
    }

    var number: Int
    var host: String
    var port: UInt16
    var directTLS: Bool
    var address: String
    /// Set when nothing could be negotiated: connect, stream or TLS failed.
    var failure: String?
    /// Nil when a STARTTLS target failed before its features were read.
    var starttls: TLSProbeGrade.Findings.STARTTLS?
    /// "1.3", "1.2", "1.1", "1.0" with the answer to each.
    var versions: [(label: String, check: TLSProbe.Check)] = []
    var negotiatedVersion: String?
    var negotiated: TLSProbeCipherSuite?
    var neededWeakerSuites = false
    var withoutForwardSecrecy = TLSProbe.Check.notTested("not reached")
    var certificate: CertificateFacts?
    var trust: AuthOutcome?
    var saslExternal: Bool?
    var dialback: Bool?
    var featuresProblem: String?
    var grade: TLSProbeGrade?

    /// The grading input for this target; nil when nothing was negotiated and STARTTLS was offered.
    var findings: TLSProbeGrade.Findings? {
        guard let starttls, failure == nil || starttls == .notOffered else { return nil }
        let check = { (label: String) in self.versions.first { $0.label == label }?.check.accepted }
        let method = trust?.method
        return TLSProbeGrade.Findings(
            starttls: starttls, acceptsTLS10: check("1.0"), acceptsTLS11: check("1.1"), negotiated: negotiated,
            neededWeakerSuites: neededWeakerSuites, acceptsWithoutForwardSecrecy: withoutForwardSecrecy.accepted,
            trusted: trust?.verified ?? false,
            daneVerified: (trust?.verified ?? false) && (method == .daneEE || method == .daneTA))
    }

    /// Gathers the facts of one probe: certificate, trust decision (DANE from the plan's TLSA, else
    /// PKIX with `verifier`'s anchors), features after TLS, and the grade.
    init(
        number: Int, planTarget: PlanTarget, domain: String, result: TLSProbe.Result, verifier: PeerVerifier, now: Int64
    ) {
        self.number = number
        host = planTarget.host
        port = planTarget.port
        directTLS = planTarget.directTLS
        address = result.target.address.description
        starttls = planTarget.directTLS ? .directTLS : nil
        switch result.main {
        case .failure(let failure):
            self.failure = failure.description
            if failure.starttlsNotOffered { starttls = .notOffered }
        case .success(let presented):
            if let features = presented.featuresBeforeTLS {
                let offer = features.firstChild(named: "starttls", namespace: XMPPNamespace.tls)
                starttls =
                    offer?.firstChild(named: "required", namespace: XMPPNamespace.tls) != nil
                    ? .required : .offeredNotRequired
            }
            negotiatedVersion = presented.session.version
            negotiated = TLSProbeCipherSuite(name: presented.session.cipherSuite)
            neededWeakerSuites = result.neededWeakerSuites
            versions = ["1.3", "1.2", "1.1", "1.0"].compactMap { label in
                result.versions[label].map { (label, $0) }
            }
            withoutForwardSecrecy = result.withoutForwardSecrecy
            let chain = presented.chain.compactMap { try? Certificate(der: $0) }
            if let leaf = chain.first {
                let seconds = leaf.notAfter - now
                certificate = CertificateFacts(
                    subject: leaf.subject.summary, names: leaf.namesSummary, issuer: leaf.issuer.summary,
                    selfSigned: leaf.isSelfIssued, notBefore: leaf.notBefore, notAfter: leaf.notAfter,
                    daysLeft: Int(seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)),
                    key: probeKeyDescription(subjectPublicKeyInfo: leaf.subjectPublicKeyInfo),
                    chainLength: presented.chain.count, pin: Trust.TLSARecord.pin(for: leaf).description)
            }
            trust = verifier.decide(
                AuthRequest(
                    chain: chain, peerDomain: domain, role: .server, dane: Self.daneInput(planTarget), now: now))
            if let features = presented.featuresAfterTLS {
                let mechanisms = features.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl)?.elements ?? []
                saslExternal = mechanisms.contains { $0.name == "mechanism" && $0.text == "EXTERNAL" }
                dialback =
                    features.firstChild(named: "dialback", namespace: "urn:xmpp:features:dialback") != nil
                    || presented.headerAfterTLS?.declaresDialback == true
            } else {
                featuresProblem = presented.problemAfterTLS ?? "no stream features over TLS"
            }
        }
        grade = findings.map(TLSProbeGrade.grade)
    }

    /// For tests: a report assembled by hand.
    init(
        number: Int, host: String, port: UInt16, directTLS: Bool, address: String,
        starttls: TLSProbeGrade.Findings.STARTTLS?
    ) {
        self.number = number
        self.host = host
        self.port = port
        self.directTLS = directTLS
        self.address = address
        self.starttls = starttls
    }

    /// The plan's TLSA answer for this target in the Trust module's terms.
    static func daneInput(_ target: PlanTarget) -> TLSALookup {
        switch target.tlsaStatus {
        case .secure?:
            let records = target.tlsa.map {
                Trust.TLSARecord(usage: $0.usage, selector: $0.selector, matchingType: $0.matchingType, data: $0.data)
            }
            return .secure(records, at: target.tlsaName)
        case .bogus(let reason)?:
            return .bogus(reason, at: target.tlsaName)
        default:
            return .insecure(at: target.tlsaName)
        }
    }
}
