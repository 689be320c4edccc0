/// A record as read back from the store.
public struct StoredRecord: Equatable, Sendable {
    public let id: RecordID
    public let key: String
    public let kind: UInt8
    public let body: [UInt8]
    public let acceptedAt: Int64
    public let attempts: Int
    /// When the next delivery attempt is due (caller's time unit); nil before the first failure.
    public let nextAttemptAt: Int64?
    /// Why the last attempt failed, for `queue show`.
    public let lastError: String?

    public init(
        id: RecordID, key: String, kind: UInt8, body: [UInt8], acceptedAt: Int64, attempts: Int,
        nextAttemptAt: Int64?, lastError: String?
    ) {
        self.id = id
        self.key = key
        self.kind = kind
        self.body = body
        self.acceptedAt = acceptedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}
