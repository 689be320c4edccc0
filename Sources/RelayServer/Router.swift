import DNS
import EventLoop
import RelayLog
import S2S
import TLS
import Trust
import XMPPStream

/// Routes stanzas between component links and s2s links, in memory: a stanza to a connected
/// component's domain goes to it; one from a component to a remote domain goes out over the
/// authenticated outbound link for (local, remote), connected on demand (`[[peer]] server`, else
/// the DNS plan, targets in order) and held while it comes up, unless the remote domain's own
/// inbound link negotiated XEP-0288 (bidi): then that link is the way out and nothing is dialed
/// (a friend's relay behind NAT gets its replies). Remote → remote is refused.
/// Failures bounce RFC 6120 §8.3.3 errors to the sender; error stanzas are never bounced.
final class Router: LinkOwner {
    let loop: Loop
    private let logger: Logger
    let log: LinkLog
    private(set) var setup: LinkSetup
    /// Replaced when a reload names another CA bundle; each link keeps the one it started with.
    private(set) var trust: PeerTrust
    private let planner: ConnectionPlanner?
    let limits: ConnectionLimits
    let output: OutputBudget
    private var nextID = 0
    /// Every link whose stream is not over yet.
    private var links: [Int: Link] = [:]
    private var components: [DomainName: Link] = [:]
    private(set) var outbound: [DomainPair: OutboundRoute] = [:]
    /// XEP-0288 inbound links that carry (local → remote), registered when a pair authenticates on
    /// them, so routing a stanza is a lookup, never a walk over every link.
    private var bidiWays: [DomainPair: Link] = [:]
    /// XEP-0220 verifying links, by (receiving, originating), and the inbound links waiting for answers.
    private var verifyRoutes: [DomainPair: OutboundRoute] = [:]
    private var dialbackWaiters: [DialbackVerification: [Link]] = [:]
    private var stopping: (() -> Void)?
    private var stanzasRelayed = 0
    private var stanzasBounced = 0
    /// Socket bytes of links already closed; open links count their own.
    private var closedBytesIn = 0
    private var closedBytesOut = 0

    /// How long one TCP connect may take before the next address is tried.
    static var connectTimeout: Duration { .seconds(10) }

    init(loop: Loop, logger: Logger, setup: LinkSetup, resolver: (any DNSQuerying)?) {
        self.loop = loop
        self.logger = logger
        self.log = LinkLog(logger: logger)
        self.setup = setup
        planner = resolver.map {
            ConnectionPlanner(resolver: $0, scheduler: loop, timeout: setup.configuration.dns.timeout)
        }
        let pinsSource = PinsSource(setup: setup)
        self.pinsSource = pinsSource
        trust = Self.makeTrust(caFile: setup.configuration.tls.caFile, planner: planner, pinsSource: pinsSource)
        limits = ConnectionLimits(
            perIP: setup.configuration.limits.connectionsPerIP, maxLinks: setup.configuration.limits.maxLinks,
            logger: logger, clock: { loop.unixSeconds })
        output = OutputBudget(setup.configuration.limits, loop: loop, logger: logger)
    }

    /// Pins and `[policy] require` follow the configuration in force (a reload swaps `setup`).
    private final class PinsSource {
        var setup: LinkSetup
        init(setup: LinkSetup) { self.setup = setup }
        func pins(for domain: String) -> [Trust.TLSARecord] {
            if let home = (try? DomainName(domain)).flatMap({ setup.home($0) }) { return home.pins }
            return setup.peer(domain)?.pins ?? []
        }
        var requiresDANE: Bool { setup.configuration.policy.require == .dane }
    }
    private let pinsSource: PinsSource

