import EventLoop
import RelayConfig
import RelayLog
import XCTest

@testable import RelayServer

#if canImport(Glibc)
    import Glibc
#endif

final class RelayDaemonTests: XCTestCase {
    private var stateDirectory = ""

    override func setUp() {
        stateDirectory = "/tmp/xmpp-relay-daemon-test-\(getpid())/nested/state"
    }

    override func tearDown() {
        rmdir(stateDirectory)
        rmdir("/tmp/xmpp-relay-daemon-test-\(getpid())/nested")
        rmdir("/tmp/xmpp-relay-daemon-test-\(getpid())")
    }

    private func configuration(level: LogLevel = .info) -> RelayConfiguration {
        var config = RelayConfiguration(source: "/etc/xmpp-relay/test.toml")
        config.relay.stateDirectory = stateDirectory
        config.log.level = level
        return config
    }

    private func makeDaemon(
        override: LogLevel? = nil, reload: @escaping () -> Result<RelayConfiguration, ConfigErrors>
    ) -> (RelayDaemon, MemorySink) {
        let sink = MemorySink()
        let daemon = RelayDaemon(
            configuration: configuration(), version: "9.9.9", logger: Logger(level: .debug, sink: sink, now: { 0 }),
            logLevelOverride: override, reloadConfiguration: reload)
        return (daemon, sink)
    }

    private func events(_ sink: MemorySink) -> [String] {
        sink.lines.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("event=") }.map { String($0.dropFirst(6)) }
        }
    }

    func testStartCreatesStateDirectoryAndLogsStart() throws {
        let (daemon, sink) = makeDaemon(reload: { .failure(ConfigErrors([])) })
        try daemon.start()
        var info = stat()
        XCTAssertEqual(stat(stateDirectory, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        XCTAssertEqual(events(sink), ["relay.start"])
        XCTAssertTrue(sink.lines[0].contains("version=9.9.9 config=/etc/xmpp-relay/test.toml"))
    }

    func testSIGTERMLogsStopAndEndsTheLoop() throws {
        let (daemon, sink) = makeDaemon(reload: { .failure(ConfigErrors([])) })
        try daemon.start()
        let trigger = daemon.loop.schedule(after: .zero) { raise(SIGTERM) }
        let safety = daemon.loop.schedule(after: .seconds(10)) { XCTFail("SIGTERM never arrived") }
        daemon.run()
        _ = (trigger, safety)
        XCTAssertEqual(events(sink), ["relay.start", "relay.stop"])
        XCTAssertTrue(sink.lines[1].hasSuffix("signal=TERM"))
    }

    func testSIGHUPWithBrokenFileKeepsTheOldConfiguration() throws {
        let broken = ConfigError(
            code: .unknownKey, file: "/etc/xmpp-relay/test.toml", line: 7, message: "unknown key 'prot'")
        let (daemon, sink) = makeDaemon(reload: { .failure(ConfigErrors([broken])) })
        try daemon.start()
        let before = daemon.configuration
        let trigger = daemon.loop.schedule(after: .zero) { raise(SIGHUP) }
        let stop = daemon.loop.schedule(after: .milliseconds(200)) { raise(SIGTERM) }
        daemon.run()
        _ = (trigger, stop)
        XCTAssertEqual(events(sink), ["relay.start", "config.reload_failed", "relay.stop"])
        XCTAssertTrue(sink.lines[1].contains("level=error"))
        XCTAssertTrue(
            sink.lines[1].contains("reason=\"/etc/xmpp-relay/test.toml:7: unknown key 'prot'\""), sink.lines[1])
        XCTAssertEqual(daemon.configuration, before)
    }

    func testSIGHUPAppliesANewLogLevelUnlessOverridden() throws {
        var fresh = configuration(level: .warn)
        fresh.source = "/etc/xmpp-relay/new.toml"
        let (daemon, sink) = makeDaemon(reload: { .success(fresh) })
        try daemon.start()
        daemon.reload()
        XCTAssertEqual(daemon.configuration.source, "/etc/xmpp-relay/new.toml")
        XCTAssertEqual(daemon.logger.level, .warn)
        XCTAssertEqual(events(sink), ["relay.start", "config.reload"])

        let (pinned, _) = makeDaemon(override: .debug, reload: { .success(fresh) })
        try pinned.start()
        pinned.reload()
        XCTAssertEqual(pinned.logger.level, .debug)
    }

    func testStatsReportMemory() throws {
        let (daemon, sink) = makeDaemon(reload: { .failure(ConfigErrors([])) })
        daemon.logStats()
        XCTAssertTrue(sink.lines[0].contains("event=stats stanzas_relayed=0 rss_kb="), sink.lines[0])
    }

    func testStateDirectoryErrorsSayWhatToDo() {
        XCTAssertThrowsError(try StateDirectory.prepare("relative/dir")) { error in
            XCTAssertTrue("\(error)".contains("must be an absolute path"))
        }
        XCTAssertThrowsError(try StateDirectory.prepare("/proc/self/status/x")) { error in
            XCTAssertTrue("\(error)".contains("cannot create state directory"), "\(error)")
        }
    }

    func testProcessMemoryParsesProcStatus() {
        let sample = "Name:\txmpp-relay\nVmRSS:\t    6912 kB\nRssAnon:\t     512 kB\nRssFile:\t 6400 kB\n"
        XCTAssertEqual(ProcessMemory.parse(status: sample), ProcessMemory(residentKiB: 6912, anonymousKiB: 512))
        XCTAssertNil(ProcessMemory.parse(status: "Name:\tx\n"))
        XCTAssertNotNil(ProcessMemory.current())
    }
}
