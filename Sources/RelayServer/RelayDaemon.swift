import DNS
import EventLoop
import RelayConfig
import RelayLog
import Routing
import Store
import TLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The running relay: owns the loop, the configuration in force, the listeners and the router,
/// and the process-level watches (SIGTERM/SIGINT stop, SIGHUP reloads, periodic stats and SIGUSR1
/// for a stats line at once).
public final class RelayDaemon {
    public let loop: Loop
    public let logger: Logger
    public private(set) var configuration: RelayConfiguration
    private let version: String
    /// Reads the configuration again on SIGHUP (the same file, or the embedded default).
    private let reloadConfiguration: () -> Result<RelayConfiguration, ConfigErrors>
    /// A `--log-level` given on the command line wins over the file, across reloads too.
    private let logLevelOverride: LogLevel?
    private var watches: [Cancellable] = []
    private var statsTimer: Cancellable?
    private var statsSignal: Cancellable?
    /// When `start` ran, for `stats`' uptime (monotonic: a clock step does not change it).
    private var startedAt: Instant?
    /// The validating resolver, up from start so DNSSEC problems show at start, not at first use.
    private var resolver: Resolver?
    /// What inbound links present; nil until a certificate is configured.
    public private(set) var tlsServer: TLSContext?
    private var expiryTimer: Cancellable?
    /// Links, routes and limits; nil until a local domain is configured (nothing to serve).
    private var router: Router?
    /// The durable queue (`<state_dir>/queue.db`), opened and rebuilt at start.
    private var queue: RelayQueue?
    /// The `[queue]` settings the queue started with (a reload does not change them).
    private var startedQueue: QueueSettings?
    private let listeners = ListenerSet()
    /// The queue store's one-writer lock, held while the relay runs (the `queue` tools then go
    /// through `control` instead of opening the store).
    private var storeLock: StoreLock?
    /// `<state_dir>/control.sock`, for the `queue` tools.
    private var control: QueueControlServer?
    /// How long start waits for the store lock a `queue` tool may hold for a moment (milliseconds).
    var storeLockWait = 3_000
    /// READY/RELOADING/STOPPING, STATUS and the watchdog for a `Type=notify` unit; nil when the
    /// caller asked for none (tests that run the daemon in-process).
    private let systemd: SystemdSupervision?
    /// What `STATUS=` says before the figures: a refused reload, until a reload succeeds.
    private var statusNote: String?
    /// How long SIGTERM waits for links to close their streams before the relay exits anyway.
    static var shutdownGrace: Duration { .seconds(3) }

    public init(
        configuration: RelayConfiguration,
        version: String,
        logger: Logger,
        logLevelOverride: LogLevel?,
        loop: Loop = Loop(),
        systemd: SystemdSettings? = nil,
        reloadConfiguration: @escaping () -> Result<RelayConfiguration, ConfigErrors>
    ) {
        self.configuration = configuration
        self.version = version
        self.logger = logger
        self.logLevelOverride = logLevelOverride
        self.loop = loop
        self.reloadConfiguration = reloadConfiguration
        self.systemd = systemd.map { SystemdSupervision(settings: $0, logger: logger) }
        logger.level = logLevelOverride ?? configuration.log.level
    }