    /// New links use the reloaded configuration (certificate, pins, policy, limits). Links already
    /// authenticated are checked again against it; those it no longer allows end with a
    /// `policy-violation` stream error. Returns how many were closed.
    func reload(_ fresh: LinkSetup) -> Int {
        if fresh.configuration.tls.caFile != setup.configuration.tls.caFile {
            trust = Self.makeTrust(caFile: fresh.configuration.tls.caFile, planner: planner, pinsSource: pinsSource)
        }
        // Dialback keys already handed out stay checkable (the home server asks back after a while).
        fresh.keepDialbackSecret(of: setup)
        setup = fresh
        pinsSource.setup = fresh
        limits.perIP = fresh.configuration.limits.connectionsPerIP
        limits.maxLinks = fresh.configuration.limits.maxLinks
        output.configure(fresh.configuration.limits)
        planner?.timeout = fresh.configuration.dns.timeout
        var closed = 0
        for link in links.values.sorted(by: { $0.id < $1.id }) where !link.isClosed {
            guard let why = refusal(of: link) else { continue }
            closed += 1
            link.close(StreamError(.policyViolation, "\(why); no longer allowed after reload"))
        }
        return closed
    }

    private static func makeTrust(caFile: String, planner: ConnectionPlanner?, pinsSource: PinsSource) -> PeerTrust {
        PeerTrust(caFile: caFile, planner: planner, requiresDANE: { pinsSource.requiresDANE }) {
            pinsSource.pins(for: $0)
        }
    }

    /// Why the configuration in force would not let `link` carry what it carries, or nil. The same
    /// rules as when it came up: a served local domain; the peer's certificate valid for the remote
    /// domain (pins checked against the chain it presented), or dialback allowed for that domain.
    private func refusal(of link: Link) -> String? {
        if link.direction == .component {
            guard let domain = link.engine.componentDomain, !setup.isComponentDomain(domain) else { return nil }
            return "\(domain) is no longer a configured [[component]]"
        }
        for pair in link.engine.authenticatedPairs {
            // A home link: the relay speaks for `pair.local` (home listener: the home server for
            // `pair.remote`); judged by the [[home]] entry of the home domain, `pair.remote`.
            if link.engine.homeSource != nil || (link.direction == .outbound && !setup.serves(pair.local)) {
                if let why = homeRefusal(of: link, home: pair.remote) { return why }
                continue
            }
            guard setup.serves(pair.local) else { return "\(pair.local) is no longer served here" }
            let verdict = trust.recheck(
                chain: link.peerCertificateChain, domain: pair.remote,
                role: link.direction == .outbound ? .server : .client, target: link.target,
                previous: link.info?.peer, now: loop.unixSeconds
            ).authentication
            if verdict.isValid(for: pair.remote) { continue }
            let fallback = verdict.method.allowsFallback
            if fallback && setup.dialbackAllowed(pair.remote) { continue }
            return "\(pair.remote) is not authenticated (\(verdict.method.rawValue): \(verdict.reason))"
                + (fallback ? " and dialback is not allowed for it" : "")
        }
        return nil
    }

    /// The router's part of the `stats` line: walks links and routes, so call it per stats line,
    /// not per stanza.
    var traffic: RouterTraffic {
        var traffic = RouterTraffic(
            relayed: stanzasRelayed, bounced: stanzasBounced, refused: log.refusals + limits.refused,
            bytesIn: closedBytesIn, bytesOut: closedBytesOut)
        for link in links.values {
            switch link.direction {
            case .inbound: traffic.linksIn += 1
            case .outbound: traffic.linksOut += 1
            case .component: traffic.components += 1
            }
            traffic.bytesIn += link.bytesIn
            traffic.bytesOut += link.bytesOut
        }
        for route in outbound.values { traffic.held += route.pending.count }
        return traffic
    }

    // MARK: Accepting

    enum ListenerKind {
        case s2s, s2sDirectTLS, home, component
    }

