import RelayConfig
import RelayLog
import RelayServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `xmpp-relay run`: loads the configuration (or the embedded default), then runs until SIGTERM.
struct RunCommand: Command {
    static var name: String { "run" }
    static var summary: String { "run the relay (in the foreground, logging to stderr)" }
    static var usage: String {
        """
        usage: xmpp-relay run [--config FILE] [--log-level debug|info|warn|error] [--allow-root]

        Runs the relay in the foreground and logs one logfmt event per line on stderr.
        Without --config it runs on the embedded default: every listener on loopback only, state in
        a per-user directory it creates (see `xmpp-relay check-config` with no FILE).
        SIGHUP reloads the configuration (a broken file is reported and the old one stays in force);
        SIGTERM or SIGINT stops the relay, which then exits 0. Before it starts it makes every check
        `xmpp-relay check-config FILE` makes (the same code), and logs its warnings.

          --config FILE      the configuration (TOML; Config/xmpp-relay.toml documents every key)
          --log-level LEVEL  overrides [log] level, across reloads too
          --allow-root       run as root anyway (the relay needs no privilege: prefer a dedicated user)

        exit status: 0 stopped by signal, 1 could not start, 2 bad usage or configuration
        """
    }

    static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        let options: ArgumentList
        do {
            options = try ArgumentList(
                arguments, valueFlags: ["--config", "--log-level"], switchFlags: ["--allow-root"])
        } catch {
            io.err("xmpp-relay run: \(error)\n\n\(usage)")
            return ExitCode.usage
        }
        guard options.positionals.isEmpty else {
            io.err("xmpp-relay run: unexpected argument '\(options.positionals[0])'\n\n\(usage)")
            return ExitCode.usage
        }
        var levelOverride: LogLevel? = nil
        if let name = options.value("--log-level") {
            guard let level = LogLevel(name: name) else {
                io.err("xmpp-relay run: --log-level must be debug, info, warn or error, not '\(name)'")
                return ExitCode.usage
            }
            levelOverride = level
        }
        let path = options.value("--config")
        let load: () -> Result<RelayConfiguration, ConfigErrors> = {
            guard let path else {
                let config = RelayConfiguration.embeddedDefault()
                let problems = config.checkFiles()
                return problems.isEmpty ? .success(config) : .failure(ConfigErrors(problems))
            }
            return ConfigLoader.load(path: path, checkFiles: true)
        }
        let configuration: RelayConfiguration
        switch load() {
        case .success(let loaded): configuration = loaded
        case .failure(let errors):
            for problem in errors.errors { io.err(problem.description) }
            io.err("xmpp-relay run: not started; fix the configuration (xmpp-relay check-config shows the same)")
            return ExitCode.usage
        }
        if geteuid() == 0 && !(options.isSet("--allow-root") || configuration.relay.allowRoot) {
            io.err(
                "xmpp-relay run: refusing to run as root: the relay needs no privilege (ports 5269/5270 are "
                    + "unprivileged). Run it as its own user (Config/systemd/xmpp-relay.service does), or pass "
                    + "--allow-root / set [relay] allow_root = true.")
            return ExitCode.usage
        }
        let daemon = RelayDaemon(
            configuration: configuration, version: RelayVersion.string, logger: Logger(),
            logLevelOverride: levelOverride, systemd: SystemdSettings.fromProcessEnvironment(),
            reloadConfiguration: load)
        do {
            try daemon.start()
        } catch {
            daemon.logger.error("relay.start_failed", [("reason", error.description)])
            return ExitCode.failure
        }
        daemon.run()
        return ExitCode.ok
    }
}
