import DNS
import EventLoop
import RelayLog
import Routing
import S2S
import TLS
import Trust
import XMPPStream

/// Wires links to the durable queue (`RelayQueue`, which runs the pure `RoutingEngine`): every
/// stanza a link delivers goes to the queue, and the queue's actions come back here as sends on the
/// live link of a hop, ack requests, custody confirmations to upstream links, dials and bounces.
/// A hop's way out is the authenticated outbound link for (local, remote), connected when the queue
/// asks (`[[peer]] server`, else the DNS plan, targets in order), or the remote domain's own inbound
/// link when it negotiated XEP-0288 (bidi: a friend's relay behind NAT gets its replies), or a
/// connected component. Remote → remote is refused. Bounces are RFC 6120 §8.3.3 errors to the
/// sender; error stanzas are never bounced.
final class Router: LinkOwner, QueueCarrier {
    let loop: Loop
    let logger: Logger
    let log: LinkLog
    private(set) var setup: LinkSetup
    /// Replaced when a reload names another CA bundle; each link keeps the one it started with.
    private(set) var trust: PeerTrust
    let planner: ConnectionPlanner?
    let limits: ConnectionLimits
    let output: OutputBudget
    private var nextID = 0
    /// Every link whose stream is not over yet.
    private var links: [Int: Link] = [:]
    private var components: [DomainName: Link] = [:]
    var outbound: [DomainPair: OutboundRoute] = [:]
    /// XEP-0288 inbound links that carry (local → remote), registered when a pair authenticates on
    /// them, so routing a stanza is a lookup, never a walk over every link.
    private var bidiWays: [DomainPair: Link] = [:]
    /// XEP-0220 verifying links, by (receiving, originating), and the inbound links waiting for answers.
    var verifyRoutes: [DomainPair: OutboundRoute] = [:]
    private var dialbackWaiters: [DialbackVerification: [Link]] = [:]
    let queue: RelayQueue
    /// The live link each hop's stanzas go out on (what the queue was told is `up`).
    private var hopWays: [NextHop: Link] = [:]
    /// How each hop in `hopWays` was reported to confirm delivery.
    private var hopAcks: [NextHop: NextHopAcks] = [:]
    /// Hops the queue asked to `connect` and that are neither up nor reported failed yet.
    private var asked: Set<NextHop> = []
    /// Stanzas each link delivered so far (custody is confirmed upstream in this order).
    private var delivered: [Int: UInt64] = [:]
    /// Per XEP-0198 link, the hop of each stanza sent and not yet acknowledged, in send order.
    private var sentHops: [Int: HopFIFO] = [:]
    private(set) var stopping: (() -> Void)?
    private var stanzasRelayed = 0
    private var stanzasBounced = 0
    /// Socket bytes of links already closed; open links count their own.
    private var closedBytesIn = 0
    private var closedBytesOut = 0

    init(loop: Loop, logger: Logger, setup: LinkSetup, resolver: (any DNSQuerying)?, queue: RelayQueue) {
        self.loop = loop
        self.queue = queue
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
        queue.carrier = self
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
        queue.updateRule(fresh.routeRule)
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
        traffic.held = queue.count
        traffic.heldBytes = queue.bytes
        traffic.storeWrites = queue.storeWrites
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

    func makeLink(engine: LinkEngine, connection: TCPConnection, tls: Link.TLSSetup?, target: PlanTarget?)
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
        switch link.direction {
        case .outbound:
            guard let route = route(of: link) else { return }
            route.isUp = true
            wayUp(hop(for: route.pair), link)
        case .component:
            if let domain = link.engine.componentDomain {
                wayUp(NextHop(destination: .component(domain), from: nil), link)
            }
        case .inbound:
            break
        }
    }

    func pairAuthenticated(_ link: Link, _ pair: DomainPair) {
        registerBidiWays(of: link)
        // The peer is reachable again: hops to it retry now instead of waiting out their backoff.
        if link.direction == .inbound { queue.post(.inboundAuthenticated(pair.remote)) }
    }

    func streamManagementEnabled(_ link: Link) { registerBidiWays(of: link) }

