import EventLoop
import Foundation
import XCTest

@testable import Store

/// The wiring RelayServer will use: the loop watches `completionDescriptor` and calls
/// `takeCommits()`; appends go out from timer callbacks while fsyncs run on the writer thread.
/// Also measures how late the loop's 1 ms timer fires while the store commits (the loop's stall).
final class LoopCompletionTests: XCTestCase {
    func testCommitsArriveThroughTheLoopWhileItKeepsTicking() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The standard 10 ms window spans several ticks (libevent fires a 1 ms timer every ~4 ms here).
        let store = try Store(path: directory + "/q.sqlite", policy: .standard)
        let loop = Loop()
        let total = 2_000
        var appended = 0
        var committed = 0
        var commits = 0
        var failures: [StoreError] = []
        var gaps: [Duration] = []
        var last = loop.now

        let watch = loop.watch(fileDescriptor: store.completionDescriptor, interest: .read) { _ in
            for commit in store.takeCommits() {
                commits += 1
                if let error = commit.error { failures.append(error) } else { committed += commit.appendedCount }
            }
            if committed == total || !failures.isEmpty { loop.stop() }
        }
        let ticker = loop.scheduleRepeating(every: .milliseconds(1)) {
            let now = loop.now
            gaps.append(now - last)
            last = now
            guard appended < total else { return }
            let body = [UInt8](repeating: 0x61, count: 500)
            _ = store.append((0..<5).map { _ in NewRecord(key: "a→b", kind: 1, body: body, acceptedAt: 0) })
            appended += 5
        }
        let deadline = loop.schedule(after: .seconds(30)) { loop.stop() }
        let baseline = timerGaps(ticks: 300)
        last = loop.now
        loop.run()
        watch.cancel()
        ticker.cancel()
        deadline.cancel()

        XCTAssertEqual(failures.map(\.message), [])
        XCTAssertEqual(committed, total, "every append reported committed through the loop")
        XCTAssertGreaterThan(commits, 1)
        XCTAssertLessThan(commits, total / 5, "group commit: fewer transactions than append calls")
        XCTAssertEqual(try store.records(forKey: "a→b", limit: total + 1).count, total)

        print("loop 1 ms timer, idle: \(summary(baseline))")
        print("loop 1 ms timer while committing \(total) records in \(commits) commits: \(summary(gaps))")
    }

    /// Gaps between the firings of a 1 ms timer on an otherwise idle loop, for comparison.
    private func timerGaps(ticks: Int) -> [Duration] {
        let loop = Loop()
        var gaps: [Duration] = []
        var last = loop.now
        let ticker = loop.scheduleRepeating(every: .milliseconds(1)) {
            let now = loop.now
            gaps.append(now - last)
            last = now
            if gaps.count == ticks { loop.stop() }
        }
        loop.run()
        ticker.cancel()
        return gaps
    }

    private func summary(_ gaps: [Duration]) -> String {
        let sorted = gaps.sorted()
        let µs = { (gap: Duration) in
            gap.components.seconds * 1_000_000 + gap.components.attoseconds / 1_000_000_000_000
        }
        return "gap median \(µs(sorted[sorted.count / 2])) µs, p99 \(µs(sorted[sorted.count * 99 / 100])) µs, "
            + "max \(µs(sorted.last ?? .zero)) µs"
    }
}
