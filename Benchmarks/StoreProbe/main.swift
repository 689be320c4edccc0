import Store

// store-probe: drives `Store` outside the relay.
//   store-probe crash-writer DB     appends forever, printing "committed ID" after each commit
//                                   (StoreTests kills it with SIGKILL and checks every printed id)
//   store-probe measure DIR         commit latency, write_bytes per record, private memory
#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String) -> Never {
    let line = Array("store-probe: \(message)\n".utf8)
    _ = write(2, line, line.count)
    exit(1)
}

/// The body a record with this id carries, so the checker can verify content, not just presence.
func body(for id: RecordID, size: Int) -> [UInt8] {
    let seed = Array("record-\(id)-".utf8)
    return (0..<size).map { seed[$0 % seed.count] }
}

func openStore(_ path: String, _ policy: GroupCommitPolicy = .standard) -> Store {
    do { return try Store(path: path, policy: policy) } catch { fail(error.message) }
}

func crashWriter(_ path: String) -> Never {
    let store = openStore(path)
    var pending: [(ticket: WriteTicket, ids: [RecordID])] = []
    var round: Int64 = 0
    while true {
        round += 1
        var records: [NewRecord] = []
        for index in 0..<Int(round % 7 + 1) {
            let id = RecordID(store.nextRecordID.rawValue + Int64(index))
            records.append(
                NewRecord(key: "k\(id.rawValue % 3)", kind: 1, body: body(for: id, size: 300), acceptedAt: round))
        }
        pending.append(store.append(records))
        for commit in store.waitForCommits(timeoutMilliseconds: pending.count > 32 ? 100 : 0) {
            guard commit.error == nil else { fail(commit.error?.message ?? "") }
            while let first = pending.first, first.ticket <= commit.tickets.upperBound {
                for id in first.ids { print("committed \(id)") }
                pending.removeFirst()
            }
        }
        fflush(nil)  // every stream: stdout is a pipe, fully buffered
    }
}

func readCounter(_ file: String, _ field: String) -> Int {
    guard let handle = fopen(file, "r") else { fail("cannot read \(file)") }
    defer { fclose(handle) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), handle) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix(field + ":") {
            let digits = text.dropFirst(field.count + 1).filter { $0.isNumber }
            return Int(digits) ?? 0
        }
    }
    return 0
}

enum Clock {
    static func now() -> timespec {
        var now = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &now)
        return now
    }

    static func nanoseconds(since start: timespec) -> UInt64 {
        let end = now()
        return UInt64((Int64(end.tv_sec) - Int64(start.tv_sec)) * 1_000_000_000 + Int64(end.tv_nsec - start.tv_nsec))
    }
}

func writeBytes() -> Int { readCounter("/proc/self/io", "write_bytes") }
/// Private memory in kB: anonymous and file pages only this process maps.
func privateKilobytes() -> Int {
    readCounter("/proc/self/smaps_rollup", "Private_Dirty") + readCounter("/proc/self/smaps_rollup", "Private_Clean")
}

func drain(_ store: Store, until ticket: WriteTicket) -> [StoreCommit] {
    var commits: [StoreCommit] = []
    while commits.last.map({ $0.tickets.upperBound < ticket }) ?? true {
        let more = store.waitForCommits(timeoutMilliseconds: 10_000)
        for commit in more where commit.error != nil { fail(commit.error?.message ?? "") }
        commits += more
    }
    return commits
}

