import Routing
import Store
import XMPPStream

/// The queue tools' operations on the running relay's queue, served on the control socket: reads go
/// to the store (what is stored is what `list` shows; a stanza only in memory is in flight for at
/// most `[queue] hold`), writes go through the queue so only the relay writes its store.
///
/// `drop` deletes stored rows: the engine skips them when it reads their run back. A dropped stanza
/// the engine already holds in memory (an iq, a presence, or one of the first window of a live
/// hop) is not taken back from it: it fails to send when its bytes are not found (logged), so
/// drop what waits, not what is on its way.
final class RunningQueueOperations: QueueOperations {
    private let queue: RelayQueue
    private let reads: StoredQueueOperations

    init(queue: RelayQueue) {
        self.queue = queue
        reads = StoredQueueOperations(store: queue.store)
    }

    func list(domain: String?) throws(QueueError) -> [QueueEntry] {
        try reads.list(domain: domain).map(withRetryStatus)
    }

    func show(_ id: RecordID, withStanza: Bool) throws(QueueError) -> QueueEntry {
        withRetryStatus(try reads.show(id, withStanza: withStanza))
    }

    /// Attempts, next retry and last error are the hop's, as the running engine knows them (the
    /// store's columns are only what a stopped relay can say).
    private func withRetryStatus(_ entry: QueueEntry) -> QueueEntry {
        guard let hop = NextHop(storeKey: entry.hop) else { return entry }
        var entry = entry
        let status = queue.retryStatus(of: hop)
        entry.attempts = status.attempts
        entry.nextAttemptAt = status.nextAttemptAt
        entry.lastError = status.lastError
        return entry
    }

    func flush(domain: String?, reply: @escaping (Result<QueueFlushResult, QueueError>) -> Void) {
        let entries: [QueueEntry]
        do {
            entries = try reads.list(domain: domain)
        } catch {
            reply(.failure(error))
            return
        }
        var domains: [DomainName] = []
        for entry in entries {
            guard let name = try? DomainName(entry.to), !domains.contains(name) else { continue }
            domains.append(name)
        }
        queue.retryNow(domains)
        reply(
            .success(
                QueueFlushResult(
                    retried: domains.count,
                    note:
                        "retrying now the \(domains.count) domain\(domains.count == 1 ? "" : "s") with stanzas waiting"
                        + " (those already being tried carry on)")))
    }

    func drop(_ target: QueueTarget, bounce: Bool, reply: @escaping (Result<QueueDropResult, QueueError>) -> Void) {
        var found: [RecordID] = []
        var missing: [RecordID] = []
        do {
            switch target {
            case .ids(let ids):
                for id in ids {
                    if (try? reads.show(id, withStanza: false)) != nil { found.append(id) } else { missing.append(id) }
                }
            case .domain(let domain):
                found = try reads.list(domain: domain).map(\.id)
            }
        } catch {
            reply(.failure(error))
            return
        }
        guard !found.isEmpty else {
            reply(.success(QueueDropResult(dropped: [], bounced: 0, missing: missing)))
            return
        }
        var bounced = 0
        if bounce {
            for id in found
            where queue.bounceStored(StanzaID(UInt64(id.rawValue)), text: "dropped from the queue by its operator") {
                bounced += 1
            }
        }
        queue.deleteStored(found) { error in
            if let error {
                reply(.failure(QueueError(.failed, "the store did not delete them: \(error.message)")))
            } else {
                reply(.success(QueueDropResult(dropped: found, bounced: bounced, missing: missing)))
            }
        }
    }
}
