import RelayConfig
import RelayServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// `xmpp-relay check-config [FILE] [--user NAME]`: validates a configuration the way `run` does at
/// start (the same `StartChecks`), without touching the network or binding a socket.
public enum CheckConfigCommand: Command {
    public static var name: String { "check-config" }
    public static var summary: String { "check a configuration file (never touches the network)" }
    public static var usage: String {
        """
        usage: xmpp-relay check-config [FILE] [--user NAME]

        Checks FILE (TOML; see Config/xmpp-relay.toml) exactly as `run` does before it starts: unknown
        keys, wrong types, bad addresses, pins, durations and sizes, duplicate domains; the files it
        names (certificates readable, keys and secrets readable by their owner and group only); each
        certificate parsed with its key (the key must match, the certificate be valid now); the state
        directory (writable, or creatable) and the queue database in it (openable, this relay's
        schema; never written). Relative paths are read from FILE's directory.
        Prints every problem as FILE:LINE: what is wrong and what to do, then "configuration OK" when
        there is none. Risky or deprecated settings (a component listener off loopback,
        policy.allow_dialback = ["*"], world-writable files, a certificate within 14 days of expiry,
        queue.retry_max, now max_backoff) print as
        FILE:LINE: warning: ... and do not change the exit status.
        Without FILE it checks the embedded default the relay runs with when given no configuration.
        Never touches the network; never creates the state directory.

          --user NAME   also check that user NAME (the relay's service user, e.g. xmpp-relay) can read
                        every file and write the state directory; run as root to check for another user

        exit status: 0 OK (warnings included), 2 problems found, FILE unreadable or bad usage
        """
    }

    public static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        run(arguments, io: io, embeddedDefault: { RelayConfiguration.embeddedDefault() })
    }

    /// `embeddedDefault` is injected so tests do not depend on the caller's environment.
    static func run(
        _ arguments: [String], io: CommandIO, now: Int64 = Int64(time(nil)), embeddedDefault: () -> RelayConfiguration
    ) -> Int32 {
        var files: [String] = []
        var userName: String?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--user" {
                guard index < arguments.count else {
                    io.err("xmpp-relay check-config: --user needs a user name; usage: \(shortUsage)")
                    return ExitCode.usage
                }
                userName = arguments[index]
                index += 1
            } else if argument.hasPrefix("-") && argument != "-" {
                io.err("xmpp-relay check-config: unknown option '\(argument)'; usage: \(shortUsage)")
                return ExitCode.usage
            } else {
                files.append(argument)
            }
        }
        guard files.count <= 1 else {
            io.err("xmpp-relay check-config: give at most one FILE; usage: \(shortUsage)")
            return ExitCode.usage
        }
        var user: ServiceUser?
        if let userName {
            switch ServiceUser.lookup(userName) {
            case .success(let found): user = found
            case .failure(let problem):
                io.err("xmpp-relay check-config: \(problem.message)")
                return ExitCode.usage
            }
        }
        let config: RelayConfiguration
        if let path = files.first {
            // Keys and values first; when only files are wrong, StartChecks reports them below
            // (the same messages) together with the warnings.
            switch ConfigLoader.load(path: path, checkFiles: false) {
            case .success(let loaded): config = loaded
            case .failure(let errors):
                // Unusable as a whole: report every problem, the files' included, as run would.
                var problems = errors.errors
                if case .failure(let all) = ConfigLoader.load(path: path, checkFiles: true) { problems = all.errors }
                for problem in problems { io.err(problem.description) }
                return ExitCode.usage
            }
        } else {
            config = embeddedDefault()
            io.out(
                "no FILE given: checking the embedded default (listeners on loopback only, "
                    + "state in \(config.relay.stateDirectory))")
        }
        let report = StartChecks.run(config, now: now, stateDirectory: .inspect, user: user)
        for problem in report.errors { io.err(problem.description) }
        for warning in report.warnings { io.err(warning.description) }
        guard report.errors.isEmpty else { return ExitCode.usage }
        let count = report.warnings.count
        io.out(count == 0 ? "configuration OK" : "configuration OK (\(count) warning\(count == 1 ? "" : "s"))")
        return ExitCode.ok
    }

    private static var shortUsage: String { "xmpp-relay check-config [FILE] [--user NAME]" }
}
