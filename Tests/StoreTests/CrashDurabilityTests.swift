import Foundation
import XCTest

@testable import Store

/// Every record a writer saw committed survives a SIGKILL at a random moment: store-probe's crash
/// writer prints "committed ID" only after the commit's completion, we kill it, reopen, and look.
final class CrashDurabilityTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func probePath() throws -> String {
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("store-probe").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no store-probe executable next to the tests at \(path)")
        }
        return path
    }

    /// Runs the writer for a random while, kills it, and returns the ids it reported committed.
    private func killWriterAtRandom(_ probe: String, database: String) throws -> [RecordID] {
        let process = Process()
        // In the arm64 CI leg the tests run under qemu-user; start the probe the way RelayBinary
        // starts the relay (SIGKILL then hits the emulator, which is the probe's process).
        let environment = ProcessInfo.processInfo.environment
        if let emulator = environment["XMPP_RELAY_TEST_EMULATOR"], !emulator.isEmpty {
            process.executableURL = URL(fileURLWithPath: emulator)
            let sysroot = environment["XMPP_RELAY_TEST_SYSROOT"].map { ["-L", $0] } ?? []
            process.arguments = sysroot + [probe, "crash-writer", database]
        } else {
            process.executableURL = URL(fileURLWithPath: probe)
            process.arguments = ["crash-writer", database]
        }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        // Kill at a random moment after the first commit (start-up under an emulator takes a while).
        var early = Data()
        let deadline = Date().addingTimeInterval(30)
        let descriptor = output.fileHandleForReading.fileDescriptor
        while !String(decoding: early, as: UTF8.self).contains("committed "), Date() < deadline, process.isRunning {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) == 1 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = read(descriptor, &buffer, buffer.count)
            if count <= 0 { break }
            early.append(contentsOf: buffer[0..<count])
        }
        usleep(UInt32.random(in: 50_000...400_000))
        XCTAssertTrue(process.isRunning, "the writer died on its own")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        let text = String(decoding: early + output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // A line cut off by the kill has no newline; only complete lines count.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        return lines.compactMap { line in
            guard line.hasPrefix("committed ") else { return nil }
            return Int64(line.dropFirst("committed ".count)).map(RecordID.init)
        }
    }

    func testEveryReportedCommitSurvivesSIGKILL() throws {
        let probe = try probePath()
        let database = directory + "/crash.sqlite"
        var reported: [RecordID] = []
        for round in 1...3 {
            let ids = try killWriterAtRandom(probe, database: database)
            XCTAssertFalse(ids.isEmpty, "round \(round): the writer reported no commit before the kill")
            reported += ids

            let store = try Store(path: database)
            for id in reported {
                let stored = try store.record(id)
                XCTAssertEqual(
                    stored?.body, probeBody(for: id, size: 300), "record \(id) lost or damaged in round \(round)")
                XCTAssertEqual(stored?.key, "k\(id.rawValue % 3)")
            }
            for key in ["k0", "k1", "k2"] {
                let ids = try store.records(forKey: key, limit: 1_000_000).map(\.id)
                XCTAssertEqual(ids, ids.sorted(), "order per key kept for \(key)")
            }
            XCTAssertGreaterThanOrEqual(store.totals.count, Set(reported).count)
            store.close()
        }
        XCTAssertEqual(Set(reported).count, reported.count, "a restart never hands out a committed id again")
    }
}
