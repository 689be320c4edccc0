import EventLoop
import RelayConfig

/// The listening sockets in force, kept in step with `[listen]`: at start every wanted socket must
/// open (or the relay does not start); on reload the ones no longer wanted close, new ones open, the
/// ones still wanted stay as they are (their port never closes), and a bind failure is reported
/// rather than claimed to be in force.
final class ListenerSet {
    struct Key: Hashable, CustomStringConvertible {
        let kind: Router.ListenerKind
        let address: ListenAddress

        /// `component 127.0.0.1:5347`, with the `[listen]` key's name.
        var description: String {
            switch kind {
            case .s2s: "s2s \(address)"
            case .s2sDirectTLS: "s2s_direct_tls \(address)"
            case .home: "home \(address)"
            case .component: "component \(address)"
            }
        }
    }

    struct Changes {
        var opened: [Key] = []
        var closed: [Key] = []
        /// Wanted but not open, with the reason (address in use, …).
        var failed: [(key: Key, reason: String)] = []
    }

    /// In `[listen]` order.
    private var bound: [(key: Key, listener: TCPListener)] = []

    /// What `config` asks for: components only when a domain is served, s2s only with a certificate too
    /// (s2s is never plaintext), the home listener only with a `[[home]]` (its connections are
    /// plaintext only from a `plaintext_loopback` server's address, else TLS with the home's pin).
    static func wanted(_ config: RelayConfiguration, servesDomains: Bool, hasCertificate: Bool) -> [Key] {
        guard servesDomains else { return [] }
        var keys = config.listen.component.map { Key(kind: .component, address: $0) }
        if !config.homes.isEmpty { keys += config.listen.home.map { Key(kind: .home, address: $0) } }
        if hasCertificate {
            keys += config.listen.s2s.map { Key(kind: .s2s, address: $0) }
            keys += config.listen.s2sDirectTLS.map { Key(kind: .s2sDirectTLS, address: $0) }
        }
        var seen = Set<Key>()
        return keys.filter { seen.insert($0).inserted }
    }

    /// Closes what is no longer wanted, then opens what is new. With `strict` (start) the first bind
    /// failure throws; otherwise it is reported in `failed` and the rest goes on.
    func update(to wanted: [Key], loop: Loop, router: Router?, strict: Bool) throws(StartFailure) -> Changes {
        var changes = Changes()
        let wantedSet = Set(wanted)
        for entry in bound where !wantedSet.contains(entry.key) {
            entry.listener.close()
            changes.closed.append(entry.key)
        }
        bound.removeAll { !wantedSet.contains($0.key) }
        guard let router else { return changes }
        let already = Set(bound.map(\.key))
        for key in wanted where !already.contains(key) {
            let kind = key.kind
            do {
                let listener = try ListenerSocket.open(key.address, loop: loop) { router.accept($0, kind: kind) }
                bound.append((key, listener))
                changes.opened.append(key)
            } catch {
                if strict { throw error }
                changes.failed.append((key, error.description))
            }
        }
        return changes
    }

    func closeAll() {
        for entry in bound { entry.listener.close() }
        bound = []
    }

    /// The sockets really open with their roles, for `relay.start`:
    /// `s2s:[::]:5269,s2s-tls:[::]:5270,component:127.0.0.1:5347`, or `none`.
    var roleSummary: String {
        bound.isEmpty ? "none" : bound.map { "\($0.key.kind.role):\($0.listener.localAddress)" }.joined(separator: ",")
    }

}

extension Router.ListenerKind {
    /// The role a listener plays, as `relay.start` names it.
    var role: String {
        switch self {
        case .s2s: "s2s"
        case .s2sDirectTLS: "s2s-tls"
        case .home: "home"
        case .component: "component"
        }
    }
}
