/// `xmpp-relay help [COMMAND]`: lists the commands, or shows one command's usage.
struct HelpCommand: Command {
    static var name: String { "help" }
    static var summary: String { "list the commands, or show how to use one" }
    static var usage: String {
        """
        usage: xmpp-relay help [COMMAND]

        Lists the commands; with COMMAND, prints how to use it (same as COMMAND --help).
        """
    }

    static var overview: String {
        var text = "usage: xmpp-relay COMMAND [OPTIONS]\n\ncommands:\n"
        let width = RelayCLI.commands.map { $0.name.count }.max() ?? 0
        for command in RelayCLI.commands {
            let padding = String(repeating: " ", count: width - command.name.count)
            text += "  \(command.name)\(padding)  \(command.summary)\n"
        }
        text += "\nEvery command takes --help."
        return text
    }

    static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        switch arguments.count {
        case 0:
            io.out(overview)
            return ExitCode.ok
        case 1:
            guard let command = RelayCLI.commands.first(where: { $0.name == arguments[0] }) else {
                io.err("xmpp-relay help: unknown command '\(arguments[0])'\n\n\(overview)")
                return ExitCode.usage
            }
            io.out(command.usage)
            return ExitCode.ok
        default:
            io.err(usage)
            return ExitCode.usage
        }
    }
}