    /// Prepares the state directory, installs the signal watches and logs `relay.start`.
    public func start() throws(StartFailure) {
        startedAt = loop.now
        // The same checks as check-config (files, TLS identities, state directory), so they agree.
        let checked = StartChecks.run(configuration, now: loop.unixSeconds, stateDirectory: .prepare)
        guard checked.errors.isEmpty else {
            throw StartFailure(checked.errors.map(\.description).joined(separator: "; "))
        }
        tlsServer = checked.tlsServer
        try startControl()
        resolver = try ResolverSetup.start(loop: loop, config: configuration)
        let setup = try LinkSetup(configuration: configuration, serverTLS: tlsServer)
        guard let store = checked.store else { throw StartFailure("the queue database could not be opened") }
        startedQueue = configuration.queue
        let queue = RelayQueue(
            store: store, rule: setup.routeRule, policy: Self.policy(configuration.queue), loop: loop, logger: logger)
        self.queue = queue
        // The queue tools now reach this queue (until here the control socket said it has none).
        control?.operations = RunningQueueOperations(queue: queue)
        _ = try bringUpListeners(setup, strict: true)
        watches = [
            loop.watchSignal(SIGTERM) { [unowned self] in self.shutDown(signal: "TERM") },
            loop.watchSignal(SIGINT) { [unowned self] in self.shutDown(signal: "INT") },
            loop.watchSignal(SIGHUP) { [unowned self] in self.reload() },
        ]
        // Without a watch SIGUSR1's default action would end the relay without a word; it stays
        // watched while links close after SIGTERM.
        statsSignal = loop.watchSignal(SIGUSR1) { [unowned self] in self.logStats() }
        // A vanished log reader must not kill the relay; writes then just fail.
        signal(SIGPIPE, SIG_IGN)
        logger.info(
            "relay.start",
            [
                ("version", version), ("config", configuration.source), ("pid", String(getpid())),
                ("state_dir", configuration.relay.stateDirectory),
                (
                    "domains",
                    configuration.localDomains.isEmpty ? "none" : configuration.localDomains.joined(separator: ",")
                ),
                ("resolver", ResolverSummary.mode(configuration.dns)),
                ("trust_anchor", ResolverSummary.trustAnchor(configuration)),
                ("listeners", listeners.roleSummary),
                // The AEAD the relay prefers as a TLS server, from the CPU's AES instructions.
                (
                    "tls_cipher",
                    TLSConfiguration.CipherOrder.forThisCPU.rawValue
                        + (CPUFeatures.hasAESInstructions ? " (cpu has aes)" : " (cpu has no aes)")
                ),
            ])
        systemd?.logSettings()
        if configuration.source == RelayConfiguration.embeddedSource {
            logger.warn(
                "relay.defaults",
                [
                    ("listen", listenSummary()),
                    (
                        "hint",
                        "no configuration file given: loopback only, and nothing listens until a [[component]] "
                            + "or [[home]] domain is configured; see Config/xmpp-relay.toml"
                    ),
                ])
        }
        logWarnings(checked.warnings)
        do {
            let restored = try queue.restore()
            if restored > 0 {
                logger.info("queue.restored", [("count", String(restored)), ("path", store.path)])
            }
        } catch {
            throw StartFailure("queue: cannot read \(store.path): \(error.message)")
        }
        scheduleStats()
        checkCertificateExpiry()
        expiryTimer = loop.scheduleRepeating(every: .seconds(86_400)) { [unowned self] in
            self.checkCertificateExpiry()
        }
        // Listeners are bound and every start check passed: systemd may start what comes after us.
        systemd?.ready(serviceStatus, scheduler: loop) { [unowned self] in self.serviceStatus }
    }

    /// Takes the store lock and serves the control socket; `UnavailableQueueOperations` answers
    /// until the queue is open (a moment later in `start`).
    private func startControl() throws(StartFailure) {
        let directory = configuration.relay.stateDirectory
        do {
            storeLock = try StoreLock(stateDirectory: directory, waitMilliseconds: storeLockWait)
        } catch .held(let path) {
            throw StartFailure(
                "another relay (or a queue tool) holds \(path): stop it first; two relays must not share "
                    + "[relay] state_dir")
        } catch {
            throw StartFailure(error.description)
        }
        control = try QueueControlServer(
            stateDirectory: directory, loop: loop, logger: logger, operations: UnavailableQueueOperations())
    }
    private var serviceStatus: ServiceStatus { ServiceStatus(traffic: router?.traffic, note: statusNote) }

    /// Runs the loop until SIGTERM/SIGINT.
    public func run() {
        loop.run()
        control?.close()
        control = nil
        statsSignal = nil
        listeners.closeAll()
        // Stopped by the router's shutdown; without a router nothing was queued, but the writer ends here.
        queue?.stop()
        queue = nil
        router = nil
        resolver = nil
        // Last: whatever holds the store has let it go (a tool may open it from now on).
        storeLock = nil
    }

