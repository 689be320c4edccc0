import Foundation
import XCTest

@testable import Store

/// A fresh directory per test, removed afterwards.
func makeTemporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "store-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The body store-probe's crash writer gives record `id` (keep in step with Benchmarks/StoreProbe).
func probeBody(for id: RecordID, size: Int) -> [UInt8] {
    let seed = Array("record-\(id)-".utf8)
    return (0..<size).map { seed[$0 % seed.count] }
}

func record(_ key: String, _ text: String, kind: UInt8 = 1, at time: Int64 = 0) -> NewRecord {
    NewRecord(key: key, kind: kind, body: Array(text.utf8), acceptedAt: time)
}

extension Store {
    /// Waits until the commit covering `ticket` arrived; fails the test after 10 s.
    func commits(through ticket: WriteTicket, file: StaticString = #filePath, line: UInt = #line) -> [StoreCommit] {
        var commits: [StoreCommit] = []
        let deadline = Date().addingTimeInterval(10)
        while commits.last.map({ $0.tickets.upperBound < ticket }) ?? true {
            guard Date() < deadline else {
                XCTFail("no commit for ticket \(ticket) within 10 s", file: file, line: line)
                return commits
            }
            commits += waitForCommits(timeoutMilliseconds: 100)
        }
        return commits
    }

    /// Appends and waits for the commit; fails the test if it did not succeed.
    @discardableResult
    func appendDurably(_ records: [NewRecord], file: StaticString = #filePath, line: UInt = #line) -> [RecordID] {
        let (ticket, ids) = append(records)
        for commit in commits(through: ticket, file: file, line: line) {
            XCTAssertNil(commit.error, "commit failed: \(commit.error?.message ?? "")", file: file, line: line)
        }
        return ids
    }

    func settle(_ ticket: WriteTicket, file: StaticString = #filePath, line: UInt = #line) {
        for commit in commits(through: ticket, file: file, line: line) {
            XCTAssertNil(commit.error, "commit failed: \(commit.error?.message ?? "")", file: file, line: line)
        }
    }
}
