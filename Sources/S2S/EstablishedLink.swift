import XMPPStream

/// What inbound and outbound s2s links share once authenticated: XEP-0198 counters and queue,
/// keepalive ticks (ping, ack requests, dead-peer and idle detection) and teardown.
struct EstablishedLink {
    let settings: LinkSettings
    var streamManagement: StreamManagement
    var bidirectional = false
    private(set) var isUp = false

    /// Any element arrived since the last keepalive tick (liveness).
    private var trafficSinceTick = false
    /// A stanza went either way since the last tick (idle close counts these, not pings).
    private var stanzaSinceTick = false
    private var idleTicks = 0
    /// The dead-peer timer is running: the next element from the peer cancels it.
    private var awaitingLiveness = false
    private var pendingPing: String?
    private var pingCounter = 0

    init(settings: LinkSettings) {
        self.settings = settings
        self.streamManagement = StreamManagement(requestEvery: settings.ackRequestEvery)
    }

    /// The link came up: stop the handshake clock, start the keepalive one.
    mutating func up(_ info: LinkInfo) -> [Action] {
        isUp = true
        // Idle time counts from here: negotiation traffic does not count as activity.
        trafficSinceTick = false
        stanzaSinceTick = false
        return [
            .cancelTimer(.handshake), .scheduleTimer(.keepalive, settings.keepaliveInterval), .linkUp(info),
        ]
    }

    /// Every element from the peer proves it is alive.
    mutating func noteInbound() -> [Action] {
        trafficSinceTick = true
        guard awaitingLiveness else { return [] }
        awaitingLiveness = false
        return [.cancelTimer(.deadPeer)]
    }

    mutating func noteInboundStanza() {
        stanzaSinceTick = true
        streamManagement.receivedStanza()
    }

    mutating func send(_ stanza: Element) -> [Action] {
        stanzaSinceTick = true
        return [.send(stanza)] + streamManagement.sent(stanza)
    }

    /// True (and consumed) when `element` answers our keepalive ping.
    mutating func consumePingReply(_ element: Element) -> Bool {
        guard let pendingPing, element.name == "iq", element[attribute: "id"] == pendingPing,
            element[attribute: "type"] == "result" || element[attribute: "type"] == "error"
        else { return false }
        self.pendingPing = nil
        return true
    }

    enum TickOutcome { case keepGoing([Action]), idle }

    /// A keepalive tick. `pair` addresses a ping; `repliesOnThisStream` says whether an iq reply
    /// comes back on this stream (bidi) — without it only XEP-0198 `<r/>` can detect a dead peer.
    mutating func tick(ping pair: DomainPair?, repliesOnThisStream: Bool) -> TickOutcome {
        idleTicks = stanzaSinceTick ? 0 : idleTicks + 1
        stanzaSinceTick = false
        if let idleClose = settings.idleClose, settings.keepaliveInterval * idleTicks >= idleClose { return .idle }
        var actions: [Action] = [.scheduleTimer(.keepalive, settings.keepaliveInterval)]
        defer { trafficSinceTick = false }
        guard !awaitingLiveness else { return .keepGoing(actions) }
        let request = streamManagement.requestIfOutstanding()
        if !request.isEmpty {
            actions += request
        } else if trafficSinceTick {
            return .keepGoing(actions)
        } else if streamManagement.enabled {
            actions.append(.send(StreamManagement.request))
        } else if let pair {
            pingCounter += 1
            let id = "ping-\(pingCounter)"
            pendingPing = id
            actions.append(.send(Self.ping(id: id, pair: pair)))
            guard repliesOnThisStream else { return .keepGoing(actions) }
        } else {
            return .keepGoing(actions)
        }
        awaitingLiveness = true
        actions.append(.scheduleTimer(.deadPeer, settings.deadPeerTimeout))
        return .keepGoing(actions)
    }

    /// XEP-0199 ping from our domain to the peer's.
    static func ping(id: String, pair: DomainPair) -> Element {
        var iq = Element(
            "iq", namespace: XMPPNamespace.server,
            attributes: [
                Attribute("type", "get"), Attribute("id", id), Attribute("from", pair.local.value),
                Attribute("to", pair.remote.value),
            ])
        iq.append(Element("ping", namespace: S2SNamespace.ping))
        return iq
    }

    /// The link is gone: report it and hand back what the peer did not acknowledge.
    mutating func teardown(reason: String) -> [Action] {
        var actions: [Action] = []
        if isUp { actions.append(.linkDown(reason: reason)) }
        isUp = false
        let unacked = streamManagement.takeUnacked()
        if !unacked.isEmpty { actions.append(.returnUnacked(unacked)) }
        return actions
    }

    /// Our side of a graceful close: acknowledge what we hold, ask for the peer's last ack, send
    /// `</stream:stream>` and give the peer `closeGrace` to close its side.
    mutating func startClosing(closeGrace: Duration) -> [Action] {
        streamManagement.finalAck() + streamManagement.requestIfOutstanding()
            + [.sendClose, .scheduleTimer(.closeGrace, closeGrace)]
    }
}
