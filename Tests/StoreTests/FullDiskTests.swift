import Foundation
import XCTest

@testable import Store

/// A small tmpfs as the state directory fills up: the store reports `diskFull` with a clear
/// message, keeps every earlier commit, and works again once there is space.
final class FullDiskTests: XCTestCase {
    private var mountPoint = ""
    private var mounted = false

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root") }
        mountPoint = try makeTemporaryDirectory()
        guard run("/bin/mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint) == 0 else {
            throw XCTSkip("cannot mount a tmpfs here (no CAP_SYS_ADMIN?)")
        }
        mounted = true
    }

    override func tearDownWithError() throws {
        if mounted { XCTAssertEqual(run("/bin/umount", mountPoint), 0, "unmounting \(mountPoint)") }
        try? FileManager.default.removeItem(atPath: mountPoint)
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func testFullDiskIsReportedKeepsCommitsAndRecovers() throws {
        let path = mountPoint + "/queue.sqlite"
        let store = try Store(path: path, policy: GroupCommitPolicy(windowMicroseconds: 0, maxWrites: 4))
        var committed: [RecordID] = []
        var failure: StoreError?
        let body = [UInt8](repeating: 0x61, count: 1_000)
        for index in 0..<2_000 where failure == nil {
            let (ticket, ids) = store.append([NewRecord(key: "k\(index % 2)", kind: 1, body: body, acceptedAt: 0)])
            for commit in store.commits(through: ticket) {
                if let error = commit.error { failure = error } else { committed += ids }
            }
        }
        let error = try XCTUnwrap(failure, "256 KiB never filled up")
        XCTAssertEqual(error.code, .diskFull, error.message)
        XCTAssertTrue(error.message.contains("is full"), error.message)
        XCTAssertTrue(error.message.contains(path), error.message)
        XCTAssertGreaterThan(committed.count, 10, "the disk filled up before much was stored")
        XCTAssertEqual(store.totals.count, committed.count, "the refused append is not counted")

        for id in committed { XCTAssertEqual(try store.record(id)?.body, body, "committed record \(id) lost") }

        // A restart while the disk is still full finds everything committed.
        store.close()
        let restarted = try Store(path: path, policy: GroupCommitPolicy(windowMicroseconds: 0, maxWrites: 4))
        XCTAssertEqual(restarted.totals.count, committed.count)
        for id in committed { XCTAssertEqual(try restarted.record(id)?.body, body, "record \(id) lost on restart") }

        // Space returns: the store takes records again.
        XCTAssertEqual(run("/bin/mount", "-o", "remount,size=4m", mountPoint), 0)
        let later = restarted.appendDurably([NewRecord(key: "k0", kind: 1, body: body, acceptedAt: 0)])
        XCTAssertEqual(try restarted.record(later[0])?.body, body)
        restarted.close()

        let reopened = try Store(path: path)
        XCTAssertEqual(reopened.totals.count, committed.count + 1)
        for id in committed + later { XCTAssertNotNil(try reopened.record(id), "record \(id) lost after reopen") }
    }
}
