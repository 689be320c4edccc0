import RelayConfig

/// `xmpp-relay check-config [FILE]`: validates a configuration (syntax, keys, values, and the files it
/// names) without touching the network.
public enum CheckConfigCommand: Command {
    public static var name: String { "check-config" }
    public static var summary: String { "check a configuration file (never touches the network)" }
    public static var usage: String {
        """
        usage: xmpp-relay check-config [FILE]

        Checks FILE (TOML; see Config/xmpp-relay.toml): unknown keys, wrong types, bad addresses, pins,
        durations and sizes, duplicate domains, and the files it names (certificates readable, keys and
        secrets readable by their owner only). Prints "configuration OK", or every problem as
        FILE:LINE: what is wrong and what to do. Without FILE it checks the embedded default the relay
        runs with when given no configuration. Never touches the network.

        exit status: 0 OK, 2 problems found or FILE unreadable
        """
    }

    public static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        run(arguments, io: io, embeddedDefault: { RelayConfiguration.embeddedDefault() })
    }

    /// `embeddedDefault` is injected so tests do not depend on the caller's environment.
    static func run(_ arguments: [String], io: CommandIO, embeddedDefault: () -> RelayConfiguration) -> Int32 {
        if let option = arguments.first(where: { $0.hasPrefix("-") && $0 != "-" }) {
            io.err("xmpp-relay check-config: unknown option '\(option)'; usage: xmpp-relay check-config [FILE]")
            return ExitCode.usage
        }
        guard arguments.count <= 1 else {
            io.err("xmpp-relay check-config: give at most one FILE; usage: xmpp-relay check-config [FILE]")
            return ExitCode.usage
        }
        let problems: [ConfigError]
        if let path = arguments.first {
            switch ConfigLoader.load(path: path, checkFiles: true) {
            case .success: problems = []
            case .failure(let errors): problems = errors.errors
            }
        } else {
            let config = embeddedDefault()
            io.out(
                "no FILE given: checking the embedded default (listeners on loopback only, "
                    + "state in \(config.relay.stateDirectory))")
            problems = config.checkFiles()
        }
        guard problems.isEmpty else {
            for problem in problems { io.err(problem.description) }
            return ExitCode.usage
        }
        io.out("configuration OK")
        return ExitCode.ok
    }
}