    /// Where a bidi link (XEP-0288) carries an authenticated pair, it is that pair's way out (the
    /// first such link wins; another takes over when it closes). It carries stanzas only once the
    /// peer's stream is up: after `<enabled/>` where XEP-0198 is offered (the peer may be waiting
    /// for it, and a stanza before it ends the stream).
    private func registerBidiWays(of link: Link) {
        guard link.direction == .inbound, !link.isClosed else { return }
        for pair in link.engine.authenticatedPairs where bidiWays[pair] == nil && link.engine.carriesOutbound(pair) {
            bidiWays[pair] = link
        }
        guard isReadyBidiWay(link) else { return }
        for pair in link.engine.authenticatedPairs where bidiWays[pair] === link { wayUp(hop(for: pair), link) }
    }

    private func isReadyBidiWay(_ link: Link) -> Bool {
        !link.engine.offersStreamManagement || link.engine.streamManagementEnabled
    }

    /// The hop of stanzas from `pair.local` to `pair.remote` over s2s (a `[[home]]` domain or a remote one).
    private func hop(for pair: DomainPair) -> NextHop {
        NextHop(from: pair.local, to: setup.isHomeDomain(pair.remote) ? .home(pair.remote) : .remote(pair.remote))
    }

    /// `link` can carry `hop` now: the queue is told once (a second way waits as the spare).
    private func wayUp(_ hop: NextHop, _ link: Link) {
        guard hopWays[hop] == nil, !link.isClosed else { return }
        hopWays[hop] = link
        asked.remove(hop)
        let acks: NextHopAcks = link.engine.streamManagementEnabled ? .streamManagement : .none
        hopAcks[hop] = acks
        queue.post(.up(hop, acks))
    }

    /// Another live link that can carry `hop` (the outbound link, a bidi link, the component), if any.
    private func spareWay(for hop: NextHop) -> Link? {
        switch hop.destination {
        case .component(let domain):
            guard let link = components[domain], !link.isClosed, link.info != nil else { return nil }
            return link
        case .home(let domain), .remote(let domain):
            guard let from = hop.from else { return nil }
            let pair = DomainPair(local: from, remote: domain)
            if let route = outbound[pair], route.isUp, let link = route.link, !link.isClosed { return link }
            if let way = bidiWays[pair], !way.isClosed, way.engine.carriesOutbound(pair), isReadyBidiWay(way) {
                return way
            }
            return nil
        }
    }

    func deliver(_ link: Link, _ stanza: Element, from: JID, to: JID) {
        stanzasRelayed += 1
        let sequence = (delivered[link.id] ?? 0) + 1
        delivered[link.id] = sequence
        let upstream = Upstream(link: LinkID(UInt64(link.id)), sequence: sequence)
        queue.accept(stanza, from: from.domain, to: to.domain, origin: .link(upstream, arrival: arrival(of: link)))
        // The hot path: with debug off this is one inlined level compare, nothing else.
        if logger.isEnabled(.debug) { logRouted(stanza, from: from, to: to, link: link) }
    }

    /// `stanza.routed` (debug): where the stanza went (the hop's live link), or `held`. Nothing is
    /// logged when it was refused (`stanza.bounced` or `stanza.refused` says so).
    private func logRouted(_ stanza: Element, from: JID, to: JID, link: Link) {
        let hop: NextHop
        switch setup.routeRule.decide(arrival: arrival(of: link), from: from.domain, to: to.domain) {
        case .deliver(let destination): hop = NextHop(from: from.domain, to: destination)
        case .refuse: return
        }
        let out = hopWays[hop].map { String($0.id) } ?? "held"
        let bytes = (try? ElementSerializer.server.serialize(stanza).count).map { String($0) } ?? "-"
        logger.debug(
            "stanza.routed",
            [
                ("link", String(link.id)), ("kind", stanza.name), ("from", from.domain.value),
                ("to", to.domain.value), ("id", stanza[attribute: "id"] ?? "-"), ("bytes", bytes), ("out_link", out),
            ])
    }

    func acknowledged(_ link: Link, count: Int) {
        guard var sent = sentHops[link.id] else { return }
        // One link may carry several hops (bidi): each hop learns how many of its own were confirmed.
        var counts: [(NextHop, Int)] = []
        for _ in 0..<count {
            guard let entry = sent.popFront() else { break }
            guard entry.counted else { continue }
            let hop = entry.hop
            if let last = counts.last, last.0 == hop {
                counts[counts.count - 1].1 += 1
            } else {
                counts.append((hop, 1))
            }
        }
        sentHops[link.id] = sent
        for (hop, confirmed) in counts where hopWays[hop] === link && hopAcks[hop] == .streamManagement {
            queue.post(.acknowledged(hop, count: confirmed))
        }
    }

