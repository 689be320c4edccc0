#if canImport(Glibc)
    import Glibc
#endif

/// Latency mode (`--rate`): a stanza's id carries its send time on the monotonic clock, so the sink
/// (same host, same clock) takes arrival minus send time without a table of what was sent.
enum LatencyID {
    /// `L<send time in ns>-<sequence number>`.
    static func make(sequence: Int, sentAt nanoseconds: Int64) -> String { "L\(nanoseconds)-\(sequence)" }

    /// The send time in an id `make` built; nil for any other id.
    static func sendTime(_ id: String) -> Int64? {
        guard id.first == "L", let dash = id.firstIndex(of: "-") else { return nil }
        return Int64(id[id.index(after: id.startIndex)..<dash])
    }
}

/// Nearest-rank percentiles of a sample.
struct Percentiles {
    private let sorted: [Int64]

    init(_ sample: [Int64]) { sorted = sample.sorted() }

    var count: Int { sorted.count }

    /// The smallest value with at least `percent` % of the sample at or below it (nil when empty).
    func value(_ percent: Double) -> Int64? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((percent / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// Nanoseconds on the monotonic clock.
func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
