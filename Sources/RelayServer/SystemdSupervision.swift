import EventLoop
import RelayLog

/// The relay's side of a `Type=notify` unit: READY=1 once listening, RELOADING=1 and READY=1
/// around a SIGHUP, STOPPING=1 on SIGTERM/SIGINT, a STATUS= line refreshed when it changes, and
/// WATCHDOG=1 from an event-loop timer, so a stuck loop stops the pings and systemd restarts the
/// relay. A notification that cannot be sent never stops the relay: it is logged once, and again
/// only after one got through in between.
final class SystemdSupervision {
    private let settings: SystemdSettings
    private let logger: Logger
    private let notify: SystemdNotify?
    /// Why NOTIFY_SOCKET, though set, is not used.
    private let unusable: String?
    private var failing = false
    private var lastStatus: String?
    private var watchdogTimer: Cancellable?
    private var statusTimer: Cancellable?
    /// How often the status is recomputed; it is sent only when its text changed (never per stanza).
    static var statusRefresh: Duration { .seconds(2) }

    init(settings: SystemdSettings, logger: Logger) {
        self.logger = logger
        var settings = settings
        var notify: SystemdNotify?
        var unusable: String?
        if let name = settings.notifySocket {
            do {
                notify = try SystemdNotify(socket: name)
            } catch {
                unusable = error.description
                settings.watchdogInterval = nil
                settings.watchdogOff = "NOTIFY_SOCKET is unusable: nowhere to send pings"
            }
        }
        self.settings = settings
        self.notify = notify
        self.unusable = unusable
    }

    /// `systemd.notify`: whether notifications and the watchdog are in force, and why not.
    func logSettings() {
        var fields: [(String, String)] = [("notify", notify?.socketName ?? "off")]
        if let interval = settings.watchdogInterval {
            fields += [("watchdog", "on"), ("ping_ms", String(Self.milliseconds(interval)))]
        } else {
            fields.append(("watchdog", "off"))
        }
        var reasons: [String] = []
        if settings.notifySocket == nil {
            reasons.append("NOTIFY_SOCKET unset (not started by systemd as Type=notify)")
        }
        if let unusable { reasons.append(unusable) }
        if let off = settings.watchdogOff { reasons.append(off) }
        if !reasons.isEmpty { fields.append(("reason", reasons.joined(separator: "; "))) }
        if unusable != nil {
            logger.warn("systemd.notify", fields)
        } else {
            logger.info("systemd.notify", fields)
        }
    }

    /// READY=1 with the first status, then the watchdog and status timers on `scheduler`.
    /// `status` is asked for the current status at each refresh.
    func ready(_ status: ServiceStatus, scheduler: Scheduler, current: @escaping () -> ServiceStatus) {
        guard notify != nil else { return }
        ready(status)
        if let interval = settings.watchdogInterval {
            watchdogTimer = scheduler.scheduleRepeating(every: interval) { [unowned self] in
                self.send([("WATCHDOG", "1")])
            }
        }
        statusTimer = scheduler.scheduleRepeating(every: Self.statusRefresh) { [unowned self] in
            self.refresh(current())
        }
    }

    /// READY=1 again (after a reload, done or refused) with the status now.
    func ready(_ status: ServiceStatus) {
        lastStatus = status.text
        send([("READY", "1"), ("STATUS", status.text)])
    }

    /// RELOADING=1 with the CLOCK_MONOTONIC time the reload began (systemd ≥ 253 wants it).
    func reloading(at now: Instant) {
        send([("RELOADING", "1"), ("MONOTONIC_USEC", String(now.nanoseconds / 1000))])
    }

    /// STOPPING=1; the status stops refreshing (the watchdog keeps pinging while links close).
    func stopping(_ status: String) {
        statusTimer = nil
        lastStatus = status
        send([("STOPPING", "1"), ("STATUS", status)])
    }

    /// STATUS= when the text differs from the last one sent.
    func refresh(_ status: ServiceStatus) {
        guard status.text != lastStatus else { return }
        lastStatus = status.text
        send([("STATUS", status.text)])
    }

    private func send(_ fields: [(String, String)]) {
        guard let notify else { return }
        guard let failure = notify.send(fields) else {
            failing = false
            return
        }
        guard !failing else { return }
        failing = true
        logger.warn(
            "systemd.notify_failed",
            [
                ("socket", notify.socketName), ("sending", fields.map(\.0).joined(separator: ",")),
                ("reason", failure.description),
                (
                    "hint",
                    "the relay keeps running; systemd may not see it ready, reloaded or alive "
                        + "(logged again only after a notification got through)"
                ),
            ])
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
