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

    var isUp: Bool {
        if case .up = state { return true }
        return false
    }

    var isDisposable: Bool {
        if case .idle = state { return pending.isEmpty }
        return false
    }
}

/// A FIFO of stanza ids that a backlog of days can live in: appending and taking from the front are
/// O(1), and a stanza leaving from the middle (expired, replaced, bounced) is only counted out; its id
/// stays until it reaches the front, and readers skip ids the engine no longer holds.
struct PendingQueue {
    private var slots: [StanzaID] = []
    private var head = 0
    /// Stanzas still waiting (ids that left from the middle are not counted).
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Every id from the front, those that left from the middle included.
    var ids: ArraySlice<StanzaID> { slots[head...] }

    mutating func append(_ id: StanzaID) {
        slots.append(id)
        count += 1
    }

    /// A stanza in the queue left it from wherever it was.
    mutating func left() {
        precondition(count > 0, "a stanza left an empty pending queue")
        count -= 1
        if count == 0 { removeAll() }
    }

    /// Stanzas a link handed back go in front, in their order.
    mutating func prepend(_ returned: [StanzaID]) {
        slots = returned + slots[head...]
        head = 0
        count += returned.count
    }

    /// Takes the front id (maybe one that left; the caller checks).
    mutating func popFront() -> StanzaID? {
        guard head < slots.count else { return nil }
        let id = slots[head]
        head += 1
        // Reclaim the consumed prefix once it is the larger part.
        if head > 64 && head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
        return id
    }

    var front: StanzaID? { head < slots.count ? slots[head] : nil }

    mutating func removeAll() {
        slots.removeAll()
        head = 0
        count = 0
    }
}
