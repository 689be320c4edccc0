/// The delivery bookkeeping `Store.update` writes for one record after a failed attempt.
public struct RecordUpdate: Equatable, Sendable {
    public let attempts: Int
    public let nextAttemptAt: Int64?
    public let lastError: String?

    public init(attempts: Int, nextAttemptAt: Int64?, lastError: String?) {
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }
}
