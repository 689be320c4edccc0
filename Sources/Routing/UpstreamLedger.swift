/// Custody confirmations owed to one upstream link. Its engine counts custody in delivery order
/// (XEP-0198 `h` is a count), so the ledger releases only the unbroken run of settled sequences:
/// a stanza still waiting holds back the acknowledgement of every later one.
struct UpstreamLedger {
    /// Every sequence up to here has been confirmed upstream.
    private(set) var confirmed: UInt64 = 0
    /// Settled sequences beyond `confirmed`, waiting for an earlier one.
    private var settled: Set<UInt64> = []

    /// Marks `sequence` settled; returns how many more may now be confirmed.
    mutating func settle(_ sequence: UInt64) -> Int {
        precondition(
            sequence > confirmed && !settled.contains(sequence), "custody of upstream sequence \(sequence) taken twice")
        settled.insert(sequence)
        var released = 0
        while settled.remove(confirmed + 1) != nil {
            confirmed += 1
            released += 1
        }
        return released
    }
}
