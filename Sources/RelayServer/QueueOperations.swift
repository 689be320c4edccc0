import Store

/// What the `queue` tools ask of the queue, answered by whoever may touch it: the running relay's
/// router (through the control socket, `QueueControlServer`), or `StoredQueueOperations` over the
/// store when no relay runs. Reads answer at once; writes answer through `reply` once they are
/// durable (or failed), so "dropped" means what it says.
///
/// Domains are destinations: `--domain D` selects the stanzas waiting to go to D (the far end of
/// their next hop), as postfix's queue is per destination.
public protocol QueueOperations: AnyObject {
    /// Every queued stanza (to `domain` only, when given), oldest first per hop, without its bytes.
    func list(domain: String?) throws(QueueError) -> [QueueEntry]
    /// One queued stanza; its bytes only when `withStanza`. `QueueError.notFound` when absent.
    func show(_ id: RecordID, withStanza: Bool) throws(QueueError) -> QueueEntry
    /// Retries now what waits for `domain` (everything when nil).
    func flush(domain: String?, reply: @escaping (Result<QueueFlushResult, QueueError>) -> Void)
    /// Removes the stanzas `target` names; with `bounce`, their senders get an error reply first.
    func drop(_ target: QueueTarget, bounce: Bool, reply: @escaping (Result<QueueDropResult, QueueError>) -> Void)
}

/// Which stanzas `queue drop` removes.
public enum QueueTarget: Equatable, Sendable {
    case ids([RecordID])
    case domain(String)
}

/// What `queue flush` did.
public struct QueueFlushResult: Equatable, Sendable {
    /// Hops (or stanzas, for the stopped store) whose retry was moved to now.
    public var retried: Int
    /// What the operator should know (e.g. that a stopped relay retries everything when it starts).
    public var note: String

    public init(retried: Int, note: String) {
        self.retried = retried
        self.note = note
    }
}

/// What `queue drop` did: the ids removed (durably), how many senders got a bounce, and the ids
/// asked for that were not queued (delivered meanwhile, or mistyped).
public struct QueueDropResult: Equatable, Sendable {
    public var dropped: [RecordID]
    public var bounced: Int
    public var missing: [RecordID]

    public init(dropped: [RecordID], bounced: Int, missing: [RecordID]) {
        self.dropped = dropped
        self.bounced = bounced
        self.missing = missing
    }
}

/// A queue operation that could not be done, with a message an operator can act on.
public struct QueueError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Equatable, Sendable {
        /// No stanza with that id is queued.
        case notFound = "not-found"
        /// This side cannot do it (a bounce needs the running relay; a relay without the queue).
        case unavailable
        /// The request itself is wrong (bad id, bad domain, too long).
        case badRequest = "bad-request"
        /// The store or the socket failed.
        case failed
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The queue of a relay that has none yet: every operation says so. `RelayDaemon` serves it on the
/// control socket until the router answers for its queue.
public final class UnavailableQueueOperations: QueueOperations {
    private let error = QueueError(
        .unavailable, "this relay does not keep a durable queue yet: nothing is queued on disk")

    public init() {}

    public func list(domain: String?) throws(QueueError) -> [QueueEntry] { throw error }
    public func show(_ id: RecordID, withStanza: Bool) throws(QueueError) -> QueueEntry { throw error }
    public func flush(domain: String?, reply: @escaping (Result<QueueFlushResult, QueueError>) -> Void) {
        reply(.failure(error))
    }
    public func drop(
        _ target: QueueTarget, bounce: Bool, reply: @escaping (Result<QueueDropResult, QueueError>) -> Void
    ) {
        reply(.failure(error))
    }
}
