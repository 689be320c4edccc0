/// Consecutive stanzas of one hop that wait in the store only (issue 11: memory stays flat while the
/// on-disk queue grows). The engine keeps this description instead of one `HeldStanza` each and asks
/// for the stanzas back a page at a time (`RoutingAction.load`) when the hop can take them or the
/// oldest is due to expire.
///
/// Every stored row under the hop's key with an id in `first...last` belongs to the run, and no other
/// stanza of the hop has an id in that range: runs only grow by absorbing a neighbouring pending
/// stanza (never across one that left the queue, whose row may still be readable until its delete
/// commits), and the ids of one hop's pending stanzas rise in acceptance order.
struct StoredRun: Hashable {
    /// The first id that may still be in the run (earlier ones were loaded or expired).
    var first: StanzaID
    /// The last id that may be in the run (after a restart: the store's largest id then).
    var last: StanzaID
    /// Stanzas and bytes in the run, as counted when they were paged out (or the store's totals after
    /// a restart); they stay in the byte caps until loaded back or found gone.
    var count: Int
    var bytes: Int
    /// The oldest acceptance time in the run, or an earlier bound (after a page was taken from its front).
    var oldestAcceptedAt: WallTime
    /// Restored from the store without the engine seeing the records: it may hold iqs (iq_hold) and
    /// availability presence, not only the kinds the engine pages itself (all on max_age).
    var mayHoldShortLived: Bool

    /// A run of one stanza just committed.
    init(_ record: StanzaRecord) {
        first = record.id
        last = record.id
        count = 1
        bytes = record.bytes
        oldestAcceptedAt = record.acceptedAt
        mayHoldShortLived = false
    }

    init(first: StanzaID, last: StanzaID, count: Int, bytes: Int, oldestAcceptedAt: WallTime, mayHoldShortLived: Bool) {
        self.first = first
        self.last = last
        self.count = count
        self.bytes = bytes
        self.oldestAcceptedAt = oldestAcceptedAt
        self.mayHoldShortLived = mayHoldShortLived
    }

    /// `self` followed by `later` (its neighbour in the hop's queue).
    func joined(with later: StoredRun) -> StoredRun {
        StoredRun(
            first: first, last: later.last, count: count + later.count, bytes: bytes + later.bytes,
            oldestAcceptedAt: min(oldestAcceptedAt, later.oldestAcceptedAt),
            mayHoldShortLived: mayHoldShortLived || later.mayHoldShortLived)
    }

    /// When its oldest stanza may be due: max_age from the oldest (iq_hold for a restored run).
    func deadline(_ policy: QueuePolicy) -> WallTime {
        oldestAcceptedAt + (mayHoldShortLived ? min(policy.iqHold, policy.maxAge) : policy.maxAge)
    }
}

/// A hop's backlog as the store summarizes it at start (`Store.keys()`): the engine resumes from these
/// without reading a record, and loads the records page by page when the hop is dialled.
public struct StoredBacklog: Hashable, Sendable {
    public var hop: NextHop
    public var count: Int
    public var bytes: Int
    /// The hop's oldest stored record: its id and acceptance time.
    public var oldestID: StanzaID
    public var oldestAcceptedAt: WallTime

    public init(hop: NextHop, count: Int, bytes: Int, oldestID: StanzaID, oldestAcceptedAt: WallTime) {
        self.hop = hop
        self.count = count
        self.bytes = bytes
        self.oldestID = oldestID
        self.oldestAcceptedAt = oldestAcceptedAt
    }
}
