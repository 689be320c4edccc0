/// What the router reports for the `stats` line: links open now, stanzas held for a link coming
/// up, and totals since start (stanzas relayed and bounced, refusals, socket bytes of every link).
struct RouterTraffic: Equatable {
    var linksIn = 0
    var linksOut = 0
    var components = 0
    /// Stanzas waiting in memory for an outbound link to come up.
    var held = 0
    /// Stanzas accepted from a link (bounced ones included).
    var relayed = 0
    /// Error replies the relay made (`stanza.bounced` lines).
    var bounced = 0
    /// `link.refused` and `component.refused` lines, plus connections a limit turned away.
    var refused = 0
    var bytesIn = 0
    var bytesOut = 0
}
