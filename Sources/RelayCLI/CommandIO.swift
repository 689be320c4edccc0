#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where a command prints: stdout for results, stderr for errors and the log. Tests capture both.
public final class CommandIO {
    public let out: (String) -> Void
    public let err: (String) -> Void

    public init(out: @escaping (String) -> Void, err: @escaping (String) -> Void) {
        self.out = out
        self.err = err
    }

    /// The process's own stdout/stderr, one write(2) per line.
    public static func standard() -> CommandIO {
        CommandIO(out: { writeLine($0, to: 1) }, err: { writeLine($0, to: 2) })
    }

    private static func writeLine(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

/// Exit codes every command uses.
public enum ExitCode {
    public static let ok: Int32 = 0
    /// The command ran and failed (peer unreachable, handshake refused, …).
    public static let failure: Int32 = 1
    /// Bad usage or bad configuration: nothing was attempted.
    public static let usage: Int32 = 2
}

/// One subcommand of `xmpp-relay`. Each lives in its own file named after it (`KeygenCommand.swift`).
public protocol Command {
    /// The word on the command line (`keygen`).
    static var name: String { get }
    /// One line for `xmpp-relay help`.
    static var summary: String { get }
    /// The full `--help` text.
    static var usage: String { get }
    /// Runs with the arguments after the command word; returns the exit code.
    static func run(_ arguments: [String], io: CommandIO) -> Int32
}
