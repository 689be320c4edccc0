import Routing

/// The hops of the stanzas sent on one XEP-0198 link and not yet acknowledged, in send order: an
/// `<a h/>` confirms a count, and a link (bidi) may carry several hops. A stanza the queue sent as
/// to a hop without acks (it was released when written) is kept as `counted: false`, so the count
/// stays aligned with the link engine's list.
struct HopFIFO {
    struct Entry {
        var hop: NextHop
        var counted: Bool
    }

    private var hops: [Entry] = []
    private var head = 0

    mutating func append(_ entry: Entry) { hops.append(entry) }

    mutating func popFront() -> Entry? {
        guard head < hops.count else { return nil }
        let hop = hops[head]
        head += 1
        // Reclaim the consumed prefix once it is the larger part.
        if head > 64 && head * 2 > hops.count {
            hops.removeFirst(head)
            head = 0
        }
        return hop
    }
}
