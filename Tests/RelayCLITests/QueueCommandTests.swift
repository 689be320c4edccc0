import EventLoop
import Foundation
import RelayLog
import RelayServer
import RelayTestSupport
import Store
import XCTest

@testable import RelayCLI

/// `xmpp-relay queue` with the relay stopped: a store filled through the Store API, read and changed
/// by the command through the store itself (under its lock).
final class QueueCommandTests: XCTestCase {
    private var directory = ""
    private var stateDirectory: String { directory + "/state" }
    private var configPath: String { directory + "/relay.toml" }
    /// 2026-12-03T12:00:00Z in Unix milliseconds; the records are accepted relative to it.
    private let now: Int64 = 1_796_299_200_000
    private let stanzaWithSpecials =
        "<message from='a@a.example' to='b@b.example'><body>tab\there\nline 100%</body></message>"
    private var ids: [RecordID] = []

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "queue-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        chmod(stateDirectory, 0o700)
        try "[relay]\nstate_dir = \"\(stateDirectory)\"\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        chmod(configPath, 0o644)
        let store = try Store(path: StateDirectory.queueDatabase(in: stateDirectory))
        let (ticket, appended) = store.append([
            NewRecord(
                key: "remote:a.example->b.example", kind: 1, body: Array(stanzaWithSpecials.utf8),
                acceptedAt: now - 90_000),
            NewRecord(
                key: "home:b.example->a.example", kind: 5, body: Array("<presence/>".utf8), acceptedAt: now - 3_600_000),
            NewRecord(
                key: "component:c.example", kind: 2, body: Array("<iq type='get'/>".utf8), acceptedAt: now - 5_000),
        ])
        ids = appended
        let updated = store.update(
            appended[0], RecordUpdate(attempts: 3, nextAttemptAt: now + 120_000, lastError: "connection refused"))
        try settle(store, through: max(ticket, updated))
        store.close()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func settle(_ store: Store, through ticket: WriteTicket) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            for commit in store.waitForCommits(timeoutMilliseconds: 100) {
                XCTAssertNil(commit.error)
                if commit.tickets.upperBound >= ticket { return }
            }
        }
        XCTFail("the store did not commit")
    }

    private func queue(_ arguments: [String]) -> (status: Int32, out: String, err: String) {
        var out: [String] = []
        var err: [String] = []
        let io = CommandIO(out: { out.append($0) }, err: { err.append($0) })
        let status = QueueCommand.run(arguments + ["--config", configPath], io: io, now: now)
        return (status, out.joined(separator: "\n"), err.joined(separator: "\n"))
    }

    private func storedIDs() throws -> [RecordID] {
        let store = try Store(path: StateDirectory.queueDatabase(in: stateDirectory))
        defer { store.close() }
        return try store.keys().flatMap { try store.records(forKey: $0.key, limit: 100).map(\.id) }.sorted()
    }

    func testListShowsEveryStanzaWithDomainsAgeAndRetry() {
        let result = queue(["list"])
        XCTAssertEqual(result.status, ExitCode.ok, result.err)
        let lines = result.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, result.out)
        XCTAssertTrue(lines[0].hasPrefix("ID  KIND"), lines[0])
        let first = lines[1].split(separator: " ").map(String.init)
        XCTAssertEqual(
            first,
            [
                "\(ids[0])", "message", "a.example", "b.example", "\(stanzaWithSpecials.utf8.count)", "1m30s", "3",
                "in", "2m0s", "connection", "refused",
            ])
        let second = lines[2].split(separator: " ").map(String.init)
        XCTAssertEqual(second, ["\(ids[1])", "presence", "b.example", "a.example", "11", "1h0m", "0", "-", "-"])
        let third = lines[3].split(separator: " ").map(String.init)
        XCTAssertEqual(third, ["\(ids[2])", "iq", "-", "c.example", "16", "5s", "0", "-", "-"])
        XCTAssertEqual(lines[4], "3 stanzas, \(stanzaWithSpecials.utf8.count + 27) bytes")
    }

    func testJSONIsOneObjectPerLine() throws {
        let result = queue(["list", "--json"])
        XCTAssertEqual(result.status, ExitCode.ok, result.err)
        let objects = try result.out.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(objects.count, 3)
        XCTAssertEqual(objects[0]["id"] as? Int, Int(ids[0].rawValue))
        XCTAssertEqual(objects[0]["kind"] as? String, "message")
        XCTAssertEqual(objects[0]["from"] as? String, "a.example")
        XCTAssertEqual(objects[0]["to"] as? String, "b.example")
        XCTAssertEqual(objects[0]["hop"] as? String, "remote:a.example->b.example")
        XCTAssertEqual(objects[0]["arrival_time"] as? Int, Int((now - 90_000) / 1000))
        XCTAssertEqual(objects[0]["age_s"] as? Int, 90)
        XCTAssertEqual(objects[0]["attempts"] as? Int, 3)
        XCTAssertEqual(objects[0]["next_retry"] as? Int, Int((now + 120_000) / 1000))
        XCTAssertEqual(objects[0]["last_error"] as? String, "connection refused")
        XCTAssertTrue(objects[2]["from"] is NSNull)
        XCTAssertTrue(objects[2]["next_retry"] is NSNull)
    }

    func testDomainFilterSelectsTheDestination() {
        let result = queue(["list", "--domain", "B.EXAMPLE", "--json"])
        XCTAssertEqual(result.status, ExitCode.ok, result.err)
        XCTAssertEqual(result.out.split(separator: "\n").count, 1, result.out)
        XCTAssertTrue(result.out.hasPrefix("{\"id\":\(ids[0]),"), result.out)
        XCTAssertEqual(queue(["list", "--domain", "nowhere.example"]).out, "nothing is queued for nowhere.example")
    }

    func testShowPrintsTheStanzaOnlyWhenAsked() {
        let plain = queue(["show", "\(ids[0])"])
        XCTAssertEqual(plain.status, ExitCode.ok, plain.err)
        XCTAssertTrue(plain.out.contains("hop: remote:a.example->b.example"), plain.out)
        XCTAssertTrue(plain.out.contains("accepted: 2026-12-03T11:58:30Z (1m30s ago)"), plain.out)
        XCTAssertTrue(plain.out.contains("last error: connection refused"), plain.out)
        XCTAssertFalse(plain.out.contains("<message"), plain.out)
        let full = queue(["show", "\(ids[0])", "--stanza"])
        XCTAssertEqual(full.status, ExitCode.ok, full.err)
        XCTAssertTrue(full.out.hasSuffix("stanza:\n" + stanzaWithSpecials), full.out)
    }

    func testBadAndUnknownIDs() {
        let bad = queue(["show", "12x"])
        XCTAssertEqual(bad.status, ExitCode.usage)
        XCTAssertTrue(bad.err.contains("'12x' is not a queue id"), bad.err)
        let unknown = queue(["show", "999"])
        XCTAssertEqual(unknown.status, ExitCode.failure)
        XCTAssertEqual(unknown.err, "xmpp-relay queue: no queued stanza has id 999")
        XCTAssertEqual(queue(["drop"]).status, ExitCode.usage)
        XCTAssertEqual(queue(["list", "--bounce"]).status, ExitCode.usage)
        XCTAssertEqual(queue(["purge"]).status, ExitCode.usage)
    }

    func testDropDeletesRowsAndReportsTheMissing() throws {
        let result = queue(["drop", "\(ids[1])", "999"])
        XCTAssertEqual(result.status, ExitCode.failure)
        XCTAssertEqual(result.out, "dropped 1 stanza (\(ids[1]))")
        XCTAssertTrue(result.err.contains("not queued (delivered meanwhile, or a wrong id): 999"), result.err)
        XCTAssertEqual(try storedIDs(), [ids[0], ids[2]])
        let byDomain = queue(["drop", "--domain", "c.example"])
        XCTAssertEqual(byDomain.status, ExitCode.ok, byDomain.err)
        XCTAssertEqual(try storedIDs(), [ids[0]])
    }

    func testBounceAndFlushNeedTheRunningRelay() throws {
        let bounce = queue(["drop", "\(ids[0])", "--bounce"])
        XCTAssertEqual(bounce.status, ExitCode.failure)
        XCTAssertTrue(bounce.err.contains("--bounce needs the running relay"), bounce.err)
        XCTAssertEqual(try storedIDs(), ids)
        let flush = queue(["flush", "b.example"])
        XCTAssertEqual(flush.status, ExitCode.ok, flush.err)
        XCTAssertEqual(
            flush.out,
            "the relay is not running: nothing to retry now; it tries the 1 queued stanza for b.example as soon as it starts"
        )
    }

    func testMissingStateDirectoryIsExplained() throws {
        try FileManager.default.removeItem(atPath: stateDirectory)
        let result = queue(["list"])
        XCTAssertEqual(result.status, ExitCode.failure)
        XCTAssertTrue(result.err.contains("state directory \(stateDirectory) does not exist"), result.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stateDirectory), "the command must not create it")
    }

    func testHeldLockWithoutControlSocketIsRefused() throws {
        let lock = try StoreLock(stateDirectory: stateDirectory)
        let result = queue(["drop", "\(ids[0])"])
        XCTAssertEqual(result.status, ExitCode.failure)
        XCTAssertTrue(
            result.err.contains("is locked) but does not answer on \(stateDirectory)/control.sock"), result.err)
        lock.release()
        XCTAssertEqual(try storedIDs(), ids, "nothing may be written while another holds the lock")
    }

    /// The relay's side in-process: the lock, the store and the control socket on a loop of its own
    /// thread, as RelayDaemon will run them; the command must go through the socket.
    func testWhileTheRelayRunsCommandsGoThroughItsSocket() throws {
        let relay = RelayThread(stateDirectory: stateDirectory)
        XCTAssertTrue(relay.waitUntilServing(), relay.failure ?? "the relay thread did not start")
        let listed = queue(["list", "--json"])
        XCTAssertEqual(listed.status, ExitCode.ok, listed.err)
        XCTAssertEqual(listed.out.split(separator: "\n").count, 3, listed.out)
        let shown = queue(["show", "\(ids[0])", "--stanza"])
        XCTAssertTrue(shown.out.hasSuffix("stanza:\n" + stanzaWithSpecials), shown.out)
        let dropped = queue(["drop", "\(ids[1])", "\(ids[1])"])
        XCTAssertEqual(dropped.status, ExitCode.ok, dropped.err)
        XCTAssertEqual(dropped.out, "dropped 1 stanza (\(ids[1]))")
        let log = relay.stop()
        XCTAssertTrue(
            log.contains { $0.hasSuffix("event=queue.dropped dropped=1 ids=\(ids[1]) bounced=0 missing=0") },
            log.joined(separator: "\n"))
        XCTAssertEqual(try storedIDs(), [ids[0], ids[2]])
        XCTAssertFalse(FileManager.default.fileExists(atPath: StateDirectory.controlSocket(in: stateDirectory)))
    }

    /// Run as `nobody` (setpriv): a store the user cannot read, and a state directory of another user.
    func testStoreTheUserCannotReadIsAClearError() throws {
        guard geteuid() == 0 else { throw XCTSkip("needs root to run the command as another user") }
        if let emulator = ProcessInfo.processInfo.environment["XMPP_RELAY_TEST_EMULATOR"], !emulator.isEmpty {
            throw XCTSkip("setpriv starts the binary directly, not through \(emulator)")
        }
        let binary = try RelayBinary()
        func runAsNobody() throws -> (status: Int32, stdout: String, stderr: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=65534", "--regid=65534", "--clear-groups", binary.path, "queue", "list", "--config",
                configPath,
            ]
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, stdout, stderr)
        }
        let closed = try runAsNobody()
        XCTAssertEqual(closed.status, ExitCode.failure, closed.stdout)
        XCTAssertTrue(closed.stderr.contains("control.sock: permission denied; run as the relay's user"), closed.stderr)

        // A directory nobody may enter but not own: no file is made there as the wrong user.
        chmod(stateDirectory, 0o755)
        let foreign = try runAsNobody()
        XCTAssertEqual(foreign.status, ExitCode.failure, foreign.stdout)
        XCTAssertTrue(foreign.stderr.contains("belongs to uid 0: run this as the relay's user"), foreign.stderr)
        chmod(stateDirectory, 0o700)

        // The directory is nobody's, the database root's (0600): the store cannot be opened.
        XCTAssertEqual(chown(stateDirectory, 65534, 65534), 0)
        chmod(StateDirectory.queueDatabase(in: stateDirectory), 0o600)
        let unreadable = try runAsNobody()
        XCTAssertEqual(unreadable.status, ExitCode.failure, unreadable.stdout)
        XCTAssertTrue(unreadable.stderr.hasPrefix("xmpp-relay queue: cannot open the queue store:"), unreadable.stderr)
        XCTAssertTrue(unreadable.stderr.contains(StateDirectory.queueDatabase(in: stateDirectory)), unreadable.stderr)
    }
}

