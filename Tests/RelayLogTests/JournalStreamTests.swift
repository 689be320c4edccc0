import XCTest

@testable import RelayLog

#if canImport(Glibc)
    import Glibc
#endif

/// sd-daemon(3) priority prefixes: written only when JOURNAL_STREAM names the very file on fd 2.
final class JournalStreamTests: XCTestCase {
    func testPrioritiesFollowSyslog() {
        XCTAssertEqual(LogLevel.allCases.map(JournalStream.priorityPrefix), ["<7>", "<6>", "<4>", "<3>"])
    }

    func testOnlyTheExactDeviceAndInodeMatch() {
        XCTAssertTrue(JournalStream.names("64769:123456", device: 64769, inode: 123_456))
        XCTAssertFalse(JournalStream.names("64769:123457", device: 64769, inode: 123_456), "another inode")
        XCTAssertFalse(JournalStream.names("64768:123456", device: 64769, inode: 123_456), "another device")
        for malformed in [nil, "", "64769", "64769:", ":123456", "64769:123456:1", "x:123456", "-1:123456"] {
            XCTAssertFalse(
                JournalStream.names(malformed, device: 64769, inode: 123_456), "\(malformed ?? "nil")")
        }
    }

    /// The real decision: fd 2 is a pipe and JOURNAL_STREAM names it (then names another file).
    func testStandardErrorSinkPrefixesOnlyWhenStderrIsTheNamedStream() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let savedStderr = dup(2)
        let savedVariable = getenv("JOURNAL_STREAM").map { String(cString: $0) }
        defer {
            dup2(savedStderr, 2)
            close(savedStderr)
            close(ends[0])
            if let savedVariable { setenv("JOURNAL_STREAM", savedVariable, 1) } else { unsetenv("JOURNAL_STREAM") }
        }
        dup2(ends[1], 2)
        var info = stat()
        XCTAssertEqual(fstat(ends[1], &info), 0)
        close(ends[1])

        setenv("JOURNAL_STREAM", "\(info.st_dev):\(info.st_ino)", 1)
        XCTAssertTrue(JournalStream.isStandardError())
        Logger(level: .debug, sink: StandardErrorSink(), now: { 0 }).warn("link.refused", [("reason", "x")])

        setenv("JOURNAL_STREAM", "\(info.st_dev):\(info.st_ino + 1)", 1)
        XCTAssertFalse(JournalStream.isStandardError())
        Logger(level: .debug, sink: StandardErrorSink(), now: { 0 }).info("relay.stop")

        unsetenv("JOURNAL_STREAM")
        XCTAssertFalse(JournalStream.isStandardError())

        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(ends[0], &buffer, buffer.count)
        let text = String(decoding: buffer[0..<max(0, count)], as: UTF8.self)
        XCTAssertEqual(
            text,
            "<4>ts=1970-01-01T00:00:00Z level=warn event=link.refused reason=x\n"
                + "ts=1970-01-01T00:00:00Z level=info event=relay.stop\n")
    }

    func testMemorySinkKeepsPlainLines() {
        let sink = MemorySink()
        Logger(level: .debug, sink: sink, now: { 0 }).debug("link.state")
        XCTAssertEqual(sink.lines, ["ts=1970-01-01T00:00:00Z level=debug event=link.state"])
    }
}
