import RelayConfig
import S2S
import TLS
import XMPPStream

/// The per-link inputs the configuration decides: engine configurations, TLS contexts, parser limits.
final class LinkSetup {
    let configuration: RelayConfiguration
    let serverTLS: TLSContext?
    private var clientTLS: [String: TLSContext] = [:]
    private let secrets: [DomainName: String]
    private let servedDomains: Set<DomainName>
    private let componentDomains: Set<DomainName>
    private let dialbackSecret: String

    init(configuration: RelayConfiguration, serverTLS: TLSContext?) throws(StartFailure) {
        self.configuration = configuration
        self.serverTLS = serverTLS
        var secrets: [DomainName: String] = [:]
        for component in configuration.components {
            guard let domain = try? DomainName(component.domain) else { continue }
            switch component.readSecret() {
            case .success(let secret): secrets[domain] = secret
            case .failure(let error): throw StartFailure("\(error)")
            }
        }
        self.secrets = secrets
        componentDomains = Set(secrets.keys)
        servedDomains = Set(configuration.localDomains.compactMap { try? DomainName($0) })
        dialbackSecret = Self.randomToken(bytes: 32)
    }

    func isComponentDomain(_ domain: DomainName) -> Bool { componentDomains.contains(domain) }
    func serves(_ domain: DomainName) -> Bool { servedDomains.contains(domain) }
    var hasLocalDomains: Bool { !servedDomains.isEmpty }

    var limits: StreamLimits {
        StreamLimits(
            maxStanzaBytes: configuration.limits.maxStanzaBytes, maxDepth: configuration.limits.maxDepth,
            maxAttributes: configuration.limits.maxAttributes)
    }

    var linkSettings: LinkSettings {
        LinkSettings(handshakeTimeout: configuration.limits.handshakeTimeout)
    }

    func dialbackAllowed(_ domain: DomainName) -> Bool {
        configuration.policy.dialbackAllowed(for: domain.value, peers: configuration.peers)
    }

    func peer(_ domain: String) -> PeerDomain? {
        configuration.peers.first { $0.domain.lowercased() == domain.lowercased() }
    }

    /// `external: false` skips SASL EXTERNAL (a retry after the peer broke off during it).
    func outbound(pair: DomainPair, directTLS: Bool, authenticates: Bool = true, external: Bool = true)
        -> OutboundStream
    {
        OutboundStream(
            configuration: OutboundConfiguration(
                local: pair.local, remote: pair.remote, dialbackSecret: dialbackSecret,
                // The peer decides whether our certificate is good for us (pins, DANE, PKIX): offer EXTERNAL.
                certificateCoversLocalDomain: external, dialbackAllowed: dialbackAllowed(pair.remote),
                directTLS: directTLS, authenticates: authenticates, settings: linkSettings))
    }

    func inbound(directTLS: Bool) -> InboundStream {
        let served = servedDomains
        // Captured by value: a reload replaces this setup while the link lives on.
        let policy = configuration.policy
        let peers = configuration.peers
        return InboundStream(
            configuration: InboundConfiguration(
                serves: { served.contains($0) },
                dialbackAllowed: { policy.dialbackAllowed(for: $0.value, peers: peers) },
                dialbackSecret: dialbackSecret, makeStreamID: { LinkSetup.randomToken(bytes: 12) },
                directTLS: directTLS, settings: linkSettings))
    }

    func component() -> ComponentStream {
        let secrets = self.secrets
        return ComponentStream(
            configuration: ComponentConfiguration(
                secret: { secrets[$0] }, makeStreamID: { LinkSetup.randomToken(bytes: 12) },
                handshakeTimeout: configuration.limits.handshakeTimeout))
    }

    /// The client side of our outbound TLS, presenting the certificate for `local` (its
    /// `[[tls.domain]]` entry, else the default one) so the peer can authenticate us.
    func clientTLS(for local: DomainName) throws(TLSError) -> TLSContext {
        if let cached = clientTLS[local.value] { return cached }
        var identity: TLSIdentity? = nil
        if let entry = configuration.tls.domainCertificates.first(where: { $0.domain == local.value }) {
            identity = TLSIdentity(certificateFile: entry.certificate, keyFile: entry.key)
        } else if let certificate = configuration.tls.certificate, let key = configuration.tls.key {
            identity = TLSIdentity(certificateFile: certificate, keyFile: key)
        }
        let context = try TLSContext(configuration: TLSConfiguration(role: .client, identity: identity))
        clientTLS[local.value] = context
        return context
    }

    static func randomToken(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for _ in 0..<count {
            let byte = UInt8.random(in: 0...255, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