    func accept(_ connection: TCPConnection, kind: ListenerKind) {
        let fromHomeServer = kind == .home && setup.isHomeServerAddress(connection.peerAddress)
        guard stopping == nil, limits.admit(connection.peerAddress, perIPCap: !fromHomeServer) else {
            connection.close()
            return
        }
        let engine: LinkEngine
        var tls: Link.TLSSetup? = nil
        switch kind {
        case .s2s, .s2sDirectTLS:
            guard let context = setup.serverTLS else {
                limits.release(connection.peerAddress)
                connection.close()
                return
            }
            engine = .inbound(setup.inbound(directTLS: kind == .s2sDirectTLS))
            tls = Link.TLSSetup(context: context, serverName: nil)
        case .home:
            guard let home = homeEngine(for: connection) else {
                limits.release(connection.peerAddress)
                connection.close()
                return
            }
            (engine, tls) = home
        case .component:
            engine = .component(setup.component())
        }
        let link = makeLink(engine: engine, connection: connection, tls: tls, target: nil)
        link.start()
    }

    private func makeLink(engine: LinkEngine, connection: TCPConnection, tls: Link.TLSSetup?, target: PlanTarget?)
        -> Link
    {
        nextID += 1
        let link = Link(
            id: nextID, engine: engine, connection: connection, loop: loop, log: log, trust: trust, tls: tls,
            target: target, limits: setup.limits, output: output, owner: self)
        links[link.id] = link
        return link
    }

    // MARK: LinkOwner

    func linkUp(_ link: Link, _ info: LinkInfo) {
        registerBidiWays(of: link)
        guard link.direction == .outbound, let route = route(of: link) else { return }
        route.isUp = true
        let held = route.pending
        route.pending = []
        for stanza in held { link.send(stanza) }
    }

    func pairAuthenticated(_ link: Link, _ pair: DomainPair) { registerBidiWays(of: link) }

    /// Where a bidi link (XEP-0288) carries an authenticated pair, it is that pair's way out (the
    /// first such link wins; another takes over when it closes).
    private func registerBidiWays(of link: Link) {
        guard link.direction == .inbound, !link.isClosed else { return }
        for pair in link.engine.authenticatedPairs where bidiWays[pair] == nil && link.engine.carriesOutbound(pair) {
            bidiWays[pair] = link
        }
    }

    /// Where an accepted stanza went, for `stanza.routed`.
    enum Routed {
        case sent(Link)
        case held
        case bounced
    }

    func deliver(_ link: Link, _ stanza: Element, from: JID, to: JID) {
        stanzasRelayed += 1
        let routed: Routed
        switch setup.routeRule.decide(arrival: arrival(of: link), from: from.domain, to: to.domain) {
        case .deliver(.component):
            routed = deliverToComponent(stanza, to: to)
        case .deliver(.home(let domain)), .deliver(.remote(let domain)):
            // A home domain's server is found by its [[home]] entry, a remote one by DNS (findAddresses).
            routed = routeOut(stanza, pair: DomainPair(local: from.domain, remote: domain))
        case .refuse(.notAllowed, let why):
            bounce(stanza, .notAllowed, text: why, reason: why, link: link)
            return
        case .refuse(.invalidFrom, let why):
            // The engines refuse such senders before any stanza; never bounce to a forged sender.
            logger.warn(
                "stanza.refused",
                [
                    ("link", String(link.id)), ("condition", "invalid-from"), ("kind", stanza.name),
                    ("from", from.domain.value), ("to", to.domain.value), ("reason", why),
                ])
            return
        }
        // The hot path: with debug off this is one inlined level compare, nothing else.
        if logger.isEnabled(.debug) { logRouted(stanza, from: from, to: to, link: link, routed) }
    }

    /// `stanza.routed` (debug). Nothing is logged when it bounced (`stanza.bounced` says so).
    private func logRouted(_ stanza: Element, from: JID, to: JID, link: Link, _ routed: Routed) {
        let out: String
        switch routed {
        case .sent(let outLink): out = String(outLink.id)
        case .held: out = "held"
        case .bounced: return
        }
        let bytes = (try? ElementSerializer.server.serialize(stanza).count).map { String($0) } ?? "-"
        logger.debug(
            "stanza.routed",
            [
                ("link", String(link.id)), ("kind", stanza.name), ("from", from.domain.value),
                ("to", to.domain.value), ("id", stanza[attribute: "id"] ?? "-"), ("bytes", bytes), ("out_link", out),
            ])
    }

