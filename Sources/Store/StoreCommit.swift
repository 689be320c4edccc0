/// The outcome of one transaction: every write whose ticket is in `tickets` is durable (`error` nil)
/// or none of them is (`error` set; an append that failed was not stored and must be refused).
public struct StoreCommit: Sendable {
    public let tickets: ClosedRange<WriteTicket>
    public let error: StoreError?
    /// How long BEGIN…COMMIT took on the writer thread, fsync included, in nanoseconds.
    public let durationNanoseconds: UInt64
    /// Records this transaction appended (all of them are durable when `error` is nil).
    public let appendedCount: Int

    public var succeeded: Bool { error == nil }

    public func covers(_ ticket: WriteTicket) -> Bool { tickets.contains(ticket) }
}
