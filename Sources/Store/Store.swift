#if canImport(Glibc)
    import Glibc
#endif

/// A durable store of opaque byte records on SQLite (WAL, synchronous=FULL), for the queue.
///
/// Threads: the owner (the event loop's thread) calls everything here; writes go to the one writer
/// thread, which commits them in groups and reports each transaction as a `StoreCommit`. The owner
/// watches `completionDescriptor` (readable when commits finished) and calls `takeCommits()`; only
/// then is an appended record durable and may its stanza be acknowledged. Reads run on the owner's
/// thread against a second connection and see committed records only.
///
/// Memory: records live on disk only; the store keeps totals per key (for the byte caps) and the
/// writes not yet committed.
public final class Store {
    public let path: String
    private let reader: SQLiteConnection
    private let selectByKey: SQLiteStatement
    private let selectByID: SQLiteStatement
    private let summaries: SQLiteStatement
    private let acceptedByID: SQLiteStatement
    private let channel: WriterChannel
    private var writerThread: pthread_t?

    private var nextID: Int64
    private var nextTicket: UInt64 = 1
    /// The id the next appended record gets (e.g. to derive content from it in tests).
    public var nextRecordID: RecordID { RecordID(nextID) }

    /// Records held, including appends not yet committed (a cap must count them too).
    public private(set) var totals: StoreTotals
    private var totalsByKey: [String: StoreTotals]

    /// Opens (or creates) the queue database at `path` and starts the writer thread.
    public init(path: String, policy: GroupCommitPolicy = .standard) throws(StoreError) {
        self.path = path
        let writerConnection = try SQLiteConnection(path: path, readOnly: false)
        try Store.configureWriter(writerConnection)
        try Store.checkSchema(writerConnection, path: path)

        reader = try SQLiteConnection(path: path, readOnly: false)
        try reader.execute("PRAGMA query_only = 1; PRAGMA cache_size = -256; PRAGMA busy_timeout = 5000", "configuring")
        selectByKey = try reader.prepare(RecordSchema.selectByKey)
        selectByID = try reader.prepare(RecordSchema.selectByID)
        summaries = try reader.prepare(RecordSchema.summaries)
        acceptedByID = try reader.prepare(RecordSchema.acceptedByID)

        (totals, totalsByKey) = try Store.scanTotals(reader)
        nextID = (try reader.integer(RecordSchema.maxID, "reading the last record id") ?? 0) + 1

        channel = try WriterChannel()
        let writer = try StoreWriter(connection: writerConnection, channel: channel, policy: policy)
        writerThread = try writer.start()
    }

    deinit { close() }

    /// Commits what is pending, then stops the writer thread. Commits that finish here are still
    /// available from `takeCommits()`. Further writes are a programming error.
    public func close() {
        guard let thread = writerThread else { return }
        writerThread = nil
        channel.stop()
        pthread_join(thread, nil)
    }

    // MARK: writes (asynchronous; durable once their commit reports success)

    /// Queues records for the next group commit. Ids are assigned now, in the order given, so they
    /// follow acceptance order; totals count the records at once.
    /// `records` must not be empty (there would be no ticket to wait for).
    public func append(_ records: [NewRecord]) -> (ticket: WriteTicket, ids: [RecordID]) {
        precondition(writerThread != nil, "Store.append after close")
        precondition(!records.isEmpty, "Store.append with no records")
        var ids: [RecordID] = []
        ids.reserveCapacity(records.count)
        var lastTicket = WriteTicket(0)
        for record in records {
            let id = RecordID(nextID)
            nextID += 1
            ids.append(id)
            totals.add(bytes: record.body.count)
            totalsByKey[record.key, default: .zero].add(bytes: record.body.count)
            lastTicket = submit(.append(id, record))
        }
        return (lastTicket, ids)
    }

    /// Queues deletions (delivered or dropped records); unknown ids are ignored. Totals drop when
    /// the deletion commits.
    @discardableResult
    public func delete(_ ids: [RecordID]) -> WriteTicket {
        precondition(writerThread != nil, "Store.delete after close")
        return submit(.delete(ids))
    }

    /// Queues new delivery bookkeeping for one record.
    @discardableResult
    public func update(_ id: RecordID, _ change: RecordUpdate) -> WriteTicket {
        precondition(writerThread != nil, "Store.update after close")
        return submit(.update(id, change))
    }

