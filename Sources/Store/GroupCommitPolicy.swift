/// How long the writer waits to gather writes into one transaction (one fsync). Writes that arrive
/// while a commit is running always join the next one; the window adds a short wait on top so a
/// burst of stanzas shares a single fsync instead of the first one paying for its own.
public struct GroupCommitPolicy: Equatable, Sendable {
    /// How long after the first pending write the writer waits for more, in microseconds.
    public let windowMicroseconds: Int
    /// Commit at once when this many writes are pending, window or not.
    public let maxWrites: Int

    public init(windowMicroseconds: Int, maxWrites: Int) {
        self.windowMicroseconds = max(0, windowMicroseconds)
        self.maxWrites = max(1, maxWrites)
    }

    /// 2 ms or 256 writes: well under XEP-0198 ack expectations, large enough to batch a burst.
    public static let standard = GroupCommitPolicy(windowMicroseconds: 2_000, maxWrites: 256)
}
