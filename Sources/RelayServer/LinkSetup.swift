import EventLoop
import RelayConfig
import S2S
import TLS
import XMPPStream

/// The per-link inputs the configuration decides: engine configurations, TLS contexts, parser limits.
final class LinkSetup {
    let configuration: RelayConfiguration
    let serverTLS: TLSContext?
    /// One client context per certificate presented (nil: none), not per local domain: on home links
    /// the local side is every remote domain the relay speaks for, all with the default certificate.
    private var clientTLS: [TLSIdentity?: TLSContext] = [:]
    private let secrets: [DomainName: String]
    private let servedDomains: Set<DomainName>
    private let componentDomains: Set<DomainName>
    private var dialbackSecret: String
    /// DESIGN.md §2's routing rule over this configuration's home and component domains.
    let routeRule: RouteRule

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
        routeRule = RouteRule(
            homeDomains: Set(configuration.homes.compactMap { try? DomainName($0.domain) }),
            componentDomains: componentDomains)
    }

    /// On reload: keys made before still verify (XEP-0185 keys are checked when the peer asks back).
    func keepDialbackSecret(of previous: LinkSetup) { dialbackSecret = previous.dialbackSecret }

    func isComponentDomain(_ domain: DomainName) -> Bool { componentDomains.contains(domain) }
    func isHomeDomain(_ domain: DomainName) -> Bool { routeRule.homeDomains.contains(domain) }

    func home(_ domain: DomainName) -> HomeDomain? {
        configuration.homes.first { $0.domain.lowercased() == domain.value }
    }

    /// `address` is the IP of a `[[home]] server` (given as an IP address).
    func isHomeServerAddress(_ address: SocketAddress) -> Bool {
        configuration.homes.contains { SocketAddress(ipAddress: $0.server.host, port: 0)?.ipBytes == address.ipBytes }
    }

    /// The `[[home]]` entries a connection from `address` to the home listener may speak for: those
    /// with `plaintext_loopback` whose server has exactly this IP, else (over TLS, checked by pin for
    /// the domain the stream names) those with pins. Nil: no home server connects from there.
    func homeSource(connectingFrom address: SocketAddress, speaksFor: @escaping (DomainPair) -> Bool) -> HomeSource? {
        func domains(_ homes: [HomeDomain]) -> Set<DomainName> { Set(homes.compactMap { try? DomainName($0.domain) }) }
        let plaintext = configuration.homes.filter {
            $0.plaintextLoopback && SocketAddress(ipAddress: $0.server.host, port: 0)?.ipBytes == address.ipBytes
        }
        if !plaintext.isEmpty { return HomeSource(domains: domains(plaintext), plaintext: true, speaksFor: speaksFor) }
        let pinned = configuration.homes.filter { !$0.plaintextLoopback && !$0.pins.isEmpty }
        guard !pinned.isEmpty, serverTLS != nil else { return nil }
        return HomeSource(domains: domains(pinned), plaintext: false, speaksFor: speaksFor)
    }
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

    /// The relay's link to a home server, speaking for `pair.local` (a domain it authenticated, or
    /// one of its own): pinned TLS or configured plaintext on loopback, then dialback, which the home
    /// server checks by asking the relay back through the home listener. Our certificate never
    /// covers the domain we speak for, so no SASL EXTERNAL; the home server's pins allow no fallback.
    func outboundHome(pair: DomainPair, home: HomeDomain) -> OutboundStream {
        OutboundStream(
            configuration: OutboundConfiguration(
                local: pair.local, remote: pair.remote, dialbackSecret: dialbackSecret,
                certificateCoversLocalDomain: false, dialbackAllowed: false, plaintext: home.plaintextLoopback,
                settings: linkSettings))
    }

    /// A home server's connection on the home listener (see `HomeSource`).
    func homeInbound(_ source: HomeSource) -> InboundStream {
        var configuration = InboundConfiguration(
            serves: { _ in true }, dialbackAllowed: { _ in false }, dialbackSecret: dialbackSecret,
            makeStreamID: { LinkSetup.randomToken(bytes: 12) }, settings: linkSettings)
        configuration.home = source
        return InboundStream(configuration: configuration)
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
        var identity: TLSIdentity? = nil
        if let entry = configuration.tls.domainCertificates.first(where: { $0.domain == local.value }) {
            identity = TLSIdentity(certificateFile: entry.certificate, keyFile: entry.key)
        } else if let certificate = configuration.tls.certificate, let key = configuration.tls.key {
            identity = TLSIdentity(certificateFile: certificate, keyFile: key)
        }
        if let cached = clientTLS[identity] { return cached }
        let context = try TLSContext(configuration: TLSConfiguration(role: .client, identity: identity))
        clientTLS[identity] = context
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