    /// Local domains to serve: the router comes up (the first time there are any, at start or on a
    /// reload) and the listeners follow `setup`'s `[listen]`; s2s listeners only with a certificate.
    private func bringUpListeners(_ setup: LinkSetup, strict: Bool) throws(StartFailure) -> ListenerSet.Changes {
        let config = setup.configuration
        if router == nil && setup.hasLocalDomains, let queue {
            router = Router(loop: loop, logger: logger, setup: setup, resolver: resolver, queue: queue)
        }
        if setup.hasLocalDomains && setup.serverTLS == nil && !(config.listen.s2s + config.listen.s2sDirectTLS).isEmpty
        {
            logger.warn(
                "relay.no_tls",
                [("hint", "s2s listeners stay closed: set [tls] certificate and key (xmpp-relay keygen makes them)")])
        }
        let wanted = ListenerSet.wanted(
            config, servesDomains: setup.hasLocalDomains, hasCertificate: setup.serverTLS != nil)
        return try listeners.update(to: wanted, loop: loop, router: router, strict: strict)
    }

    func shutDown(signal: String) {
        logger.info("relay.stop", [("signal", signal)])
        systemd?.stopping(ServiceStatus(traffic: router?.traffic, note: "stopping on SIG\(signal)").text)
        statsTimer = nil
        expiryTimer = nil
        watches = []
        listeners.closeAll()
        // No new queue requests while links close; the socket file goes with it.
        control?.close()
        guard let router else {
            resolver = nil
            loop.stop()
            return
        }
        // Links close their streams with </stream:stream>; the loop ends once they are gone (bounded).
        // The router and resolver are released in run(), once the loop is out of their callbacks.
        router.shutdown(grace: Self.shutdownGrace) { [unowned self] in self.loop.stop() }
    }

    func reload() {
        systemd?.reloading(at: loop.now)
        if let refused = applyReload() {
            statusNote = ServiceStatus.reloadRefused(refused)
        } else {
            statusNote = nil
        }
        // Also after a refused reload: the relay goes on serving, on the old configuration.
        systemd?.ready(serviceStatus)
    }

    /// Reads and applies the configuration again; returns the problems when it was refused.
    private func applyReload() -> [String]? {
        switch reloadConfiguration() {
        case .success(let fresh):
            // The checks of start and check-config; any problem keeps the old configuration whole.
            let checked = StartChecks.run(fresh, now: loop.unixSeconds, stateDirectory: .inspect)
            guard checked.errors.isEmpty else {
                return reloadFailed(checked.errors.map(\.description))
            }
            // New links get the new certificate.
            let freshTLS = checked.tlsServer
            let setup: LinkSetup
            do {
                setup = try LinkSetup(configuration: fresh, serverTLS: freshTLS)
            } catch {
                return reloadFailed([error.description])
            }
            // Links already up are checked again against the new pins and policy.
            let linksClosed = router?.reload(setup) ?? 0
            tlsServer = freshTLS
            // The queue's policy is the one it started with: its deadlines and caps are fixed for
            // the stanzas it holds. Changes are named as not in force until the next start.
            let queueChanged = fresh.queue != startedQueue
            configuration = fresh
            // Never thrown when not strict: a socket that cannot bind is reported below instead.
            let changes = (try? bringUpListeners(setup, strict: false)) ?? ListenerSet.Changes()
            logReloaded(changes, linksClosed: linksClosed, queueChanged: queueChanged)
            logWarnings(checked.warnings)
            logger.level = logLevelOverride ?? fresh.log.level
            scheduleStats()
            checkCertificateExpiry()
            return nil
        case .failure(let errors):
            return reloadFailed(errors.errors.map(\.description))
        }
    }

