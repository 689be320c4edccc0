/// One problem in a configuration file, located by file and line, with a message that says what to do.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of problem it is; tests and callers match on it, operators read the message.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case syntax, unknownKey, wrongType, missingKey, invalidValue, duplicate, conflict
            case fileUnreadable, filePermissions
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The text is not valid TOML (or uses TOML this parser does not support).
        public static let syntax = Code(.syntax)
        /// A key or table the configuration does not know.
        public static let unknownKey = Code(.unknownKey)
        /// A value of the wrong TOML type (a number where a string belongs, …).
        public static let wrongType = Code(.wrongType)
        /// A required key is absent.
        public static let missingKey = Code(.missingKey)
        /// A value of the right type that is still wrong (bad address, pin, duration, …).
        public static let invalidValue = Code(.invalidValue)
        /// The same domain, listener or entry appears twice.
        public static let duplicate = Code(.duplicate)
        /// Two settings that contradict each other.
        public static let conflict = Code(.conflict)
        /// The configuration file or a file it names cannot be read.
        public static let fileUnreadable = Code(.fileUnreadable)
        /// A private file (key, secret) is accessible by group or others.
        public static let filePermissions = Code(.filePermissions)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The configuration file the problem is in.
    public let file: String
    /// 1-based line; 0 when the problem concerns the whole file (it cannot be read at all).
    public let line: Int
    public let message: String

    public init(code: Code, file: String, line: Int, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, or `FILE: message` for whole-file problems.
    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}

/// Every problem found in one configuration, in line order.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ConfigError]

    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    /// One `FILE:LINE: message` per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Collects problems while a configuration is parsed, decoded and checked.
final class Diagnostics {
    let file: String
    private(set) var errors: [ConfigError] = []

    init(file: String) {
        self.file = file
    }

    func add(_ code: ConfigError.Code, line: Int, _ message: String) {
        errors.append(ConfigError(code: code, file: file, line: line, message: message))
    }

    /// The errors ordered by line (stable, so problems on one line keep their order).
    var sortedErrors: [ConfigError] {
        errors.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }
}
