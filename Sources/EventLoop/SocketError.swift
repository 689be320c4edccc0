#if canImport(Glibc)
    import Glibc
#endif

/// A socket operation that failed: what was attempted, the system's reason, and what to do.
public struct SocketError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: String, Hashable, Sendable {
            case addressInUse = "address-in-use"
            case permissionDenied = "permission-denied"
            case addressNotAvailable = "address-not-available"
            case connectionRefused = "connection-refused"
            case connectionReset = "connection-reset"
            case timedOut = "timed-out"
            case unreachable = "unreachable"
            case tooManyOpenFiles = "too-many-open-files"
            case other = "other"
        }
        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        public static let addressInUse = Code(.addressInUse)
        public static let permissionDenied = Code(.permissionDenied)
        public static let addressNotAvailable = Code(.addressNotAvailable)
        public static let connectionRefused = Code(.connectionRefused)
        public static let connectionReset = Code(.connectionReset)
        public static let timedOut = Code(.timedOut)
        public static let unreachable = Code(.unreachable)
        public static let tooManyOpenFiles = Code(.tooManyOpenFiles)
        public static let other = Code(.other)

        public var description: String { backing.rawValue }

        static func forErrno(_ code: Int32) -> Code {
            switch code {
            case EADDRINUSE: return .addressInUse
            case EACCES, EPERM: return .permissionDenied
            case EADDRNOTAVAIL: return .addressNotAvailable
            case ECONNREFUSED: return .connectionRefused
            case ECONNRESET, EPIPE, ECONNABORTED: return .connectionReset
            case ETIMEDOUT: return .timedOut
            case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN: return .unreachable
            case EMFILE, ENFILE: return .tooManyOpenFiles
            default: return .other
            }
        }
    }

    public let code: Code
    /// The C `errno` behind the failure, 0 when it did not come from the system (a timeout).
    public let errno: Int32
    /// One line for the log: operation, reason, advice.
    public let message: String

    public var description: String { message }

    init(code: Code, errno: Int32, message: String) {
        self.code = code
        self.errno = errno
        self.message = message
    }

    /// `operation` reads like "cannot listen on 127.0.0.1:5269".
    static func system(_ errno: Int32, _ operation: String) -> SocketError {
        let code = Code.forErrno(errno)
        var message = operation + ": " + Posix.errorText(errno)
        if let advice = advice(for: code) { message += " (" + advice + ")" }
        return SocketError(code: code, errno: errno, message: message)
    }

    static func timedOut(_ operation: String, after timeout: Duration) -> SocketError {
        let milliseconds = timeout.clampedNanoseconds / 1_000_000
        let amount = milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
        return SocketError(
            code: .timedOut,
            errno: 0,
            message: operation + ": no answer within " + amount + " (peer down or a firewall drops packets)"
        )
    }

    private static func advice(for code: Code) -> String? {
        switch code {
        case .addressInUse: return "another process, perhaps a second relay, uses it: stop that or choose another port"
        case .permissionDenied:
            return "ports below 1024 need CAP_NET_BIND_SERVICE: use the standard 5269/5270 or grant the capability"
        case .addressNotAvailable: return "no local interface has this address: check the listen setting"
        case .connectionRefused: return "nothing listens on that port"
        case .unreachable: return "no route to the peer: check the network"
        case .tooManyOpenFiles: return "raise LimitNOFILE or lower the connection limits"
        default: return nil
        }
    }
}
