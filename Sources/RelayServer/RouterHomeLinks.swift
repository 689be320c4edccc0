import EventLoop
import S2S

/// The router's home-link rules (DESIGN.md §2): who may use the home listener, what kind of link a
/// stanza arrived on for `RouteRule`, which pairs the relay vouches for when the home server asks
/// back, and whether a home link is still allowed after a reload.
extension Router {
    /// The engine and TLS for a connection on the home listener, or nil (logged as `link.refused`)
    /// when it does not come from a `[[home]]` server's address and no pinned home could be it.
    func homeEngine(for connection: TCPConnection) -> (LinkEngine, Link.TLSSetup?)? {
        let source = setup.homeSource(connectingFrom: connection.peerAddress) { [weak self] pair in
            self?.speaksFor(pair) ?? false
        }
        guard let source else {
            log.refusedConnection(
                address: connection.peerAddress,
                reason: "\(connection.peerAddress.ipText) is not a configured home server: the home listener "
                    + "takes [[home]] servers only (plaintext_loopback from the server's own address, else TLS "
                    + "with its pin)")
            return nil
        }
        var tls: Link.TLSSetup? = nil
        if !source.plaintext, let context = setup.serverTLS {
            tls = Link.TLSSetup(context: context, serverName: nil)
        }
        return (.inbound(setup.homeInbound(source)), tls)
    }

    /// What kind of link `link` is for the routing rule.
    func arrival(of link: Link) -> RouteRule.Arrival {
        switch link.engine {
        case .component(let engine):
            // Established components always have a domain; without one it may send as nothing.
            return engine.domain.map { .component($0) } ?? .home([])
        case .inbound(let engine):
            return engine.configuration.home.map { .home($0.domains) } ?? .remote
        case .outbound(let engine):
            // A bidirectional link: to a home server its stanzas come from that home domain.
            return setup.isHomeDomain(engine.configuration.remote) ? .home([engine.configuration.remote]) : .remote
        }
    }

    /// Dialback authoritative role on the home listener: the relay opened a home link speaking for
    /// `pair.remote` to the home domain `pair.local` (and so authenticated `pair.remote` first).
    func speaksFor(_ pair: DomainPair) -> Bool {
        guard setup.isHomeDomain(pair.local), let route = outbound[DomainPair(local: pair.remote, remote: pair.local)]
        else { return false }
        return !route.verifiesOnly
    }

    /// A home link under the configuration in force: its domain still a `[[home]]`, reached the
    /// same way (plaintext from the server's address, or TLS whose certificate matches its pins).
    func homeRefusal(of link: Link, home domain: DomainName) -> String? {
        guard let home = setup.home(domain) else { return "\(domain) is no longer a [[home]] domain" }
        if case .inbound = link.engine {
            guard let source = setup.homeSource(connectingFrom: link.address, speaksFor: { _ in false }),
                source.domains.contains(domain)
            else { return "\(link.address.ipText) is no longer a [[home]] server address for \(domain)" }
            if source.plaintext { return nil }
        } else if home.plaintextLoopback {
            return nil
        }
        let verdict = trust.recheck(
            chain: link.peerCertificateChain, domain: domain, role: link.direction == .outbound ? .server : .client,
            target: nil, previous: link.info?.peer, now: loop.unixSeconds
        ).authentication
        guard verdict.isValid(for: domain) else {
            return "the home server of \(domain) is not authenticated (\(verdict.method.rawValue): \(verdict.reason))"
        }
        return nil
    }
}