    /// Takes the next id without writing anything: a caller that names its items before it knows
    /// whether they will be stored (the queue names every stanza; most never touch the disk) stores
    /// them later under these ids with `append(_:ids:)`. Ids taken in acceptance order keep the order.
    public func reserveID() -> RecordID {
        let id = RecordID(nextID)
        nextID += 1
        return id
    }

    /// Like `append(_:)`, under ids taken earlier with `reserveID()` (never one already stored).
    public func append(_ records: [NewRecord], ids: [RecordID]) -> WriteTicket {
        precondition(writerThread != nil, "Store.append after close")
        precondition(!records.isEmpty && records.count == ids.count, "Store.append(_:ids:) with \(ids.count) ids")
        var lastTicket = WriteTicket(0)
        for (id, record) in zip(ids, records) {
            precondition(id.rawValue < nextID, "Store.append(_:ids:) with id \(id), which was never reserved")
            totals.add(bytes: record.body.count)
            totalsByKey[record.key, default: .zero].add(bytes: record.body.count)
            lastTicket = submit(.append(id, record))
        }
        return lastTicket
    }

    private func submit(_ operation: WriteOperation) -> WriteTicket {
        let ticket = WriteTicket(nextTicket)
        nextTicket += 1
        channel.submit(TicketedWrite(ticket: ticket, operation: operation))
        return ticket
    }

    // MARK: completions

    /// Readable when commits have finished; watch it with the event loop and call `takeCommits()`.
    public var completionDescriptor: Int32 { channel.readDescriptor }

    /// Commits finished since the last call, oldest first; applies them to the totals.
    public func takeCommits() -> [StoreCommit] {
        channel.takeFinished().map { report in
            for (key, size) in report.released {
                totals.remove(bytes: size)
                totalsByKey[key, default: .zero].remove(bytes: size)
                if totalsByKey[key]?.count == 0 { totalsByKey[key] = nil }
            }
            return report.commit
        }
    }

    /// Blocks until at least one commit finished or `timeoutMilliseconds` passed; for the queue
    /// tools and tests, which have no event loop. Never call it on the relay's loop.
    public func waitForCommits(timeoutMilliseconds: Int32) -> [StoreCommit] {
        var watch = pollfd(fd: completionDescriptor, events: Int16(POLLIN), revents: 0)
        _ = poll(&watch, 1, timeoutMilliseconds)  // a timeout or EINTR simply returns what is there
        return takeCommits()
    }

    /// Totals under one key, including records not yet committed.
    public func totals(forKey key: String) -> StoreTotals { totalsByKey[key] ?? .zero }

    // MARK: reads (committed records only)

    /// Records under `key`, oldest first, after `after` (exclusive) and up to `through` (inclusive:
    /// one stored run of the queue's, whose hop has later records), at most `limit`.
    public func records(
        forKey key: String, after: RecordID? = nil, through: RecordID? = nil, limit: Int
    ) throws(StoreError) -> [StoredRecord] {
        defer { selectByKey.reset() }
        try selectByKey.bind(1, key)
        try selectByKey.bind(2, after?.rawValue ?? 0)
        try selectByKey.bind(3, Int64(limit))
        try selectByKey.bind(4, through?.rawValue ?? Int64.max)
        var records: [StoredRecord] = []
        while try selectByKey.step("reading the queue for \(key)") {
            records.append(Store.record(selectByKey))
        }
        return records
    }

    public func record(_ id: RecordID) throws(StoreError) -> StoredRecord? {
        defer { selectByID.reset() }
        try selectByID.bind(1, id.rawValue)
        guard try selectByID.step("reading record \(id)") else { return nil }
        return Store.record(selectByID)
    }

    /// Every key with committed records, with counts, bytes and its oldest record.
    public func keys() throws(StoreError) -> [KeySummary] {
        var rows: [(String, StoreTotals, Int64)] = []
        do {
            defer { summaries.reset() }
            while try summaries.step("listing the queue") {
                let totals = StoreTotals(count: Int(summaries.int64(1)), bytes: Int(summaries.int64(2)))
                rows.append((summaries.text(0) ?? "", totals, summaries.int64(3)))
            }
        }
        var result: [KeySummary] = []
        for (key, totals, oldest) in rows {
            defer { acceptedByID.reset() }
            try acceptedByID.bind(1, oldest)
            let accepted = try acceptedByID.step("reading record \(oldest)") ? acceptedByID.int64(0) : 0
            result.append(KeySummary(key: key, totals: totals, oldestID: RecordID(oldest), oldestAcceptedAt: accepted))
        }
        return result
    }

