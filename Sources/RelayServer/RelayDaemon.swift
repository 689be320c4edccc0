import DNS
import EventLoop
import RelayConfig
import RelayLog
import TLS

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The running relay: owns the loop, the configuration in force and the process-level watches
/// (SIGTERM/SIGINT stop, SIGHUP reloads, periodic stats). Listeners and links join with later issues.
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
    private var stanzasRelayed = 0
    /// The validating resolver, up from start so DNSSEC problems show at start, not at first use.
    private var resolver: Resolver?
    /// What inbound links present; nil until a certificate is configured.
    public private(set) var tlsServer: TLSContext?
    private var expiryTimer: Cancellable?
    /// Links, routes and limits; nil when no local domain is configured (nothing to serve).
    private var router: Router?
    private var listeners: [TCPListener] = []
    /// How long SIGTERM waits for links to close their streams before the relay exits anyway.
    static var shutdownGrace: Duration { .seconds(3) }

    public init(
        configuration: RelayConfiguration,
        version: String,
        logger: Logger,
        logLevelOverride: LogLevel?,
        loop: Loop = Loop(),
        reloadConfiguration: @escaping () -> Result<RelayConfiguration, ConfigErrors>
    ) {
        self.configuration = configuration
        self.version = version
        self.logger = logger
        self.logLevelOverride = logLevelOverride
        self.loop = loop
        self.reloadConfiguration = reloadConfiguration
        logger.level = logLevelOverride ?? configuration.log.level
    }

    /// Prepares the state directory, installs the signal watches and logs `relay.start`.
    public func start() throws(StartFailure) {
        try StateDirectory.prepare(configuration.relay.stateDirectory)
        do {
            tlsServer = try TLSSetup.serverContext(configuration, now: loop.unixSeconds)
        } catch {
            throw StartFailure("TLS: \(error)")
        }
        resolver = try ResolverSetup.start(loop: loop, config: configuration)
        try openListeners()
        watches = [
            loop.watchSignal(SIGTERM) { [unowned self] in self.shutDown(signal: "TERM") },
            loop.watchSignal(SIGINT) { [unowned self] in self.shutDown(signal: "INT") },
            loop.watchSignal(SIGHUP) { [unowned self] in self.reload() },
        ]
        // A vanished log reader must not kill the relay; writes then just fail.
        signal(SIGPIPE, SIG_IGN)
        logger.info(
            "relay.start",
            [
                ("version", version), ("config", configuration.source), ("pid", String(getpid())),
                ("state_dir", configuration.relay.stateDirectory), ("listening", listeningSummary()),
            ])
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
        scheduleStats()
        checkCertificateExpiry()
        expiryTimer = loop.scheduleRepeating(every: .seconds(86_400)) { [unowned self] in
            self.checkCertificateExpiry()
        }
    }

    /// Runs the loop until SIGTERM/SIGINT.
    public func run() {
        loop.run()
        listeners = []
        router = nil
        resolver = nil
    }

    /// Local domains to serve: the router and listeners come up; s2s listeners only with a certificate.
    private func openListeners() throws(StartFailure) {
        let setup = try LinkSetup(configuration: configuration, serverTLS: tlsServer)
        guard setup.hasLocalDomains else { return }
        let router = Router(loop: loop, logger: logger, setup: setup, resolver: resolver)
        self.router = router
        listeners = try ComponentListener.open(configuration, loop: loop, router: router)
        if tlsServer != nil {
            listeners += try S2SListeners.open(configuration, loop: loop, router: router)
        } else if !(configuration.listen.s2s + configuration.listen.s2sDirectTLS).isEmpty {
            logger.warn(
                "relay.no_tls",
                [("hint", "s2s listeners stay closed: set [tls] certificate and key (xmpp-relay keygen makes them)")])
        }
    }

    func shutDown(signal: String) {
        logger.info("relay.stop", [("signal", signal)])
        statsTimer = nil
        expiryTimer = nil
        watches = []
        for listener in listeners { listener.close() }
        listeners = []
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
        switch reloadConfiguration() {
        case .success(let fresh):
            let checks = fresh.checkFiles()
            guard checks.isEmpty else {
                reloadFailed(checks.map(\.description))
                return
            }
            // New links get the new certificate; a broken one keeps the old configuration whole.
            let freshTLS: TLSContext?
            do {
                freshTLS = try TLSSetup.serverContext(fresh, now: loop.unixSeconds)
            } catch {
                reloadFailed(["TLS: \(error)"])
                return
            }
            if let router {
                do {
                    router.reload(try LinkSetup(configuration: fresh, serverTLS: freshTLS))
                } catch {
                    reloadFailed([error.description])
                    return
                }
            }
            tlsServer = freshTLS
            configuration = fresh
            // Logged before the new level applies, so a reload to `warn` still confirms itself.
            logger.info("config.reload", [("config", fresh.source)])
            logger.level = logLevelOverride ?? fresh.log.level
            scheduleStats()
            checkCertificateExpiry()
        case .failure(let errors):
            reloadFailed(errors.errors.map(\.description))
        }
    }

    private func checkCertificateExpiry() {
        if let tlsServer { TLSSetup.logExpiries(of: tlsServer, now: loop.unixSeconds, logger: logger) }
    }

    private func reloadFailed(_ problems: [String]) {
        logger.error(
            "config.reload_failed",
            [
                ("config", configuration.source), ("errors", String(problems.count)),
                ("reason", problems.joined(separator: "; ")), ("kept", "previous configuration stays in force"),
            ])
    }

    private func scheduleStats() {
        let interval = configuration.log.statsInterval
        statsTimer =
            interval > .zero ? loop.scheduleRepeating(every: interval) { [unowned self] in self.logStats() } : nil
    }

    func logStats() {
        var fields: [(String, String)] = []
        if let router {
            let counts = router.linkCount
            fields += [
                ("links_in", String(counts.inbound)), ("links_out", String(counts.outbound)),
                ("components", String(counts.components)), ("output_bytes", String(router.output.total)),
                ("dialback_waiters", String(router.dialbackWaiterCount)),
            ]
        }
        fields.append(("stanzas_relayed", String(stanzasRelayed + (router?.stanzasRelayed ?? 0))))
        if let memory = ProcessMemory.current() {
            fields += [("rss_kb", String(memory.residentKiB)), ("rss_anon_kb", String(memory.anonymousKiB))]
        }
        logger.info("stats", fields)
    }

    /// The sockets really open (the configured ones open only once there is a domain to serve).
    private func listeningSummary() -> String {
        let open = listeners.map { $0.localAddress.description }
        return open.isEmpty ? "none" : open.joined(separator: ",")
    }

    private func listenSummary() -> String {
        let listen = configuration.listen
        let all = listen.s2s + listen.s2sDirectTLS + listen.home + listen.component
        return all.map(\.description).joined(separator: ",")
    }
}
