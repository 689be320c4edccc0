#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What systemd asked of the relay through its environment (sd_notify(3), sd_watchdog_enabled(3)):
/// where to send status datagrams, and whether and how often to ping the watchdog. Read once at
/// start; without NOTIFY_SOCKET (a relay run by hand, or `Type=exec`) nothing is sent at all.
public struct SystemdSettings: Equatable, Sendable {
    /// NOTIFY_SOCKET: an absolute path, or `@name` for an abstract socket; nil when unset or empty.
    public var notifySocket: String?
    /// The ping interval, half of WATCHDOG_USEC as sd_watchdog_enabled(3) advises; nil when off.
    public var watchdogInterval: Duration?
    /// Why the watchdog is off (for the start line); nil when it is on.
    public var watchdogOff: String?

    /// The process's own environment and pid.
    public static func fromProcessEnvironment() -> SystemdSettings {
        read(pid: getpid()) { name in getenv(name).map { String(cString: $0) } }
    }

    /// `variable` looks up one environment variable; `pid` is ours, compared with WATCHDOG_PID (a
    /// watchdog meant for another process, e.g. a wrapper's, is not ours to feed).
    static func read(pid: Int32, _ variable: (String) -> String?) -> SystemdSettings {
        var settings = SystemdSettings()
        if let socket = variable("NOTIFY_SOCKET"), !socket.isEmpty { settings.notifySocket = socket }
        guard let usecText = variable("WATCHDOG_USEC") else {
            settings.watchdogOff = "WATCHDOG_USEC unset (no WatchdogSec= in the unit)"
            return settings
        }
        guard let usec = Int64(usecText), usec > 0 else {
            settings.watchdogOff = "WATCHDOG_USEC=\(usecText) is not a positive number of microseconds"
            return settings
        }
        if let pidText = variable("WATCHDOG_PID") {
            guard let watchdogPID = Int32(pidText) else {
                settings.watchdogOff = "WATCHDOG_PID=\(pidText) is not a process id"
                return settings
            }
            guard watchdogPID == pid else {
                settings.watchdogOff = "WATCHDOG_PID=\(pidText) is another process (ours is \(pid))"
                return settings
            }
        }
        guard settings.notifySocket != nil else {
            settings.watchdogOff = "WATCHDOG_USEC is set but NOTIFY_SOCKET is not: nowhere to send pings"
            return settings
        }
        settings.watchdogInterval = .microseconds(usec / 2)
        return settings
    }
}
