/// A store failure: a code the caller can branch on (a full disk refuses new stanzas with
/// `resource-constraint`; a schema mismatch stops the relay) and a message an operator can act on.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: Equatable, Sendable {
        /// The database file could not be opened or created.
        case cannotOpen
        /// The file is not a queue database this relay understands (other schema version, not SQLite).
        case incompatibleSchema
        /// The file system is full (SQLITE_FULL); earlier commits are intact.
        case diskFull
        /// A read or write failed (SQLITE_IOERR and friends); earlier commits are intact.
        case ioError
        /// Another process holds the write lock longer than the busy timeout.
        case busy
        /// The database file is damaged.
        case corrupt
        /// The store was closed before the operation ran.
        case closed
        /// Any other SQLite failure (a bug on our side, most likely).
        case sqlite
    }

    public let code: Code
    public let message: String
    /// The SQLite extended result code, when the failure came from SQLite.
    public let sqliteCode: Int32?

    public init(_ code: Code, _ message: String, sqliteCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.sqliteCode = sqliteCode
    }

    public var description: String { message }
}
