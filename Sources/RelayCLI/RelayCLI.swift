/// Entry point of the `xmpp-relay` executable: dispatches to a `Command` by its first word.
public enum RelayCLI {
    /// Every command, in the order `help` lists them.
    public static var commands: [any Command.Type] {
        [
            RunCommand.self, CheckConfigCommand.self, QueueCommand.self, KeygenCommand.self, PinCommand.self,
            ProbeCommand.self,
            HelpCommand.self,
            VersionCommand.self,
        ]
    }

    public static func main(_ arguments: [String], io: CommandIO = .standard()) -> Int32 {
        guard let word = arguments.first else {
            io.err(HelpCommand.overview)
            return ExitCode.usage
        }
        if word == "--help" || word == "-h" {
            io.out(HelpCommand.overview)
            return ExitCode.ok
        }
        if word == "--version" {
            return VersionCommand.run([], io: io)
        }
        guard let command = commands.first(where: { $0.name == word }) else {
            io.err("xmpp-relay: unknown command '\(word)'\n\n\(HelpCommand.overview)")
            return ExitCode.usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            io.out(command.usage)
            return ExitCode.ok
        }
        return command.run(rest, io: io)
    }
}
