/// What a finished transaction hands back: the public outcome plus the accounting the owner applies
/// to its in-memory totals (rows that really went away; appends that were refused).
struct CommitReport: Sendable {
    let commit: StoreCommit
    /// (key, size) of every record that left the store or never entered it.
    let released: [(key: String, size: Int)]
}
