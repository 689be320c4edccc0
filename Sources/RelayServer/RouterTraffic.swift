/// What the router reports for the `stats` line: links open now, stanzas queued, and totals since
/// start (stanzas relayed and bounced, refusals, socket bytes of every link).
struct RouterTraffic: Equatable {
    var linksIn = 0
    var linksOut = 0
    var components = 0
    /// Stanzas the queue holds (in memory or stored) and their bytes.
    var held = 0
    var heldBytes = 0
    /// Stanzas written to the store since start.
    var storeWrites = 0
    /// Stanzas accepted from a link (bounced ones included).
    var relayed = 0
    /// Error replies the relay made (`stanza.bounced` lines).
    var bounced = 0
    /// `link.refused` and `component.refused` lines, plus connections a limit turned away.
    var refused = 0
    var bytesIn = 0
    var bytesOut = 0
}
