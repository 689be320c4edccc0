import EventLoop
import TLS
import Trust
import X509
import XMPPStream

/// Probes one XMPP server address the way the old XMPP IM Observatory did: a main handshake with the
/// relay's own TLS policy (certificate, suite, the stream features offered over TLS), then one short
/// connection per question: does it accept TLS 1.2 / 1.1 / 1.0 alone, and static RSA key exchange?
/// Connections run one after another on `loop`; each has `timeout`, the whole target `budget`.
/// Used by `xmpp-relay probe`; it authenticates nothing and sends no stanza.
public final class TLSProbe {
    public struct Target: Sendable, Hashable {
        /// The XMPP domain: SNI, the stream's `to`, the name PKIX checks.
        public let domain: String
        public let address: SocketAddress
        public let directTLS: Bool

        public init(domain: String, address: SocketAddress, directTLS: Bool) {
            self.domain = domain
            self.address = address
            self.directTLS = directTLS
        }
    }

    /// One yes/no question put to the server with a dedicated handshake.
    public enum Check: Sendable, Hashable {
        /// Completed with this version and suite.
        case accepted(version: String, suite: String)
        case refused(String)
        case notTested(String)

        public var accepted: Bool? {
            switch self {
            case .accepted: true
            case .refused: false
            case .notTested: nil
            }
        }
    }

    public struct Result {
        public let target: Target
        /// The main handshake, or why it failed (then nothing else was tried).
        public var main: Swift.Result<PeerCertificateFetch.Presented, PeerCertificateFetch.Failure>
        /// The main handshake only completed with every suite the library has.
        public var neededWeakerSuites = false
        /// Keyed "1.3", "1.2", "1.1", "1.0".
        public var versions: [String: Check] = [:]
        public var withoutForwardSecrecy = Check.notTested("not reached")
    }

    private let loop: Loop
    private let target: Target
    private let timeout: Duration
    private let deadline: Instant
    private let completion: (Result) -> Void
    private var fetch: PeerCertificateFetch?
    private var step: Cancellable?
    private var result: Result?
    private var pending: [(label: String, configuration: TLSConfiguration, store: (inout Result, Check) -> Void)] = []

    public init(loop: Loop, target: Target, timeout: Duration, budget: Duration, completion: @escaping (Result) -> Void)
    {
        self.loop = loop
        self.target = target
        self.timeout = timeout
        self.deadline = loop.now + budget
        self.completion = completion
        runMain(configuration: TLSConfiguration(role: .client), weaker: false)
    }

    private func connect(
        _ configuration: TLSConfiguration, readFeatures: Bool,
        _ done: @escaping (Swift.Result<PeerCertificateFetch.Presented, PeerCertificateFetch.Failure>) -> Void
    ) {
        var options = PeerCertificateFetch.Options()
        options.tls = configuration
        options.readFeaturesAfterTLS = readFeatures
        options.declareDialback = true
        fetch = PeerCertificateFetch(
            loop: loop, address: target.address, serverName: target.domain,
            starttlsDomain: target.directTLS ? nil : target.domain, timeout: timeout, options: options
        ) { [weak self] outcome in
            // Not from inside the fetch's own callback: it is still finishing.
            self?.step = self?.loop.schedule(after: .zero) { done(outcome) }
        }
    }

    private func runMain(configuration: TLSConfiguration, weaker: Bool) {
        connect(configuration, readFeatures: true) { [weak self] outcome in
            guard let self else { return }
            if case .failure(let failure) = outcome, failure.step == "tls", !weaker {
                // Maybe only older suites work: try again offering everything, to still see the certificate.
                var everything = TLSConfiguration(role: .client)
                everything.probeCipherSuites = .everything
                if TLSLibrary.supportsLegacyVersions { everything.minimumVersion = .tls10 }
                return self.runMain(configuration: everything, weaker: true)
            }
            var result = Result(target: self.target, main: outcome)
            if case .success = outcome { result.neededWeakerSuites = weaker }
            self.result = result
            guard case .success(let presented) = outcome else { return self.finish() }
            self.planChecks(after: presented.session, weaker: weaker)
            self.next()
        }
    }

    private func planChecks(after session: TLSSessionInfo, weaker: Bool) {
        guard var result else { return }
        let offered13 = TLSLibrary.supportsTLS13 && !weaker
        if session.version == "1.3" {
            result.versions["1.3"] = .accepted(version: "1.3", suite: session.cipherSuite)
        } else if offered13 {
            result.versions["1.3"] = .refused("chose TLS \(session.version) when offered 1.3")
        } else {
            result.versions["1.3"] = .notTested("library lacks TLS 1.3")
        }
        if session.version == "1.2" {
            result.versions["1.2"] = .accepted(version: "1.2", suite: session.cipherSuite)
        } else {
            var only12 = TLSConfiguration(role: .client)
            only12.maximumVersion = .tls12
            only12.probeCipherSuites = .everything
            pending.append(("1.2", only12, { $0.versions["1.2"] = $1 }))
        }
        for (label, version) in [("1.1", TLSConfiguration.ProtocolVersion.tls11), ("1.0", .tls10)] {
            guard TLSLibrary.supportsLegacyVersions else {
                result.versions[label] = .notTested("library lacks TLS 1.0/1.1")
                continue
            }
            var old = TLSConfiguration(role: .client)
            old.minimumVersion = version
            old.maximumVersion = version
            old.probeCipherSuites = .everything
            pending.append((label, old, { $0.versions[label] = $1 }))
        }
        var noForwardSecrecy = TLSConfiguration(role: .client)
        noForwardSecrecy.maximumVersion = .tls12
        noForwardSecrecy.probeCipherSuites = .withoutForwardSecrecy
        pending.append(("no forward secrecy", noForwardSecrecy, { $0.withoutForwardSecrecy = $1 }))
        self.result = result
    }

    private func next() {
        guard !pending.isEmpty else { return finish() }
        let check = pending.removeFirst()
        guard loop.now < deadline else {
            if result != nil { check.store(&result!, .notTested("time budget for this target used up")) }
            return next()
        }
        connect(check.configuration, readFeatures: false) { [weak self] outcome in
            guard let self, self.result != nil else { return }
            switch outcome {
            case .success(let presented):
                check.store(
                    &self.result!, .accepted(version: presented.session.version, suite: presented.session.cipherSuite))
            case .failure(let failure):
                check.store(&self.result!, .refused(failure.description))
            }
            self.next()
        }
    }

    private func finish() {
        fetch = nil
        guard let result else { return }
        self.result = nil
        completion(result)
    }
}
