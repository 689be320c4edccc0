/// `xmpp-relay version`: the relay's version and the libraries it runs against.
struct VersionCommand: Command {
    static var name: String { "version" }
    static var summary: String { "print the version of the relay" }
    static var usage: String {
        """
        usage: xmpp-relay version

        Prints the relay's version.
        """
    }

    static func run(_ arguments: [String], io: CommandIO) -> Int32 {
        guard arguments.isEmpty else {
            io.err("xmpp-relay version: takes no arguments\n\(usage)")
            return ExitCode.usage
        }
        io.out("xmpp-relay \(RelayVersion.string)")
        return ExitCode.ok
    }
}
