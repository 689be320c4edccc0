/// A setting that is valid but risky, or accepted but without effect yet. `check-config` prints it as
/// `FILE:LINE: warning: …` (exit status unchanged) and `run` logs it under `event`, so both say the
/// same thing.
public struct ConfigWarning: Equatable, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The log event `run` writes for this kind of warning.
        public let event: String
        private init(_ event: String) { self.event = event }

        /// A key or table the relay accepts but does not act on yet (it says what happens instead).
        public static let notImplemented = Kind("config.not_implemented")
        /// A key accepted under an old name (the message names the new one).
        public static let deprecated = Kind("config.deprecated")
        /// A valid setting that weakens security (plaintext off loopback, dialback for all, writable files).
        public static let risky = Kind("config.risky")
        /// A certificate that expires soon (`run` logs these as `tls.cert_expiring`, also daily).
        public static let certificateExpiring = Kind("tls.cert_expiring")

        public var description: String { event }
    }

    public let kind: Kind
    public let file: String
    /// 1-based line; 0 when it concerns the whole file or a default nobody wrote.
    public let line: Int
    public let message: String

    public init(_ kind: Kind, file: String, line: Int, _ message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE`, or `FILE` alone, for the log's `at` field.
    public var location: String { line > 0 ? "\(file):\(line)" : file }

    /// `FILE:LINE: warning: message`, as compilers print warnings.
    public var description: String { "\(location): warning: \(message)" }
}
