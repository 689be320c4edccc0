import S2S

/// What the routing engine asks RelayServer to do, in order. The engine never touches links, the
/// store or a clock; RelayServer executes these and reports back through the engine's event methods.
public enum RoutingAction: Hashable, Sendable {
    /// Write this stanza on the hop's link (its bytes come from memory or the store).
    case send(StanzaID, on: NextHop)
    /// Ask the hop to confirm what was sent: `<r/>` on XEP-0198 links, a XEP-0199 ping otherwise.
    /// On the ping's reply (a result or an error), report `acknowledged(hop, count: covering)`.
    case requestAck(NextHop, covering: Int)
    /// Write these stanzas (bytes + record) in one transaction; report `stored` after the commit
    /// (`synchronous=FULL`) or `storeFailed`.
    case store([StanzaRecord])
    /// Delete these stanzas' rows: they were delivered, bounced or dropped.
    case delete([StanzaID])
    /// The engine is done with these stanzas: free any copy of their bytes (after any `bounce` or
    /// `send` above, which still need them).
    case forget([StanzaID])
    /// Answer the stanza's sender with a stanza error (RFC 6120 §8.3) and hand the error stanza back
    /// as `received(.relay)`.
    case bounce(StanzaID, BounceCondition, text: String)
    /// The routing rule refused the stanza (DESIGN.md §2): not-allowed bounces, invalid-from is only
    /// logged (never answer a forged sender), as RelayServer's Router does today.
    case refuse(StanzaID, RouteRule.Refusal, reason: String)
    /// The upstream link's engine may count `count` more stanzas, in its delivery order, as in the
    /// relay's custody: `InboundStream.custodyTaken(count)`.
    case ackUpstream(LinkID, count: Int)
    /// Open a link for this hop; report `nextHopUp` or `nextHopDown`.
    case connect(NextHop)
    /// Call `timer(now:)` at this time (replaces any earlier schedule).
    case schedule(at: WallTime)
    case log(QueueLog)
}

/// Stanza errors the queue answers with (RFC 6120 §8.3.3), with the type each comes with.
public enum BounceCondition: String, Hashable, Sendable {
    /// The hop could not be reached within the stanza's time (max_age, iq_hold).
    case remoteServerTimeout = "remote-server-timeout"
    /// A byte cap or the store refused the stanza: try later.
    case resourceConstraint = "resource-constraint"

    public var type: String {
        switch self {
        case .remoteServerTimeout, .resourceConstraint: "wait"
        }
    }
}

/// One log line the engine asks for: `event=` and its fields, in order.
public struct QueueLog: Hashable, Sendable {
    public enum Event: String, Hashable, Sendable {
        /// Stanzas went to the store: their hop is down, or did not acknowledge within `hold`.
        case deferred = "queue.deferred"
        /// A stanza outlived max_age or iq_hold (bounced or dropped, field `outcome`).
        case expired = "queue.expired"
        /// The store refused stanzas the hop had not confirmed; they bounced.
        case bounced = "queue.bounced"
        /// A byte cap refused a new stanza (field `limit` names the key to raise).
        case full = "queue.full"
    }

    public var event: Event
    public var fields: [Field]

    public struct Field: Hashable, Sendable {
        public var key: String
        public var value: String

        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(_ event: Event, _ fields: [Field]) {
        self.event = event
        self.fields = fields
    }
}