    func returnUnacked(_ link: Link, _ stanzas: [Element]) {
        if link.direction == .component {
            let why = "the component disconnected"
            for stanza in stanzas { bounce(stanza, .serviceUnavailable, text: why, reason: why, link: link) }
            return
        }
        if link.direction == .inbound, stopping == nil {
            // They went out over the peer's XEP-0288 link, which is gone: the next way out is a dial
            // (or another bidi link). The link no longer carries anything, so this cannot loop.
            for stanza in stanzas { routeAgain(stanza) }
            return
        }
        // Sent but not acknowledged when the link ended: try once more over a fresh link (at least
        // once: the peer may see a duplicate); a second failure bounces.
        guard link.direction == .outbound, stopping == nil, let route = route(of: link), !route.isRetry else {
            let why = "the link to \(link.remoteName) went down"
            for stanza in stanzas { bounce(stanza, .remoteServerTimeout, text: why, reason: why, link: link) }
            return
        }
        outbound[route.pair] = nil
        let fresh = OutboundRoute(pair: route.pair)
        fresh.isRetry = true
        fresh.pending = stanzas + route.pending
        route.pending = []
        outbound[route.pair] = fresh
        findAddresses(fresh)
    }

    func claimComponent(_ link: Link, _ domain: DomainName) -> Bool {
        if let holder = components[domain], !holder.isClosed, holder !== link { return false }
        components[domain] = link
        return true
    }

    func linkClosed(_ link: Link, reason: String, wasUp: Bool) {
        links[link.id] = nil
        closedBytesIn += link.bytesIn
        closedBytesOut += link.bytesOut
        if bidiWays.values.contains(where: { $0 === link }) {
            bidiWays = bidiWays.filter { $0.value !== link }
            // Another bidi link for the same pairs takes over: one walk per closed way, not per stanza.
            for other in links.values.sorted(by: { $0.id < $1.id }) { registerBidiWays(of: other) }
        }
        limits.release(link.direction == .outbound ? nil : link.address)
        switch link.direction {
        case .component:
            for (domain, holder) in components where holder === link { components[domain] = nil }
        case .outbound:
            if let route = verifyRoutes.values.first(where: { $0.link === link }) {
                verifyRoutes[route.pair] = nil
            } else if let route = route(of: link) {
                outbound[route.pair] = nil
                if !wasUp, link.engine.saslExternalCutOff, retryByDialback(route, reason: reason) {
                    break
                } else if !wasUp {
                    fail(route, .remoteServerTimeout, "\(route.pair.remote): \(reason)")
                } else {
                    let why = "the link to \(route.pair.remote) went down"
                    for stanza in route.pending {
                        bounce(stanza, .remoteServerTimeout, text: why, reason: why, link: link)
                    }
                }
            }
        case .inbound:
            forgetDialbackWaiter(link)
        }
        if let done = stopping, links.isEmpty { done() }
    }

    /// Reconnects `route` to the same address without SASL EXTERNAL (its held stanzas wait);
    /// false when it already did or the relay is stopping.
    private func retryByDialback(_ route: OutboundRoute, reason: String) -> Bool {
        guard stopping == nil, !route.skipsExternal, let candidate = route.connected else { return false }
        route.skipsExternal = true
        route.failures.append("\(candidate.address): \(reason)")
        route.link = nil
        route.candidates.insert(candidate, at: 0)
        outbound[route.pair] = route
        connectNext(route)
        return true
    }

    private func route(of link: Link) -> OutboundRoute? {
        outbound.values.first { $0.link === link }
    }

    // MARK: Routing

    @discardableResult
    private func deliverToComponent(_ stanza: Element, to: JID) -> Routed {
        guard let link = components[to.domain], !link.isClosed else {
            let why = "\(to.domain) is not connected"
            bounce(stanza, .serviceUnavailable, text: why, reason: why, link: nil)
            return .bounced
        }
        link.send(stanza)
        return .sent(link)
    }

