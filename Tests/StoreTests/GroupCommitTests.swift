import Foundation
import XCTest

@testable import Store

final class GroupCommitTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    func testWritesWithinTheWindowShareOneTransaction() throws {
        let store = try Store(
            path: directory + "/q.sqlite", policy: GroupCommitPolicy(windowMicroseconds: 300_000, maxWrites: 1_000))
        var last = WriteTicket(0)
        for index in 0..<50 { last = store.append([record("a→b", "m\(index)")]).ticket }
        last = store.delete([RecordID(1)])
        let commits = store.commits(through: last)
        XCTAssertEqual(commits.count, 1, "one transaction, one fsync for the whole burst")
        XCTAssertEqual(commits.first?.tickets, WriteTicket(1)...WriteTicket(51))
        XCTAssertEqual(commits.first?.appendedCount, 50)
        XCTAssertNil(commits.first?.error)
        XCTAssertEqual(store.totals.count, 49)
    }

    func testMaxWritesCutsTheBatch() throws {
        let store = try Store(
            path: directory + "/q.sqlite", policy: GroupCommitPolicy(windowMicroseconds: 300_000, maxWrites: 10))
        var last = WriteTicket(0)
        for index in 0..<50 { last = store.append([record("a→b", "m\(index)")]).ticket }
        let commits = store.commits(through: last)
        XCTAssertEqual(commits.count, 5)
        XCTAssertEqual(commits.map(\.appendedCount), [10, 10, 10, 10, 10])
        XCTAssertEqual(commits.map(\.tickets.lowerBound.rawValue), [1, 11, 21, 31, 41], "commits come back in order")
    }

    func testCompletionDescriptorIsReadableOnlyWhileCommitsWait() throws {
        let store = try Store(
            path: directory + "/q.sqlite", policy: GroupCommitPolicy(windowMicroseconds: 0, maxWrites: 1))
        var watch = pollfd(fd: store.completionDescriptor, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&watch, 1, 0), 0, "quiet before any write")
        _ = store.append([record("a→b", "x")])
        XCTAssertEqual(poll(&watch, 1, 5_000), 1, "readable once the commit finished")
        XCTAssertEqual(store.takeCommits().count, 1)
        XCTAssertEqual(poll(&watch, 1, 0), 0, "quiet again after takeCommits")
    }

    func testCloseCommitsWhatIsPending() throws {
        let path = directory + "/q.sqlite"
        do {
            let store = try Store(path: path, policy: GroupCommitPolicy(windowMicroseconds: 500_000, maxWrites: 1_000))
            _ = store.append([record("a→b", "pending")])
            store.close()
            XCTAssertEqual(store.takeCommits().map(\.succeeded), [true], "the commit made during close is reported")
        }
        XCTAssertEqual(try Store(path: path).records(forKey: "a→b", limit: 10).count, 1)
    }
}
