/// Timeouts and per-link options shared by inbound and outbound s2s engines.
public struct LinkSettings: Hashable, Sendable {
    /// Negotiation (TCP up to authenticated) must finish within this.
    public var handshakeTimeout: Duration
    /// Keepalive tick while established.
    public var keepaliveInterval: Duration
    /// A ping or ack request unanswered this long means the peer is dead.
    public var deadPeerTimeout: Duration
    /// Close a link that carried no stanza for this long; nil keeps idle links open.
    public var idleClose: Duration?
    /// How long to wait for the peer's `</stream:stream>` after ours.
    public var closeGrace: Duration
    /// Use XEP-0198 where the peer offers (outbound) or asks (inbound).
    public var streamManagement: Bool
    /// Send `<r/>` after this many unacknowledged stanzas.
    public var ackRequestEvery: Int
    /// XEP-0288: ask for (outbound) or offer (inbound) bidirectional links.
    public var bidi: Bool

    public init(
        handshakeTimeout: Duration = .seconds(60), keepaliveInterval: Duration = .seconds(60),
        deadPeerTimeout: Duration = .seconds(30), idleClose: Duration? = .seconds(900),
        closeGrace: Duration = .seconds(10), streamManagement: Bool = true, ackRequestEvery: Int = 10,
        bidi: Bool = true
    ) {
        self.handshakeTimeout = handshakeTimeout
        self.keepaliveInterval = keepaliveInterval
        self.deadPeerTimeout = deadPeerTimeout
        self.idleClose = idleClose
        self.closeGrace = closeGrace
        self.streamManagement = streamManagement
        self.ackRequestEvery = ackRequestEvery
        self.bidi = bidi
    }
}
