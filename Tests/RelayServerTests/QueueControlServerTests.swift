import EventLoop
import Foundation
import RelayLog
import Store
import XCTest

@testable import RelayServer

/// Answers from fixed entries and records what it was asked.
private final class FakeQueueOperations: QueueOperations {
    var entries: [QueueEntry] = []
    var dropped: [(QueueTarget, Bool)] = []
    var flushed: [String?] = []

    func list(domain: String?) throws(QueueError) -> [QueueEntry] {
        entries.filter { domain == nil || $0.isBound(for: domain!) }.map { entry in
            var bare = entry
            bare.stanza = nil
            return bare
        }
    }

    func show(_ id: RecordID, withStanza: Bool) throws(QueueError) -> QueueEntry {
        guard var entry = entries.first(where: { $0.id == id }) else {
            throw QueueError(.notFound, "no queued stanza has id \(id)")
        }
        if !withStanza { entry.stanza = nil }
        return entry
    }

    func flush(domain: String?, reply: @escaping (Result<QueueFlushResult, QueueError>) -> Void) {
        flushed.append(domain)
        reply(.success(QueueFlushResult(retried: 2, note: "retrying 2 hops now")))
    }

    func drop(_ target: QueueTarget, bounce: Bool, reply: @escaping (Result<QueueDropResult, QueueError>) -> Void) {
        dropped.append((target, bounce))
        reply(.success(QueueDropResult(dropped: [RecordID(7)], bounced: bounce ? 1 : 0, missing: [RecordID(8)])))
    }
}

/// Carries a client call's outcome from its thread back to the test (which runs the loop meanwhile).
private final class Outcome<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T?
    var value: T? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

final class QueueControlServerTests: XCTestCase {
    private var directory = ""
    private let loop = Loop()
    private let sink = MemorySink()
    private let operations = FakeQueueOperations()

