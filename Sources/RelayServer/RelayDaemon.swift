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
                ("state_dir", configuration.relay.stateDirectory),
            ])
        if configuration.source == RelayConfiguration.embeddedSource {
            logger.warn(
                "relay.defaults",
                [
                    ("listen", listenSummary()),
                    ("hint", "no configuration file given: loopback only; see Config/xmpp-relay.toml"),
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
    }

    func shutDown(signal: String) {
        logger.info("relay.stop", [("signal", signal)])
        statsTimer = nil
        expiryTimer = nil
        watches = []
        resolver = nil
        loop.stop()
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
        var fields: [(String, String)] = [("stanzas_relayed", String(stanzasRelayed))]
        if let memory = ProcessMemory.current() {
            fields += [("rss_kb", String(memory.residentKiB)), ("rss_anon_kb", String(memory.anonymousKiB))]
        }
        logger.info("stats", fields)
    }

    private func listenSummary() -> String {
        let listen = configuration.listen
        let all = listen.s2s + listen.s2sDirectTLS + listen.home + listen.component
        return all.map(\.description).joined(separator: ",")
    }
}