    // MARK: opening
    /// What opening the database at `path` would refuse, found without writing anything (for
    /// `check-config`, which may run beside the relay): nil when the file is absent (it is created
    /// at start) or is a queue database of this schema that this user can write.
    public static func inspect(path: String) -> StoreError? {
        guard access(path, F_OK) == 0 else { return nil }
        guard access(path, R_OK | W_OK) == 0 else {
            return StoreError(
                .cannotOpen,
                "the queue database \(path) is not readable and writable by this user (uid \(geteuid())): "
                    + "chown it to the relay's user")
        }
        do {
            let connection = try SQLiteConnection(path: path, readOnly: true)
            let version = try connection.integer("PRAGMA user_version", "reading the schema version") ?? 0
            let tables = try connection.integer("SELECT COUNT(*) FROM sqlite_schema", "reading the schema") ?? 0
            guard version == RecordSchema.version || (version == 0 && tables == 0) else {
                return StoreError(
                    .incompatibleSchema,
                    "the queue database \(path) has schema version \(version), this relay understands "
                        + "\(RecordSchema.version); run the relay version that wrote it, or move the file aside "
                        + "to start with an empty queue")
            }
            return nil
        } catch {
            return error
        }
    }

    private static func configureWriter(_ connection: SQLiteConnection) throws(StoreError) {
        // Only takes effect on a new file (before the first write); see RecordSchema.pageSize.
        try connection.execute("PRAGMA page_size = \(RecordSchema.pageSize)", "setting the page size")
        let mode = try connection.text("PRAGMA journal_mode = WAL", "switching to WAL mode")
        guard mode == "wal" else {
            throw StoreError(
                .cannotOpen,
                "the queue database \(connection.result.path) cannot use WAL mode (got \(mode ?? "nothing")); "
                    + "put the state directory on a local file system")
        }
        // FULL: in WAL mode NORMAL may lose the last commits on power loss, and we ack on commit.
        // secure_delete FAST: Debian builds SQLite with SECURE_DELETE, which also zeroes every freed
        // page (an extra page write per delivered record, as many bytes as storing it); FAST still
        // zeroes deleted content in the pages a delete rewrites anyway.
        try connection.execute(
            "PRAGMA synchronous = FULL; PRAGMA secure_delete = FAST; PRAGMA cache_size = -256; "
                + "PRAGMA busy_timeout = 5000", "configuring")
        guard try connection.integer("PRAGMA synchronous", "checking synchronous") == 2 else {
            throw StoreError(.sqlite, "the queue database \(connection.result.path) refused synchronous=FULL")
        }
    }

    private static func checkSchema(_ connection: SQLiteConnection, path: String) throws(StoreError) {
        let version = try connection.integer("PRAGMA user_version", "reading the schema version") ?? 0
        if version == RecordSchema.version { return }
        let tables = try connection.integer("SELECT COUNT(*) FROM sqlite_schema", "reading the schema") ?? 0
        guard version == 0, tables == 0 else {
            throw StoreError(
                .incompatibleSchema,
                "the queue database \(path) has schema version \(version), this relay understands "
                    + "\(RecordSchema.version); run the relay version that wrote it, or move the file aside "
                    + "to start with an empty queue")
        }
        try connection.execute("BEGIN IMMEDIATE; \(RecordSchema.create) COMMIT", "creating the queue tables")
    }

    /// Reads the covering index only (key, id, size), never the bodies.
    private static func scanTotals(_ reader: SQLiteConnection) throws(StoreError) -> (
        StoreTotals, [String: StoreTotals]
    ) {
        let scan = try reader.prepare(RecordSchema.totalsByKey)
        var overall = StoreTotals.zero
        var byKey: [String: StoreTotals] = [:]
        while try scan.step("counting the queue") {
            let totals = StoreTotals(count: Int(scan.int64(1)), bytes: Int(scan.int64(2)))
            byKey[scan.text(0) ?? ""] = totals
            overall.count += totals.count
            overall.bytes += totals.bytes
        }
        return (overall, byKey)
    }

    private static func record(_ row: SQLiteStatement) -> StoredRecord {
        StoredRecord(
            id: RecordID(row.int64(0)), key: row.text(1) ?? "", kind: UInt8(truncatingIfNeeded: row.int64(2)),
            body: row.blob(7), acceptedAt: row.int64(3), attempts: Int(row.int64(4)),
            nextAttemptAt: row.optionalInt64(5), lastError: row.text(6))
    }
}