    override func setUpWithError() throws {
        directory = "/tmp/qcs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        XCTAssertEqual(mkdir(directory, 0o700), 0)
        operations.entries = [
            QueueEntry(
                id: RecordID(7), hop: "remote:a.example->b.example", kind: "message", from: "a.example",
                to: "b.example", size: 30, acceptedAt: 1_000, attempts: 2, nextAttemptAt: 9_000,
                lastError: "timed out\twith %tab", stanza: Array("<message>\t%\n\r\u{1}é</message>".utf8)),
            QueueEntry(
                id: RecordID(9), hop: "component:c.example", kind: "iq", from: nil, to: "c.example", size: 5,
                acceptedAt: 2_000, attempts: 0, nextAttemptAt: nil, lastError: nil),
        ]
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func makeServer(deadline: Duration = .seconds(5)) throws -> QueueControlServer {
        try QueueControlServer(
            stateDirectory: directory, loop: loop, logger: Logger(sink: sink, now: { 0 }), operations: operations,
            deadline: deadline)
    }

    /// Runs `call` on another thread (the client blocks) while the loop serves it here.
    private func serve<T>(_ call: @escaping @Sendable () -> T) -> T? {
        let outcome = Outcome<T>()
        Thread.detachNewThread { outcome.value = call() }
        let deadline = Date().addingTimeInterval(10)
        while outcome.value == nil && Date() < deadline { loop.runOnce(blocking: false); usleep(1000) }
        return outcome.value
    }

    func testRoundTripThroughTheSocket() throws {
        let server = try makeServer()
        let path = directory
        let listed = serve {
            Result { () throws(QueueError) in try QueueControlClient(stateDirectory: path).list(domain: nil) }
        }
        XCTAssertEqual(
            try listed?.get(),
            operations.entries.map {
                var bare = $0; bare.stanza = nil; return bare
            })
        let shown = serve {
            Result { () throws(QueueError) in
                try QueueControlClient(stateDirectory: path).show(RecordID(7), withStanza: true)
            }
        }
        XCTAssertEqual(try shown?.get(), operations.entries[0], "every stanza byte survives the line protocol")
        let missing = serve {
            Result { () throws(QueueError) in
                try QueueControlClient(stateDirectory: path).show(RecordID(1), withStanza: false)
            }
        }
        XCTAssertThrowsError(try missing?.get()) {
            XCTAssertEqual($0 as? QueueError, QueueError(.notFound, "no queued stanza has id 1"))
        }

        let dropped = serve { () -> Result<QueueDropResult, QueueError>? in
            var result: Result<QueueDropResult, QueueError>?
            QueueControlClient(stateDirectory: path).drop(.domain("b.example"), bounce: true) { result = $0 }
            return result
        }
        XCTAssertEqual(try dropped??.get(), QueueDropResult(dropped: [RecordID(7)], bounced: 1, missing: [RecordID(8)]))
        XCTAssertEqual(operations.dropped.count, 1)
        XCTAssertEqual(operations.dropped.first?.0, .domain("b.example"))
        XCTAssertEqual(operations.dropped.first?.1, true)
        XCTAssertTrue(
            sink.lines.contains {
                $0.hasSuffix("event=queue.dropped domain=b.example dropped=1 ids=7 bounced=1 missing=1")
            },
            sink.lines.joined(separator: "\n"))

        let flushed = serve { () -> Result<QueueFlushResult, QueueError>? in
            var result: Result<QueueFlushResult, QueueError>?
            QueueControlClient(stateDirectory: path).flush(domain: nil) { result = $0 }
            return result
        }
        XCTAssertEqual(try flushed??.get(), QueueFlushResult(retried: 2, note: "retrying 2 hops now"))
        XCTAssertTrue(sink.lines.contains { $0.hasSuffix("event=queue.flushed domain=all retried=2") })
        server.close()
    }

    func testSocketIsPrivateAndRemovedOnClose() throws {
        let server = try makeServer()
        var info = stat()
        XCTAssertEqual(lstat(server.path, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFSOCK)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        server.close()
        XCTAssertNotEqual(lstat(server.path, &info), 0, "the socket file must go with the server")
        XCTAssertEqual(QueueControlClient(stateDirectory: directory).probe(), .notServed)
    }

    func testStaleSocketIsReplacedAndAnOtherFileRefused() throws {
        let first = try makeServer()
        // A crashed relay leaves its socket file: the next start (holding the lock) replaces it.
        let leftover = first.path
        let fd = open(leftover + ".keep", O_CREAT | O_WRONLY, 0o600)
        close(fd)
        link(leftover, leftover + ".old")
        first.close()
        rename(leftover + ".old", leftover)
        let second = try makeServer()
        second.close()
        rename(leftover + ".keep", leftover)
        XCTAssertThrowsError(try makeServer()) {
            XCTAssertTrue("\($0)".contains("exists and is not a socket"), "\($0)")
        }
    }

    /// Raw socket: sends `bytes`, then reads until the server closes (or 5 s pass).
    private func rawExchange(_ bytes: [UInt8], server: QueueControlServer) -> String? {
        let path = server.path
        return serve { () -> String in
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard connected == 0 else { return "connect failed" }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var answer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return count == 0 ? String(decoding: answer, as: UTF8.self) : "timed out" }
                answer += chunk[..<count]
            }
        }
    }

    func testOversizedRequestIsRefused() throws {
        let server = try makeServer()
        let answer = rawExchange(
            Array("list\t".utf8)
                + [UInt8](repeating: UInt8(ascii: "x"), count: QueueControlServer.maxRequestBytes + 10),
            server: server)
        XCTAssertEqual(answer, "error\tbad-request\trequest longer than 16384 bytes refused\n")
        XCTAssertEqual(server.openConnections, 0)
        XCTAssertTrue(operations.flushed.isEmpty && operations.dropped.isEmpty)
        let garbage = rawExchange(Array("purge\teverything\n".utf8), server: server)
        XCTAssertEqual(garbage, "error\tbad-request\tnot a queue request: purge\n")
        server.close()
    }

    func testSilentClientIsClosedAtTheDeadline() throws {
        let server = try makeServer(deadline: .milliseconds(200))
        let started = Date()
        let answer = rawExchange([], server: server)
        let waited = Date().timeIntervalSince(started)
        XCTAssertEqual(answer, "", "the server hangs up without an answer")
        XCTAssertGreaterThanOrEqual(waited, 0.19)
        XCTAssertLessThan(waited, 3, "closed by the deadline, not by the client's own timeout")
        XCTAssertEqual(server.openConnections, 0)
        server.close()
    }

    func testSecondLockIsRefusedUntilReleased() throws {
        let first = try StoreLock(stateDirectory: directory)
        XCTAssertThrowsError(try StoreLock(stateDirectory: directory)) {
            XCTAssertEqual($0 as? StoreLock.Failure, .held(path: directory + "/queue.lock"))
        }
        var info = stat()
        XCTAssertEqual(stat(first.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        first.release()
        XCTAssertNoThrow(try StoreLock(stateDirectory: directory))
    }
}
