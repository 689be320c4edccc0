import EventLoop
import RelayConfig

/// The `listeners=` field of `relay.start`: each socket really open with its role, e.g.
/// `s2s:[::]:5269,s2s-tls:[::]:5270,component:127.0.0.1:5347`. The role comes from the `[listen]`
/// list that configured the address, so the listeners themselves need not carry it.
enum ListenerSummary {
    static func describe(_ open: [SocketAddress], _ listen: ListenSettings) -> String {
        let roles: [(String, [ListenAddress])] = [
            ("s2s", listen.s2s), ("s2s-tls", listen.s2sDirectTLS), ("home", listen.home),
            ("component", listen.component),
        ]
        let described = open.map { address in
            let role = roles.first { _, configured in configured.contains { matches($0, address) } }?.0 ?? "unknown"
            return "\(role):\(address)"
        }
        return described.isEmpty ? "none" : described.joined(separator: ",")
    }

    /// The configured address `configured` is the one bound at `bound` (port 0 means any port).
    private static func matches(_ configured: ListenAddress, _ bound: SocketAddress) -> Bool {
        guard let wanted = SocketAddress(ipAddress: configured.host, port: configured.port) else { return false }
        return configured.port == 0 ? wanted.withPort(bound.port) == bound : wanted == bound
    }
}