    @discardableResult
    private func routeOut(_ stanza: Element, pair: DomainPair) -> Routed {
        if let route = outbound[pair], route.isUp, let link = route.link {
            link.send(stanza)
            return .sent(link)
        }
        if let way = bidiWays[pair], !way.isClosed, way.engine.carriesOutbound(pair) {
            way.send(stanza)
            return .sent(way)
        }
        if let route = outbound[pair] {
            route.pending.append(stanza)
            return .held
        }
        guard stopping == nil else {
            let why = "the relay is stopping"
            bounce(stanza, .remoteServerTimeout, text: why, reason: why, link: nil)
            return .bounced
        }
        let route = OutboundRoute(pair: pair)
        route.pending = [stanza]
        outbound[pair] = route
        findAddresses(route)
        return .held
    }

    /// A stanza from a local domain that an inbound bidi link handed back: routed once more.
    private func routeAgain(_ stanza: Element) {
        // Always parses: the engine sends only stanzas whose addresses it checked.
        guard let from = try? JID(stanza[attribute: "from"] ?? ""), let to = try? JID(stanza[attribute: "to"] ?? "")
        else { return }
        routeOut(stanza, pair: DomainPair(local: from.domain, remote: to.domain))
    }

    /// DNS for a route: the plan of the remote domain, or the addresses of its `[[peer]] server`.
    /// A lookup that failed (SERVFAIL, timeout, the `[dns] timeout` deadline) is `remote-server-timeout`
    /// (wait), never `remote-server-not-found`; the failed route is forgotten, so the next stanza
    /// makes a fresh plan (until the durable queue retries by itself).
    private func findAddresses(_ route: OutboundRoute) {
        let remote = route.pair.remote.value
        // A home domain is reached at its [[home]] server only, never through DNS for the domain.
        let server = setup.home(route.pair.remote)?.server ?? setup.peer(remote)?.server
        if let server, let address = SocketAddress(ipAddress: server.host, port: server.port) {
            route.candidates = [OutboundRoute.Candidate(address: address, directTLS: false, target: nil)]
            connectNext(route)
            return
        }
        guard let planner else {
            fail(route, .remoteServerTimeout, "no DNS resolver is running to find \(server?.host ?? remote)")
            return
        }
        let planned: (ConnectionPlan) -> Void = { [weak self, weak route] plan in
            guard let self, let route, self.isCurrent(route) else { return }
            switch plan.verdict {
            case .notFound(let reason):
                self.fail(route, .remoteServerNotFound, "\(remote): \(reason)")
            case .retryLater(let reason):
                self.fail(route, .remoteServerTimeout, "\(remote): \(reason)")
            case .connect:
                for target in plan.usableTargets {
                    for ip in target.addresses {
                        guard let address = SocketAddress(ipBytes: ip.bytes, port: target.port) else { continue }
                        // A configured server is authenticated by its pins, never by DANE.
                        route.candidates.append(
                            OutboundRoute.Candidate(
                                address: address, directTLS: target.directTLS, target: server == nil ? target : nil))
                    }
                }
                guard !route.candidates.isEmpty else {
                    self.fail(route, .remoteServerNotFound, "\(remote) has no usable address")
                    return
                }
                self.connectNext(route)
            }
        }
        if let server {
            planner.planServer(server.host, port: server.port, completion: planned)
        } else {
            planner.plan(remote, completion: planned)
        }
    }

