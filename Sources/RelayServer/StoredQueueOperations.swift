import Routing
import Store

/// The queue tools' operations on the store itself, for when no relay runs (the caller holds the
/// `StoreLock`, so nothing else writes). Writes wait for their commit before they answer.
///
/// What a stopped relay cannot do: `flush` has nothing to retry (the relay tries every queued stanza
/// as soon as it starts: `RoutingEngine.restarted` dials each hop), so it changes nothing and says
/// so; `drop --bounce` is refused, since a bounce is a stanza sent to its sender, which needs the
/// running relay (drop without --bounce, or start the relay and drop through it).
public final class StoredQueueOperations: QueueOperations {
    public let store: Store
    /// How long a drop waits for its commit before it reports failure (an answer that did not come
    /// is a failure).
    private let commitTimeoutMilliseconds: Int32
    /// Records read per query while listing (bounded memory per step; bodies are read and dropped).
    private static let pageSize = 512

    public init(store: Store, commitTimeoutMilliseconds: Int32 = 30_000) {
        self.store = store
        self.commitTimeoutMilliseconds = commitTimeoutMilliseconds
    }

    public func list(domain: String?) throws(QueueError) -> [QueueEntry] {
        var entries: [QueueEntry] = []
        for key in try keys(domain: domain) {
            var after: RecordID?
            while true {
                let page: [StoredRecord]
                do {
                    page = try store.records(forKey: key, after: after, limit: StoredQueueOperations.pageSize)
                } catch {
                    throw QueueError(.failed, error.message)
                }
                entries += page.map { QueueEntry($0, withStanza: false) }
                guard page.count == StoredQueueOperations.pageSize, let last = page.last else { break }
                after = last.id
            }
        }
        return entries.sorted { $0.id < $1.id }
    }

    public func show(_ id: RecordID, withStanza: Bool) throws(QueueError) -> QueueEntry {
        let record: StoredRecord?
        do {
            record = try store.record(id)
        } catch {
            throw QueueError(.failed, error.message)
        }
        guard let record else { throw QueueError(.notFound, "no queued stanza has id \(id)") }
        return QueueEntry(record, withStanza: withStanza)
    }

    public func flush(domain: String?, reply: @escaping (Result<QueueFlushResult, QueueError>) -> Void) {
        let waiting: Int
        do {
            waiting = try list(domain: domain).count
        } catch {
            reply(.failure(error))
            return
        }
        reply(
            .success(
                QueueFlushResult(
                    retried: 0,
                    note: "the relay is not running: nothing to retry now; it tries the \(waiting) queued "
                        + "stanza\(waiting == 1 ? "" : "s")\(domain.map { " for \($0)" } ?? "") as soon as it starts")))
    }

    public func drop(
        _ target: QueueTarget, bounce: Bool, reply: @escaping (Result<QueueDropResult, QueueError>) -> Void
    ) {
        reply(Result { () throws(QueueError) -> QueueDropResult in try drop(target, bounce: bounce) })
    }

    private func drop(_ target: QueueTarget, bounce: Bool) throws(QueueError) -> QueueDropResult {
        if bounce {
            throw QueueError(
                .unavailable,
                "--bounce needs the running relay (a bounce is a stanza sent to the sender): start the relay "
                    + "and drop again, or drop without --bounce")
        }
        var found: [RecordID] = []
        var missing: [RecordID] = []
        switch target {
        case .ids(let ids):
            for id in ids {
                do {
                    if try store.record(id) != nil { found.append(id) } else { missing.append(id) }
                } catch {
                    throw QueueError(.failed, error.message)
                }
            }
        case .domain(let domain):
            found = try list(domain: domain).map(\.id)
        }
        guard !found.isEmpty else { return QueueDropResult(dropped: [], bounced: 0, missing: missing) }
        try waitFor(store.delete(found))
        return QueueDropResult(dropped: found, bounced: 0, missing: missing)
    }

    /// Blocks until the commit covering `ticket` reports, or the timeout passes (then: failed).
    private func waitFor(_ ticket: WriteTicket) throws(QueueError) {
        var waited: Int32 = 0
        let step: Int32 = 100
        while waited < commitTimeoutMilliseconds {
            for commit in store.waitForCommits(timeoutMilliseconds: step) where commit.covers(ticket) {
                if let error = commit.error {
                    throw QueueError(.failed, "the store did not delete them: \(error.message)")
                }
                return
            }
            waited += step
        }
        throw QueueError(
            .failed,
            "the store did not confirm the deletion within \(commitTimeoutMilliseconds / 1000) s; "
                + "run `queue list` to see what is still queued")
    }

    /// Keys whose destination is `domain` (all keys when nil); keys this relay did not write are
    /// listed only without a domain filter.
    private func keys(domain: String?) throws(QueueError) -> [String] {
        let summaries: [KeySummary]
        do {
            summaries = try store.keys()
        } catch {
            throw QueueError(.failed, error.message)
        }
        guard let domain else { return summaries.map(\.key) }
        let wanted = domain.lowercased()
        return summaries.map(\.key).filter { key in
            NextHop(storeKey: key).map { $0.domain.description.lowercased() == wanted } ?? false
        }
    }
}
