import Foundation
import XCTest

@testable import Store

final class StoreTests: XCTestCase {
    private var directory = ""
    private var path: String { directory + "/queue.sqlite" }

    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testRoundTripKeepsBytesAndMetadata() throws {
        let store = try Store(path: path)
        let body: [UInt8] = [0, 1, 2, 0xff, 0x3c, 0]
        let ids = store.appendDurably([NewRecord(key: "a.example→b.example", kind: 7, body: body, acceptedAt: 1234)])
        let read = try XCTUnwrap(try store.record(ids[0]))
        XCTAssertEqual(
            read,
            StoredRecord(
                id: ids[0], key: "a.example→b.example", kind: 7, body: body, acceptedAt: 1234, attempts: 0,
                nextAttemptAt: nil, lastError: nil))
        XCTAssertNil(try store.record(RecordID(ids[0].rawValue + 1)))
    }

    func testEmptyBodyStaysAnEmptyBlob() throws {
        let store = try Store(path: path)
        let ids = store.appendDurably([NewRecord(key: "k", kind: 0, body: [], acceptedAt: 0)])
        XCTAssertEqual(try store.record(ids[0])?.body, [])
    }

    func testOrderPerKeyAcrossReopenAndIDsKeepGrowing() throws {
        var firstIDs: [RecordID] = []
        do {
            let store = try Store(path: path)
            for index in 0..<30 {
                firstIDs += store.appendDurably([record(index % 2 == 0 ? "a→b" : "a→c", "m\(index)")])
            }
            store.close()
        }
        let store = try Store(path: path)
        let laterIDs = store.appendDurably([record("a→b", "m30"), record("a→c", "m31")])
        XCTAssertEqual(laterIDs.map(\.rawValue), [31, 32], "ids continue after the largest stored one")

        let toB = try store.records(forKey: "a→b", limit: 100)
        XCTAssertEqual(
            toB.map { String(decoding: $0.body, as: UTF8.self) }, stride(from: 0, through: 30, by: 2).map { "m\($0)" })
        XCTAssertEqual(toB.map(\.id), toB.map(\.id).sorted())

        let page1 = try store.records(forKey: "a→c", limit: 4)
        let page2 = try store.records(forKey: "a→c", after: page1.last?.id, limit: 4)
        XCTAssertEqual(
            (page1 + page2).map { String(decoding: $0.body, as: UTF8.self) },
            ["m1", "m3", "m5", "m7", "m9", "m11", "m13", "m15"])

        // One stored run of the queue's: ids up to `through`, though the key has later records.
        let run = try store.records(forKey: "a→c", after: page1[0].id, through: page2[1].id, limit: 100)
        XCTAssertEqual(run.map { String(decoding: $0.body, as: UTF8.self) }, ["m3", "m5", "m7", "m9", "m11"])
    }

    func testTotalsCountPendingAppendsAndCommittedDeletesAndSurviveReopen() throws {
        do {
            let store = try Store(path: path)
            let (ticket, ids) = store.append([record("a→b", "12345"), record("a→b", "123"), record("a→c", "1")])
            XCTAssertEqual(store.totals, StoreTotals(count: 3, bytes: 9), "pending appends count against caps")
            store.settle(ticket)
            store.settle(store.delete([ids[0], RecordID(999)]))
            XCTAssertEqual(store.totals, StoreTotals(count: 2, bytes: 4), "unknown ids change nothing")
            XCTAssertEqual(store.totals(forKey: "a→b"), StoreTotals(count: 1, bytes: 3))
            XCTAssertEqual(store.totals(forKey: "a→c"), StoreTotals(count: 1, bytes: 1))
            XCTAssertEqual(store.totals(forKey: "x→y"), .zero)
        }
        let reopened = try Store(path: path)
        XCTAssertEqual(reopened.totals, StoreTotals(count: 2, bytes: 4), "the startup scan rebuilds the totals")
        XCTAssertEqual(reopened.totals(forKey: "a→b"), StoreTotals(count: 1, bytes: 3))
    }

    func testUpdateWritesDeliveryBookkeeping() throws {
        let store = try Store(path: path)
        let ids = store.appendDurably([record("a→b", "x")])
        store.settle(
            store.update(ids[0], RecordUpdate(attempts: 3, nextAttemptAt: 99, lastError: "remote-server-timeout")))
        let read = try XCTUnwrap(try store.record(ids[0]))
        XCTAssertEqual(read.attempts, 3)
        XCTAssertEqual(read.nextAttemptAt, 99)
        XCTAssertEqual(read.lastError, "remote-server-timeout")
    }

    func testKeysSummariseCommittedRecords() throws {
        let store = try Store(path: path)
        let ids = store.appendDurably([
            record("a→c", "1", at: 50), record("a→b", "22", at: 60), record("a→c", "333", at: 70),
        ])
        XCTAssertEqual(
            try store.keys(),
            [
                KeySummary(key: "a→b", totals: StoreTotals(count: 1, bytes: 2), oldestID: ids[1], oldestAcceptedAt: 60),
                KeySummary(key: "a→c", totals: StoreTotals(count: 2, bytes: 4), oldestID: ids[0], oldestAcceptedAt: 50),
            ])
    }

    func testOpensInWALModeWithSmallPages() throws {
        let store = try Store(path: path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + "-wal"), "WAL mode keeps a -wal file while open")
        // The database header: page size at offset 16 (big-endian), write/read format 2 = WAL at 18/19.
        let header = try XCTUnwrap(FileManager.default.contents(atPath: path)).prefix(20)
        XCTAssertEqual(Int(header[16]) << 8 | Int(header[17]), RecordSchema.pageSize)
        XCTAssertEqual([header[18], header[19]], [2, 2])
        store.close()
    }

    func testRefusesAnotherSchemaVersion() throws {
        do { _ = try Store(path: path) }
        let other = try SQLiteConnection(path: path, readOnly: false)
        try other.execute("PRAGMA user_version = 7", "test")
        XCTAssertThrowsError(try Store(path: path)) { error in
            let storeError = error as? StoreError
            XCTAssertEqual(storeError?.code, .incompatibleSchema)
            XCTAssertTrue(storeError?.message.contains("schema version 7") ?? false, storeError?.message ?? "")
        }
    }

    func testRefusesAFileThatIsNotADatabase() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 4096)))
        XCTAssertThrowsError(try Store(path: path)) { error in
            XCTAssertEqual((error as? StoreError)?.code, .corrupt, "\(error)")
        }
    }

    func testMissingDirectoryIsACannotOpenErrorNamingThePath() throws {
        let missing = directory + "/no/such/dir/queue.sqlite"
        XCTAssertThrowsError(try Store(path: missing)) { error in
            let storeError = error as? StoreError
            XCTAssertEqual(storeError?.code, .cannotOpen)
            XCTAssertTrue(storeError?.message.contains(missing) ?? false, storeError?.message ?? "")
        }
    }
}
