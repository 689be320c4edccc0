#if canImport(Glibc)
    import Glibc
#endif

/// Runs on the writer thread, the only other thread: owns the write connection and its statements,
/// turns each batch of writes into one transaction (one fsync), and reports the outcome. The loop
/// thread never touches these objects after `start`.
final class StoreWriter {
    private let connection: SQLiteConnection
    private let channel: WriterChannel
    private let policy: GroupCommitPolicy
    private let begin: SQLiteStatement
    private let commit: SQLiteStatement
    private let rollback: SQLiteStatement
    private let insert: SQLiteStatement
    private let delete: SQLiteStatement
    private let update: SQLiteStatement

    init(connection: SQLiteConnection, channel: WriterChannel, policy: GroupCommitPolicy) throws(StoreError) {
        self.connection = connection
        self.channel = channel
        self.policy = policy
        begin = try connection.prepare("BEGIN IMMEDIATE")
        commit = try connection.prepare("COMMIT")
        rollback = try connection.prepare("ROLLBACK")
        insert = try connection.prepare(RecordSchema.insert)
        delete = try connection.prepare(RecordSchema.delete)
        update = try connection.prepare(RecordSchema.update)
    }

    /// Starts the thread; it ends when the channel is stopped and drained.
    func start() throws(StoreError) -> pthread_t {
        var thread = pthread_t()
        // The thread takes over the retained reference and releases it when `run` returns.
        let box = Unmanaged.passRetained(self).toOpaque()
        let code = pthread_create(
            &thread, nil,
            { raw in
                guard let raw else { return nil }
                Unmanaged<StoreWriter>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, box)
        guard code == 0 else {
            Unmanaged<StoreWriter>.fromOpaque(box).release()
            throw StoreError(.sqlite, "starting the store's writer thread failed: \(String(cString: strerror(code)))")
        }
        return thread
    }

    private func run() {
        while let batch = channel.nextBatch(policy) {
            channel.finish(write(batch))
        }
    }

    private func write(_ batch: [TicketedWrite]) -> CommitReport {
        let started = MonotonicClock.now()
        let tickets = batch[0].ticket...batch[batch.count - 1].ticket
        let appendedCount = batch.reduce(0) { $0 + ($1.operation.isAppend ? 1 : 0) }
        var released: [(key: String, size: Int)] = []
        do throws(StoreError) {
            try begin.run("starting a transaction")
            for write in batch {
                try apply(write.operation, released: &released)
            }
            try commit.run("committing \(batch.count) queue writes")
        } catch {
            rollBack()
            // Nothing in the batch happened: deletes did not remove anything, appends were refused.
            let refused = batch.compactMap { write -> (key: String, size: Int)? in
                guard case .append(_, let record) = write.operation else { return nil }
                return (record.key, record.body.count)
            }
            let commit = StoreCommit(
                tickets: tickets, error: error, durationNanoseconds: MonotonicClock.nanoseconds(since: started),
                appendedCount: appendedCount)
            return CommitReport(commit: commit, released: refused)
        }
        let commit = StoreCommit(
            tickets: tickets, error: nil, durationNanoseconds: MonotonicClock.nanoseconds(since: started),
            appendedCount: appendedCount)
        return CommitReport(commit: commit, released: released)
    }

    private func apply(_ operation: WriteOperation, released: inout [(key: String, size: Int)]) throws(StoreError) {
        switch operation {
        case .append(let id, let record):
            try insert.bind(1, id.rawValue)
            try insert.bind(2, record.key)
            try insert.bind(3, Int64(record.kind))
            try insert.bind(4, Int64(record.body.count))
            try insert.bind(5, record.acceptedAt)
            try insert.bind(6, record.body)
            try insert.run("storing record \(id)")
        case .delete(let ids):
            for id in ids {
                defer { delete.reset() }
                try delete.bind(1, id.rawValue)
                // RETURNING tells which rows really went away, so the totals stay exact.
                while try delete.step("deleting record \(id)") {
                    released.append((delete.text(0) ?? "", Int(delete.int64(1))))
                }
            }
        case .update(let id, let change):
            try update.bind(1, id.rawValue)
            try update.bind(2, Int64(change.attempts))
            try update.bind(3, change.nextAttemptAt)
            try update.bind(4, change.lastError)
            try update.run("updating record \(id)")
        }
    }

    /// After a failure SQLite may already have rolled back (e.g. on SQLITE_FULL); only roll back
    /// what is still open. A failing ROLLBACK leaves nothing we could do better than report the
    /// original error, which the caller already has.
    private func rollBack() {
        guard connection.isInTransaction else { return }
        _ = try? rollback.run("rolling back")
    }
}
