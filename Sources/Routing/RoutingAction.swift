import S2S

/// What the routing engine asks RelayServer to do, in order. The engine never touches links, the
/// store or a clock; RelayServer executes these and reports back through the engine's event methods.
public enum RoutingAction: Hashable, Sendable {
    /// Write this stanza on the hop's link (its bytes come from memory or the store).
    case send(StanzaID, on: NextHop)
    /// Ask the hop to confirm what was sent: `<r/>` on XEP-0198 links, a XEP-0199 ping otherwise.
    /// On the ping's reply (a result or an error), report `acknowledged(hop, count: covering)`.
    case requestAck(NextHop, covering: Int)
    /// Read the hop's stored records with ids in `from...through`, in id order, at most `limit`
    /// (`Store.records(forKey: hop.storeKey, after: from - 1, through: through, limit: limit)`),
    /// and report them with `loaded(hop, records)`, even when none are left (that ends the run).
    /// Leave out (and delete) rows that are not a readable stanza; a short page is fine. One page per
    /// hop is asked for at a time. The engine names the records it takes in later `send`, `bounce`,
    /// `delete` and `forget` actions (the bytes are the store's until `delete`); keep no copy of the page.
    case load(NextHop, from: StanzaID, through: StanzaID, limit: Int)
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
