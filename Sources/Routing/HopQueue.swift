/// One hop's share of the queue: its link's state and its stanzas in acceptance order.
struct HopQueue {
    enum State {
        /// No link and nothing waiting (dropped from the engine when also empty).
        case idle
        /// `connect` was asked; `failures` attempts failed before this one.
        case connecting(failures: Int)
        case up(LiveLink)
        /// Backing off after `failures` failed attempts; the next one starts at `until`.
        case waiting(failures: Int, until: WallTime)
    }

    /// A live link: what was sent and not yet confirmed, in send order.
    struct LiveLink {
        var acks: NextHopAcks
        var inFlight: [StanzaID] = []
        /// In-flight stanzas an outstanding `requestAck` covers (the first ones).
        var requested = 0

        var unrequested: Int { inFlight.count - requested }
    }

    var state = State.idle
    /// Not sent yet (or handed back by a link that went down), in acceptance order: never sent before
    /// an earlier one.
    var pending = PendingQueue()
    /// The unsent availability presence per address pair, so a newer one replaces it without a search.
    var availability: [PresenceAddresses: StanzaID] = [:]
    /// The page `load` asked for, until `loaded` answers it (one at a time per hop).
    var loading: PageRequest?
    /// The time of the `runExpiry` deadline pushed for the first stored run.
    var runExpiryAt: WallTime?
    /// A run restored at start may still wait to be swept (so the search for one stops once done).
    var unswept = false
    /// The hop was found unreachable: its stored stanzas up to `through` are read back and bounced.
    var discard: Discard?

    struct Discard: Hashable {
        var condition: BounceCondition
        var reason: String
        var through: StanzaID
    }

    var isUp: Bool {
        if case .up = state { return true }
        return false
    }

    var isDisposable: Bool {
        if case .idle = state { return pending.isEmpty && loading == nil }
        return false
    }
}

/// A page of a stored run asked for with `load`: the answer is matched to the run by `from`.
struct PageRequest: Hashable {
    var from: StanzaID
    var through: StanzaID
    var limit: Int
}

/// One place in a hop's queue: a stanza the engine holds, or a run of stanzas only the store holds.
enum PendingEntry: Hashable {
    case held(StanzaID)
    case stored(StoredRun)

    /// A run restored at start, not swept yet.
    var restoredRun: StoredRun? {
        if case .stored(let run) = self, run.mayHoldShortLived { return run }
        return nil
    }

    /// The lowest id the entry stands for (entries rise by it).
    var firstID: StanzaID {
        switch self {
        case .held(let id): id
        case .stored(let run): run.first
        }
    }
}

/// A FIFO of the hop's waiting stanzas that a backlog of days can live in: appending and taking from
/// the front are O(1); a stanza leaving from the middle (expired, replaced, bounced) is only counted
/// out (its id stays until it reaches the front, and readers skip ids the engine no longer holds);
/// stored stanzas collapse into runs (`StoredRun`), so a backlog on disk costs a few entries.
struct PendingQueue {
    private var slots: [PendingEntry] = []
    private var head = 0
    /// Stanzas still waiting, held or in runs (ids that left from the middle are not counted).
    private(set) var count = 0
    /// Of those, the stanzas in runs.
    private(set) var storedCount = 0

    var isEmpty: Bool { count == 0 }

    /// Every entry from the front, those whose stanza left included.
    var entries: ArraySlice<PendingEntry> { slots[head...] }

    /// The held ids from the front, those that left included.
    var heldIDs: [StanzaID] {
        slots[head...].compactMap { entry in
            if case .held(let id) = entry { return id }
            return nil
        }
    }

    mutating func append(_ id: StanzaID) {
        slots.append(.held(id))
        count += 1
    }

    /// A stored run at the back (restored from the store, or kept when the queue is rebuilt).
    mutating func append(_ run: StoredRun) {
        slots.append(.stored(run))
        count += run.count
        storedCount += run.count
    }

    /// A held stanza in the queue left it from wherever it was.
    mutating func left() {
        precondition(count > storedCount, "a held stanza left a queue without one")
        count -= 1
        if count == 0 { removeAll() }
    }

    /// Stanzas a link handed back go in front, in their order.
    mutating func prepend(_ returned: [StanzaID]) {
        slots = returned.map(PendingEntry.held) + slots[head...]
        head = 0
        count += returned.count
    }

    /// Takes the front entry (maybe a held id that left; the caller checks).
    mutating func popFront() -> PendingEntry? {
        guard head < slots.count else { return nil }
        let entry = slots[head]
        if case .stored(let run) = entry {
            count -= run.count
            storedCount -= run.count
        }
        head += 1
        // Reclaim the consumed prefix once it is the larger part.
        if head > 64 && head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return entry
    }

    var front: PendingEntry? { head < slots.count ? slots[head] : nil }

    /// The index (for `replace`) of the first run and the run.
    var firstRun: (index: Int, run: StoredRun)? {
        for index in head..<slots.count {
            if case .stored(let run) = slots[index] { return (index, run) }
        }
        return nil
    }

    /// The run that starts at `first`, and its index (for `replace`).
    func run(from first: StanzaID) -> (index: Int, run: StoredRun)? {
        for index in head..<slots.count {
            if case .stored(let run) = slots[index], run.first == first { return (index, run) }
        }
        return nil
    }

    /// Whether every entry before `index` is a held id for which `isGone` holds.
    func isFront(_ index: Int, skipping isGone: (StanzaID) -> Bool) -> Bool {
        for entry in slots[head..<index] {
            guard case .held(let id) = entry, isGone(id) else { return false }
        }
        return true
    }

    /// Puts `entries` (held stanzas still waiting, and runs) in place of the run at `index`.
    mutating func replace(runAt index: Int, with entries: [PendingEntry]) {
        guard case .stored(let old) = slots[index] else { preconditionFailure("no run at \(index)") }
        count -= old.count
        storedCount -= old.count
        for entry in entries {
            switch entry {
            case .held: count += 1
            case .stored(let run):
                count += run.count
                storedCount += run.count
            }
        }
        slots.replaceSubrange(index...index, with: entries)
        if count == 0 { removeAll() }
    }

    /// The slot of the held `id` (entries rise by id: a binary search); nil when it is not in the queue.
    func index(ofHeld id: StanzaID) -> Int? {
        var low = head
        var high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if slots[middle].firstID < id { low = middle + 1 } else { high = middle }
        }
        return low < slots.count && slots[low] == .held(id) ? low : nil
    }

    /// The held stanza at `index` (committed, pending) now waits in the store only: it becomes a run,
    /// joined with a run right before or after it.
    mutating func pageOut(at index: Int, _ record: StanzaRecord) {
        precondition(slots[index] == .held(record.id), "paging out \(record.id), which is not at \(index)")
        var run = StoredRun(record)
        var lower = index
        var upper = index
        if index > head, case .stored(let earlier) = slots[index - 1] {
            run = earlier.joined(with: run)
            lower = index - 1
        }
        if index + 1 < slots.count, case .stored(let later) = slots[index + 1] {
            run = run.joined(with: later)
            upper = index + 1
        }
        slots.replaceSubrange(lower...upper, with: CollectionOfOne(.stored(run)))
        storedCount += 1
    }

    mutating func removeAll() {
        slots.removeAll()
        head = 0
        count = 0
        storedCount = 0
    }
}
