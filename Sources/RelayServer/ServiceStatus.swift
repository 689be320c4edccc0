/// The one-line `STATUS=` that `systemctl status xmpp-relay` shows: links open now and stanzas
/// waiting, plus a note that outlives the next refresh (a refused reload stays visible until a
/// reload succeeds).
struct ServiceStatus: Equatable {
    /// nil without a router: no local domain, nothing to relay.
    var traffic: RouterTraffic?
    var note: String?

    /// Queued is what the router holds in memory today for links coming up (`held` in `stats`).
    var text: String {
        var text = note.map { $0 + "; " } ?? ""
        guard let traffic else { return text + "no local domains configured: nothing to relay" }
        text += "links: \(traffic.linksIn) in, \(traffic.linksOut) out, "
        text += traffic.components == 1 ? "1 component" : "\(traffic.components) components"
        text += "; queued: \(traffic.held) " + (traffic.held == 1 ? "stanza" : "stanzas")
        return text
    }

    /// The note a refused reload leaves: the configuration in force is the old one.
    static func reloadRefused(_ problems: [String]) -> String {
        let first = problems.first ?? "unknown error"
        let shortened = first.utf8.count > 160 ? String(first.prefix(160)) + "…" : first
        let more = problems.count > 1 ? " (and \(problems.count - 1) more)" : ""
        return "reload refused, previous configuration stays in force: \(shortened)\(more)"
    }
}