/// A stand-in for the running relay: its own thread and loop, holding the store lock and serving
/// the store's operations on the control socket until `stop`.
private final class RelayThread: @unchecked Sendable {
    private let state = NSCondition()
    private var serving = false
    private var stopping = false
    private var finished = false
    private(set) var failure: String?
    private var log: [String] = []

    init(stateDirectory: String) {
        Thread.detachNewThread { [self] in run(stateDirectory) }
    }

    private func run(_ directory: String) {
        let sink = MemorySink()
        do {
            let lock = try StoreLock(stateDirectory: directory)
            let store = try Store(path: StateDirectory.queueDatabase(in: directory))
            let loop = Loop()
            let server = try QueueControlServer(
                stateDirectory: directory, loop: loop, logger: Logger(sink: sink, now: { 0 }),
                operations: StoredQueueOperations(store: store))
            state.withLock { serving = true }
            state.broadcast()
            while !state.withLock({ stopping }) {
                loop.runOnce(blocking: false)
                usleep(1000)
            }
            server.close()
            store.close()
            lock.release()
        } catch {
            state.withLock { failure = "\(error)" }
        }
        state.withLock {
            log = sink.lines
            finished = true
        }
        state.broadcast()
    }

    func waitUntilServing() -> Bool {
        state.withLock {
            let deadline = Date().addingTimeInterval(10)
            while !serving && failure == nil && state.wait(until: deadline) {}
            return serving
        }
    }

    /// Stops the thread and returns what the relay logged.
    func stop() -> [String] {
        state.withLock { stopping = true }
        return state.withLock {
            let deadline = Date().addingTimeInterval(10)
            while !finished && state.wait(until: deadline) {}
            return log
        }
    }
}