    /// `config.reload` says what changed; logged before the new level applies, so a reload to `warn`
    /// still confirms itself. A listener that could not open is named, at warn: that part is not in force.
    private func logReloaded(_ changes: ListenerSet.Changes, linksClosed: Int, queueChanged: Bool) {
        func list(_ keys: [ListenerSet.Key]) -> String {
            keys.isEmpty ? "none" : keys.map(\.description).joined(separator: ",")
        }
        var fields: [(String, String)] = [
            ("config", configuration.source), ("listeners_opened", list(changes.opened)),
            ("listeners_closed", list(changes.closed)), ("links_closed", String(linksClosed)),
            ("listeners", listeners.roleSummary),
        ]
        var notInForce = changes.failed.map { "listen \($0.key): \($0.reason)" }
        if queueChanged { notInForce.append("[queue]: the queue keeps the settings it started with until a restart") }
        guard !notInForce.isEmpty else {
            logger.info("config.reload", fields)
            return
        }
        fields.append(("not_in_force", notInForce.joined(separator: "; ")))
        logger.warn("config.reload", fields)
    }

    /// The warnings of `StartChecks`, at start and after each reload; expiring certificates are
    /// logged as `tls.cert_expiring` instead (and daily after).
    private func logWarnings(_ warnings: [ConfigWarning]) {
        for warning in warnings where warning.kind != .certificateExpiring {
            logger.warn(warning.kind.event, [("at", warning.location), ("warning", warning.message)])
        }
    }

    private func checkCertificateExpiry() {
        if let tlsServer { TLSSetup.logExpiries(of: tlsServer, now: loop.unixSeconds, logger: logger) }
    }

    private func reloadFailed(_ problems: [String]) -> [String] {
        logger.error(
            "config.reload_failed",
            [
                ("config", configuration.source), ("errors", String(problems.count)),
                ("reason", problems.joined(separator: "; ")), ("kept", "previous configuration stays in force"),
            ])
        return problems
    }

    private func scheduleStats() {
        let interval = configuration.log.statsInterval
        statsTimer =
            interval > .zero ? loop.scheduleRepeating(every: interval) { [unowned self] in self.logStats() } : nil
    }

    func logStats() {
        var fields: [(String, String)] = []
        // Without a router (no local domain) nothing is relayed: the counters are all zero.
        let traffic = router?.traffic ?? RouterTraffic()
        if router != nil {
            fields += [
                ("links_in", String(traffic.linksIn)), ("links_out", String(traffic.linksOut)),
                ("components", String(traffic.components)),
            ]
        }
        fields += [
            ("stanzas_relayed", String(traffic.relayed)), ("held", String(traffic.held)),
            ("bounced", String(traffic.bounced)), ("refused", String(traffic.refused)),
            ("bytes_in", String(traffic.bytesIn)), ("bytes_out", String(traffic.bytesOut)),
        ]
        if let router {
            fields += [
                ("output_bytes", String(router.output.total)), ("dialback_waiters", String(router.dialbackWaiterCount)),
            ]
        }
        if let queue {
            fields += [
                ("queued", String(queue.stored.count)), ("queued_bytes", String(queue.stored.bytes)),
                ("oldest_s", String(queue.oldestAge())), ("store_writes", String(queue.storeWrites)),
            ]
        }
        if let startedAt {
            fields.append(("uptime_s", String((loop.now - startedAt).components.seconds)))
        }
        if let tlsServer, let days = TLSSetup.daysLeftOnNearest(of: tlsServer, now: loop.unixSeconds) {
            fields.append(("cert_days_left", String(days)))
        }
        if let memory = ProcessMemory.current() {
            fields += [("rss_kb", String(memory.residentKiB)), ("rss_anon_kb", String(memory.anonymousKiB))]
        }
        logger.info("stats", fields)
    }

    /// `[queue]` as the routing engine takes it.
    static func policy(_ settings: QueueSettings) -> QueuePolicy {
        QueuePolicy(
            hold: settings.hold, maxAge: settings.maxAge, iqHold: settings.iqHold, maxBackoff: settings.maxBackoff,
            maxBytes: settings.maxBytes, maxBytesPerDomain: settings.maxBytesPerDomain)
    }

    private func listenSummary() -> String {
        let listen = configuration.listen
        let all = listen.s2s + listen.s2sDirectTLS + listen.home + listen.component
        return all.map(\.description).joined(separator: ",")
    }
}