    func returnUnacked(_ link: Link, _ stanzas: [Element]) {
        // The queue still holds every stanza it sent on a link with acknowledgements: `linkClosed`
        // reports the hop down and the queue sends them again. A link still open that hands a stanza
        // straight back cannot carry its hop after all: end it, so the queue learns the hop is down.
        guard !link.isClosed, hopWays.values.contains(where: { $0 === link }) else { return }
        link.close(StreamError(.undefinedCondition, "the link refused a stanza the relay routed to it"))
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
                }
            }
        case .inbound:
            forgetDialbackWaiter(link)
        }
        sentHops[link.id] = nil
        if delivered.removeValue(forKey: link.id) != nil { queue.post(.upstreamClosed(LinkID(UInt64(link.id)))) }
        // Its hops are down; a spare way (the outbound link beside a bidi one) takes over at once.
        for (hop, way) in hopWays.sorted(by: { $0.key.description < $1.key.description }) where way === link {
            hopWays[hop] = nil
            hopAcks[hop] = nil
            queue.post(.down(hop, reason: "the link to \(hop.domain) went down: \(reason)"))
            if let spare = spareWay(for: hop) { wayUp(hop, spare) }
        }
        if let done = stopping, links.isEmpty { done() }
    }

    /// Reconnects `route` to the same address without SASL EXTERNAL (the queue waits);
    /// false when it already did or the relay is stopping.
    func retryByDialback(_ route: OutboundRoute, reason: String) -> Bool {
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

    // MARK: QueueCarrier

    func send(_ stanza: Element, on hop: NextHop, confirmed: Bool, source: LinkID?) -> Bool {
        guard let link = hopWays[hop], !link.isClosed else { return false }
        // Mirrors the link engine's own list of unacknowledged stanzas, so an `<a h/>` maps to hops.
        let acknowledging = link.engine.streamManagementEnabled
        if acknowledging { sentHops[link.id, default: HopFIFO()].append(.init(hop: hop, counted: confirmed)) }
        // Output this causes is charged to the link the stanza came from (even when it goes out after
        // a commit, outside that link's read): a hop that does not read stops its senders.
        let outer = output.reading
        if let source, let upstream = links[Int(source.value)] { output.reading = upstream }
        link.send(stanza)
        output.reading = outer
        if acknowledging, !confirmed, hopAcks[hop] == NextHopAcks.none {
            // The peer enabled XEP-0198 after the link came up (an inbound bidi link): from now on the
            // hop confirms, so its stanzas need not be stored first.
            hopAcks[hop] = .streamManagement
            queue.post(.down(hop, reason: "stream management came on"))
            queue.post(.up(hop, .streamManagement))
        }
        return true
    }

    func storeBacklogChanged(_ bytes: Int) { output.storeBacklog(bytes) }

    func pendingOutput(on hop: NextHop) -> Int {
        guard let output = hopWays[hop]?.socketOutput else { return 0 }
        return output.written - output.handedToKernel
    }

    func outputMark(on hop: NextHop) -> OutputMark? {
        guard let link = hopWays[hop], let output = link.socketOutput else { return nil }
        return OutputMark(link: link.id, bytes: output.written)
    }

    func hasLeft(_ mark: OutputMark) -> Bool? {
        guard let output = links[mark.link]?.socketOutput else { return nil }
        return output.handedToKernel >= mark.bytes
    }

    func requestAck(on hop: NextHop) {
        hopWays[hop]?.requestAck()
    }

    func custodyTaken(_ link: LinkID, count: Int) {
        links[Int(link.value)]?.custodyTaken(count)
    }

    func connect(_ hop: NextHop) {
        if let way = spareWay(for: hop) {
            wayUp(hop, way)
            return
        }
        asked.insert(hop)
        switch hop.destination {
        case .component(let domain):
            attemptFailed(hop, reason: "the component \(domain) is not connected", unreachable: false)
        case .home(let domain), .remote(let domain):
            guard let from = hop.from else { return }
            guard stopping == nil else {
                attemptFailed(hop, reason: "the relay is stopping", unreachable: false)
                return
            }
            let pair = DomainPair(local: from, remote: domain)
            guard outbound[pair] == nil else { return }  // a dial is under way; it reports
            let route = OutboundRoute(pair: pair)
            outbound[pair] = route
            findAddresses(route)
        }
    }

    /// The attempt the queue asked for failed (a spare way may have come up meanwhile: then nothing).
    private func attemptFailed(_ hop: NextHop, reason: String, unreachable: Bool) {
        guard asked.remove(hop) != nil else { return }
        queue.post(unreachable ? .unreachable(hop, reason: reason) : .down(hop, reason: reason))
    }

    func refuse(_ stanza: Element, _ refusal: RouteRule.Refusal, reason: String) {
        switch refusal {
        case .notAllowed:
            sendBounce(stanza, .notAllowed, text: reason, reason: reason)
        case .invalidFrom:
            // The engines refuse such senders before any stanza; never bounce to a forged sender.
            logger.warn(
                "stanza.refused",
                [
                    ("condition", "invalid-from"), ("kind", stanza.name),
                    ("from", (try? JID(stanza[attribute: "from"] ?? ""))?.domain.value ?? "-"),
                    ("to", (try? JID(stanza[attribute: "to"] ?? ""))?.domain.value ?? "-"), ("reason", reason),
                ])
        }
    }

    func bounce(_ stanza: Element, _ condition: StanzaBounce.Condition, text: String, reason: String) {
        sendBounce(stanza, condition, text: text, reason: reason)
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

    /// Gives up on a route: dialback questions waiting for it are answered invalid, and the queue
    /// learns that its attempt failed (it retries with backoff; `remote-server-not-found`, an
    /// authoritative DNS answer, bounces what waits for the hop at once).
    func fail(_ route: OutboundRoute, _ condition: StanzaBounce.Condition, _ reason: String) {
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
        guard !route.verifiesOnly else { return }
        let hop = hop(for: route.pair)
        var fields: [(String, String)] = []
        if let link = route.link { fields.append(("link", String(link.id))) }
        logger.warn(
            "route.failed",
            fields + [
                ("local", route.pair.local.value), ("remote", route.pair.remote.value), ("error", condition.rawValue),
                ("reason", reason),
            ])
        attemptFailed(hop, reason: reason, unreachable: condition == .remoteServerNotFound)
    }

    /// Sends the error reply for `stanza` to its sender (through the queue, as the relay's own
    /// stanza) and logs `stanza.bounced`; false when none is due (error stanzas, or a sender we
    /// cannot reach). `text` goes to the sender, `reason` (which may say more) to our log.
    @discardableResult
    private func sendBounce(_ stanza: Element, _ condition: StanzaBounce.Condition, text: String?, reason: String)
        -> Bool
    {
        guard let reply = StanzaBounce.reply(to: stanza, condition, text: text),
            let to = try? JID(reply[attribute: "to"] ?? ""), let from = try? JID(reply[attribute: "from"] ?? "")
        else { return false }
        let toComponent = setup.isComponentDomain(to.domain)
        // To a home domain the relay speaks for the bounce's sender itself: it is the relay's own word
        // that the stanza could not go further.
        guard toComponent || setup.isHomeDomain(to.domain) || setup.serves(from.domain) else { return false }
        stanzasBounced += 1
        // The reply goes from the original recipient to the original sender: log the original's way.
        logger.warn(
            "stanza.bounced",
            [
                ("condition", condition.rawValue), ("kind", stanza.name), ("from", to.domain.value),
                ("to", from.domain.value), ("id", stanza[attribute: "id"] ?? "-"), ("reason", reason),
            ])
        queue.accept(reply, from: from.domain, to: to.domain, origin: .relay)
        return true
    }

    // MARK: Shutdown

    /// Closes every link gracefully; `done` runs once all streams are over or after `grace`.
    /// Nothing is bounced for the stop: what the queue holds only in memory is stored first, links
    /// close (what they had not confirmed goes to the store too), and the last commit is awaited.
    func shutdown(grace: Duration, _ done: @escaping () -> Void) {
        var finished = false
        let finishOnce = { [weak self] in
            guard !finished else { return }
            finished = true
            self?.stopping = nil
            self?.graceTimer = nil
            self?.queue.stop()
            done()
        }
        stopping = finishOnce
        queue.post(.stopping)
        for route in Array(outbound.values) where !route.isUp { route.connector = nil }
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