    private func connectNext(_ route: OutboundRoute) {
        guard !route.candidates.isEmpty else {
            // RFC 6120 §8.3.3.17: resolved, but no stream: the sender may try again later.
            let tried = route.failures.joined(separator: "; ")
            fail(route, .remoteServerTimeout, "nothing answers for \(route.pair.remote) (\(tried))")
            return
        }
        let candidate = route.candidates.removeFirst()
        route.connector = TCPConnector(loop: loop, to: candidate.address, timeout: Self.connectTimeout) {
            [weak self, weak route] result in
            guard let self, let route else { return }
            route.connector = nil
            guard self.isCurrent(route) else {
                if case .success(let connection) = result { connection.close() }
                return
            }
            switch result {
            case .failure(let error):
                route.failures.append("\(candidate.address): \(error.message)")
                self.logger.debug(
                    "link.connect_failed",
                    [
                        ("remote", route.pair.remote.value), ("addr", candidate.address.description),
                        ("reason", error.message),
                    ])
                self.connectNext(route)
            case .success(let connection):
                self.connected(connection, route: route, candidate: candidate)
            }
        }
    }

    private func connected(_ connection: TCPConnection, route: OutboundRoute, candidate: OutboundRoute.Candidate) {
        guard limits.admitOutbound() else {
            connection.close()
            fail(route, .remoteServerTimeout, "the relay's max_links limit is reached")
            return
        }
        let home = setup.home(route.pair.remote)
        var tls: Link.TLSSetup? = nil
        if home?.plaintextLoopback != true {
            do {
                let context = try setup.clientTLS(for: route.pair.local)
                tls = Link.TLSSetup(context: context, serverName: route.pair.remote.value)
            } catch {
                limits.release(nil)
                connection.close()
                fail(route, .remoteServerTimeout, "cannot set up TLS: \(error)")
                return
            }
        }
        route.connected = candidate
        let engine: OutboundStream
        if let home {
            engine = setup.outboundHome(pair: route.pair, home: home)
        } else {
            engine = setup.outbound(
                pair: route.pair, directTLS: candidate.directTLS, authenticates: !route.verifiesOnly,
                external: !route.skipsExternal)
        }
        let link = makeLink(engine: .outbound(engine), connection: connection, tls: tls, target: candidate.target)
        route.link = link
        link.start()
        let questions = route.verifications
        route.verifications = []
        for request in questions { link.verify(request) }
    }

    private func isCurrent(_ route: OutboundRoute) -> Bool {
        (route.verifiesOnly ? verifyRoutes[route.pair] : outbound[route.pair]) === route
    }

    // MARK: Dialback (XEP-0220)

    func verifyDialbackKey(_ link: Link, _ request: DialbackVerification) {
        dialbackWaiters[request, default: []].append(link)
        let pair = DomainPair(local: request.receiving, remote: request.originating)
        if let route = verifyRoutes[pair] {
            if let verifier = route.link { verifier.verify(request) } else { route.verifications.append(request) }
            return
        }
        guard stopping == nil else {
            dialbackAnswered(link, request, valid: false)
            return
        }
        let route = OutboundRoute(pair: pair, verifiesOnly: true)
        route.verifications = [request]
        verifyRoutes[pair] = route
        findAddresses(route)
    }

    /// Inbound links waiting for dialback answers, for the stats line and tests (0 when idle).
    var dialbackWaiterCount: Int { dialbackWaiters.values.reduce(0) { $0 + $1.count } }

    /// A closed inbound link waits for nothing: drop it at once rather than when (or if) the
    /// authoritative server answers, so its buffers and TLS state are freed now.
    private func forgetDialbackWaiter(_ link: Link) {
        for (request, waiters) in dialbackWaiters where waiters.contains(where: { $0 === link }) {
            let others = waiters.filter { $0 !== link }
            dialbackWaiters[request] = others.isEmpty ? nil : others
        }
    }

    func dialbackAnswered(_ link: Link, _ request: DialbackVerification, valid: Bool) {
        for waiter in dialbackWaiters.removeValue(forKey: request) ?? [] {
            waiter.dialbackKeyChecked(request, valid: valid)
        }
    }

