import EventLoop
import RelayLog

/// `[limits] connections_per_ip` and `max_links`: counted on accept, released when a link's
/// connection ends. Hitting a limit logs one line naming it and how to raise it (at most once a
/// minute per limit, so a flood cannot flood the log too).
final class ConnectionLimits {
    var perIP: Int
    var maxLinks: Int
    private var byIP: [[UInt8]: Int] = [:]
    private(set) var total = 0
    /// Inbound connections refused by a limit so far, logged or not (for `stats`).
    private(set) var refused = 0
    private var lastLogged: [String: Int64] = [:]
    private let logger: Logger
    private let clock: () -> Int64

    init(perIP: Int, maxLinks: Int, logger: Logger, clock: @escaping () -> Int64) {
        self.perIP = perIP
        self.maxLinks = maxLinks
        self.logger = logger
        self.clock = clock
    }

    /// True (and counted) when a new connection from `address` is within the limits. `perIPCap`
    /// false: counted, but not capped per address (a configured home server opens one connection
    /// per remote domain it talks to).
    func admit(_ address: SocketAddress, perIPCap: Bool = true) -> Bool {
        if total >= maxLinks {
            refused += 1
            report(
                "max_links", value: maxLinks, address: address,
                hint: "raise [limits] max_links in the configuration (then kill -HUP the relay)")
            return false
        }
        let key = address.ipBytes
        if perIPCap && byIP[key, default: 0] >= perIP {
            refused += 1
            report(
                "connections_per_ip", value: perIP, address: address,
                hint: "raise [limits] connections_per_ip in the configuration (then kill -HUP the relay)")
            return false
        }
        byIP[key, default: 0] += 1
        total += 1
        return true
    }

    /// Counts an outbound link against `max_links` (no per-IP cap: we chose to connect).
    func admitOutbound() -> Bool {
        guard total < maxLinks else {
            report(
                "max_links", value: maxLinks, address: nil,
                hint: "raise [limits] max_links in the configuration (then kill -HUP the relay)")
            return false
        }
        total += 1
        return true
    }

    func release(_ address: SocketAddress?) {
        total = max(0, total - 1)
        guard let address else { return }
        let key = address.ipBytes
        let left = byIP[key, default: 1] - 1
        byIP[key] = left > 0 ? left : nil
    }

    private func report(_ limit: String, value: Int, address: SocketAddress?, hint: String) {
        let now = clock()
        if let last = lastLogged[limit], now - last < 60 { return }
        lastLogged[limit] = now
        var fields: [(String, String)] = [("limit", limit), ("value", String(value))]
        if let address { fields.append(("addr", address.ipText)) }
        fields.append(("hint", hint))
        logger.warn("limit.reached", fields)
    }
}
