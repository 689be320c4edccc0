/// One queue key as `queue list` shows it: how much waits under it and since when.
public struct KeySummary: Equatable, Sendable {
    public let key: String
    public let totals: StoreTotals
    /// The oldest record's id and acceptance time.
    public let oldestID: RecordID
    public let oldestAcceptedAt: Int64

    public init(key: String, totals: StoreTotals, oldestID: RecordID, oldestAcceptedAt: Int64) {
        self.key = key
        self.totals = totals
        self.oldestID = oldestID
        self.oldestAcceptedAt = oldestAcceptedAt
    }
}
