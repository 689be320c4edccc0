/// The engine's timers in one min-heap: stanza expiries, hold expiries and retries. Entries are not
/// removed when they stop applying (a stanza delivered, a link back up); the engine checks each one
/// when it reaches the top, and rebuilds the heap when stale entries outnumber live ones, so
/// memory stays proportional to what is held.
struct DeadlineHeap {
    enum Due: Hashable {
        /// The stanza's age limit (max_age or iq_hold), if it is still pending then.
        case expiry(StanzaID)
        /// The stanza's hold on a live link, if it is still in flight and only in memory then.
        case hold(StanzaID)
        /// The hop's next attempt, if it is still backing off until then.
        case retry(NextHop)
        /// The hop's first stored run may hold a stanza due to expire, if the run still starts then.
        case runExpiry(NextHop)
    }

    struct Entry {
        var at: WallTime
        /// Insertion order: entries due at the same time come out in the order they went in.
        var order: UInt64
        var due: Due

        func precedes(_ other: Entry) -> Bool { (at, order) < (other.at, other.order) }
    }

    private var entries: [Entry] = []
    private var nextOrder: UInt64 = 0

    var count: Int { entries.count }
    var top: Entry? { entries.first }

    mutating func push(_ due: Due, at: WallTime) {
        entries.append(Entry(at: at, order: nextOrder, due: due))
        nextOrder += 1
        siftUp(entries.count - 1)
    }

    @discardableResult
    mutating func pop() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let entry = entries.removeLast()
        if !entries.isEmpty { siftDown(0) }
        return entry
    }

    /// Keeps only the entries `keep` accepts (O(n)); for when stale entries pile up.
    mutating func retain(where keep: (Entry) -> Bool) {
        entries = entries.filter(keep)
        for index in stride(from: entries.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            var smallest = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < entries.count && entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count && entries[right].precedes(entries[smallest]) { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