func measure(_ directory: String) {
    let record500 = { (store: Store, key: String) in
        NewRecord(key: key, kind: 1, body: body(for: store.nextRecordID, size: 500), acceptedAt: 0)
    }
    // (1) One COMMIT with fsync, one record each, no window: what the loop would stall for.
    do {
        let store = openStore("\(directory)/commit.sqlite", GroupCommitPolicy(windowMicroseconds: 0, maxWrites: 1))
        var durations: [UInt64] = []
        for _ in 0..<200 {
            let (ticket, _) = store.append([record500(store, "a→b")])
            durations += drain(store, until: ticket).map(\.durationNanoseconds)
        }
        durations.sort()
        let ms = { (ns: UInt64) in String(Double(ns / 1_000) / 1_000) }
        print(
            "commit (1 record, fsync): median \(ms(durations[durations.count / 2])) ms, "
                + "p90 \(ms(durations[durations.count * 9 / 10])) ms, max \(ms(durations.last ?? 0)) ms, n=\(durations.count)"
        )
    }
    // (2a) write_bytes for one record on its own.
    do {
        let store = openStore("\(directory)/single.sqlite")
        _ = drain(store, until: store.append([record500(store, "warm→up")]).ticket)
        let before = writeBytes()
        _ = drain(store, until: store.append([record500(store, "a→b")]).ticket)
        print("write_bytes, single 500-byte record: \(writeBytes() - before) bytes")
    }
    // (2b) a steady stream: 20,000 records of 500 bytes, 10 every millisecond, group commit with
    // windows of 2, 5 and 10 ms.
    // One key (a single destination that is down) and four interleaved keys (each commit then
    // touches one index leaf per key).
    var appendTimes: [UInt64] = []
    for (window, keys) in [
        (2_000, 1), (2_000, 4), (5_000, 1), (5_000, 4), (10_000, 1), (10_000, 4), (20_000, 1), (20_000, 4),
    ] {
        let store = openStore(
            "\(directory)/stream-\(window)-\(keys).sqlite",
            GroupCommitPolicy(windowMicroseconds: window, maxWrites: 1_000))
        let count = 20_000
        let before = writeBytes()
        var commits = 0
        var final: WriteTicket?
        for round in 0..<(count / 10) {
            var batch: [NewRecord] = []
            for index in 0..<10 {
                let id = RecordID(Int64(round * 10 + index))
                batch.append(
                    NewRecord(key: "d\(index % keys)→b", kind: 1, body: body(for: id, size: 500), acceptedAt: 0))
            }
            let started = Clock.now()
            final = store.append(batch).ticket
            appendTimes.append(Clock.nanoseconds(since: started))
            commits += store.takeCommits().count
            _ = usleep(1000)
        }
        if let final { commits += drain(store, until: final).count }
        let written = writeBytes() - before
        print(
            "write_bytes, steady stream of \(count) × 500 B to \(keys) key(s), window \(window / 1000) ms, "
                + "\(commits) commits: \(written / count) bytes per record "
                + "(\(Double(written / count * 100 / 500) / 100)× the record)")
        guard window == 10_000 && keys == 1 else { continue }
        // Delivery removes what was stored: delete the stream again, 10 ids a millisecond.
        let deleteBefore = writeBytes()
        var lastDelete: WriteTicket?
        for first in stride(from: 1, through: count, by: 10) {
            lastDelete = store.delete((first..<first + 10).map { RecordID(Int64($0)) })
            _ = store.takeCommits()
            _ = usleep(1000)
        }
        if let lastDelete { _ = drain(store, until: lastDelete) }
        print(
            "write_bytes, deleting those \(count) records (10 a ms, window 10 ms): "
                + "\((writeBytes() - deleteBefore) / count) bytes per record; \(store.totals.count) left")
    }
    appendTimes.sort()
    print(
        "append() of 10 records on the owner's thread during the streams: median \(appendTimes[appendTimes.count / 2] / 1_000) µs, "
            + "p99 \(appendTimes[appendTimes.count * 99 / 100] / 1_000) µs, max \((appendTimes.last ?? 0) / 1_000) µs")
    // (3) private memory with 100,000 records stored.
    do {
        let before = privateKilobytes()
        let anonymousBefore = readCounter("/proc/self/status", "RssAnon")
        let store = openStore("\(directory)/memory.sqlite")
        var final: WriteTicket?
        for _ in 0..<1_000 {
            final = store.append((0..<100).map { _ in record500(store, "m→b") }).ticket
            _ = store.takeCommits()
        }
        if let final { _ = drain(store, until: final) }
        let held = store.totals
        let after = privateKilobytes()
        let anonymous = readCounter("/proc/self/status", "RssAnon")
        print(
            "private memory: \(before) kB before open, \(after) kB with \(held.count) records stored "
                + "(+\(after - before) kB; RssAnon \(anonymousBefore) → \(anonymous) kB)")
        store.close()
        // Reopening runs the startup scan that rebuilds the totals from the covering index.
        let started = Clock.now()
        let reopened = openStore("\(directory)/memory.sqlite")
        print(
            "reopen with \(reopened.totals.count) records (startup scan included): "
                + "\(Clock.nanoseconds(since: started) / 1_000) µs")
    }
}

let arguments = CommandLine.arguments
switch (arguments.count, arguments.count > 1 ? arguments[1] : "") {
case (3, "crash-writer"): crashWriter(arguments[2])
case (3, "measure"): measure(arguments[2])
default: fail("usage: store-probe crash-writer DB | measure DIR")
}