    /// Gives up on a route: every held stanza goes back to its sender with `condition`.
    private func fail(_ route: OutboundRoute, _ condition: StanzaBounce.Condition, _ reason: String) {
        if outbound[route.pair] === route { outbound[route.pair] = nil }
        if verifyRoutes[route.pair] === route { verifyRoutes[route.pair] = nil }
        route.connector = nil
        let questions = route.verifications
        route.verifications = []
        for request in questions {
            let waiters = dialbackWaiters.removeValue(forKey: request) ?? []
            // `link=` names the inbound links that asked, so their story includes this line.
            var fields: [(String, String)] = []
            if !waiters.isEmpty { fields.append(("link", waiters.map { String($0.id) }.joined(separator: ","))) }
            fields += [
                ("originating", request.originating.value), ("receiving", request.receiving.value), ("reason", reason),
            ]
            logger.warn("dialback.unverified", fields)
            for waiter in waiters {
                waiter.dialbackKeyChecked(request, valid: false)
            }
        }
        let held = route.pending
        route.pending = []
        guard !held.isEmpty else { return }
        var bounced = 0
        for stanza in held where bounce(stanza, condition, text: nil, reason: reason, link: route.link) {
            bounced += 1
        }
        var fields: [(String, String)] = []
        if let link = route.link { fields.append(("link", String(link.id))) }
        logger.warn(
            "route.failed",
            fields + [
                ("local", route.pair.local.value), ("remote", route.pair.remote.value), ("held", String(held.count)),
                ("bounced", String(bounced)), ("error", condition.rawValue), ("reason", reason),
            ])
    }

    /// Sends the error reply for `stanza` to its sender and logs `stanza.bounced`; false when none
    /// is due (error stanzas, or a sender we cannot reach). `text` goes to the sender, `reason`
    /// (which may say more) to our log; `link` is the link the failure concerns, if any.
    @discardableResult
    private func bounce(
        _ stanza: Element, _ condition: StanzaBounce.Condition, text: String?, reason: String, link: Link?
    ) -> Bool {
        guard let reply = StanzaBounce.reply(to: stanza, condition, text: text),
            let to = try? JID(reply[attribute: "to"] ?? ""), let from = try? JID(reply[attribute: "from"] ?? "")
        else { return false }
        let toComponent = setup.isComponentDomain(to.domain)
        // To a home domain the relay speaks for the bounce's sender itself: it is the relay's own word
        // that the stanza could not go further.
        guard toComponent || setup.isHomeDomain(to.domain) || setup.serves(from.domain) else { return false }
        stanzasBounced += 1
        // The reply goes from the original recipient to the original sender: log the original's way.
        var fields: [(String, String)] = []
        if let link { fields.append(("link", String(link.id))) }
        fields += [
            ("condition", condition.rawValue), ("kind", stanza.name), ("from", to.domain.value),
            ("to", from.domain.value), ("id", stanza[attribute: "id"] ?? "-"), ("reason", reason),
        ]
        logger.warn("stanza.bounced", fields)
        if toComponent {
            deliverToComponent(reply, to: to)
        } else {
            routeOut(reply, pair: DomainPair(local: from.domain, remote: to.domain))
        }
        return true
    }

    // MARK: Shutdown

    /// Closes every link gracefully; `done` runs once all streams are over or after `grace`.
    /// Stanzas still waiting for a link go back to their senders first (remote-server-timeout).
    func shutdown(grace: Duration, _ done: @escaping () -> Void) {
        var finished = false
        let finishOnce = { [weak self] in
            guard !finished else { return }
            finished = true
            self?.stopping = nil
            self?.graceTimer = nil
            done()
        }
        stopping = finishOnce
        for route in Array(outbound.values) where !route.isUp {
            fail(route, .remoteServerTimeout, "the relay is stopping")
        }
        for link in Array(links.values) { link.shutdown(reason: "the relay is stopping") }
        guard !links.isEmpty else {
            finishOnce()
            return
        }
        graceTimer = loop.schedule(after: grace) { [weak self] in
            guard let self else { return }
            for link in self.links.values { link.abort() }
            self.links.removeAll()
            finishOnce()
        }
    }
    private var graceTimer: Cancellable?
}
