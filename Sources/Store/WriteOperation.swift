/// One write request on its way to the writer thread; plain values only, so it may cross threads.
enum WriteOperation: Sendable {
    case append(RecordID, NewRecord)
    case delete([RecordID])
    case update(RecordID, RecordUpdate)

    var isAppend: Bool {
        if case .append = self { return true }
        return false
    }
}

/// A write request with the ticket its commit will report.
struct TicketedWrite: Sendable {
    let ticket: WriteTicket
    let operation: WriteOperation
}

/// What a finished transaction hands back: the public outcome plus the accounting the owner applies
/// to its in-memory totals (rows that really went away; appends that were refused).
struct CommitReport: Sendable {
    let commit: StoreCommit
    /// (key, size) of every record that left the store or never entered it.
    let released: [(key: String, size: Int)]
}
