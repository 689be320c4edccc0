import EventLoop
import Foundation
import RelayLog
import TLS
import XCTest
import XMPPStream

@testable import RelayConfig
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
        unlink(stateDirectory + "/root.key")
        unlink(stateDirectory + "/queue.lock")
        rmdir(stateDirectory)
        rmdir("/tmp/xmpp-relay-daemon-test-\(getpid())/nested")
        rmdir("/tmp/xmpp-relay-daemon-test-\(getpid())")
    }

    private func configuration(level: LogLevel = .info) -> RelayConfiguration {
        var config = RelayConfiguration(source: "/etc/xmpp-relay/test.toml")
        config.relay.stateDirectory = stateDirectory
        config.log.level = level
        config.dns.trustAnchor = TestFiles.rootTrustAnchor
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
        // No domain configured: nothing served, nothing open; the resolver recurses from the root
        // with the anchor copied into the state directory.
        XCTAssertTrue(
            sink.lines[0].contains(
                "domains=none resolver=recursive trust_anchor=\(stateDirectory)/root.key listeners=none tls_cipher="),
            sink.lines[0])
    }

    func testSIGUSR1LogsStatsAtOnceAndTheRelayKeepsRunning() throws {
        let (daemon, sink) = makeDaemon(reload: { .failure(ConfigErrors([])) })
        try daemon.start()
        let usr1 = daemon.loop.schedule(after: .zero) { raise(SIGUSR1) }
        let term = daemon.loop.schedule(after: .milliseconds(300)) { raise(SIGTERM) }
        daemon.run()
        _ = (usr1, term)
        XCTAssertEqual(events(sink), ["relay.start", "stats", "relay.stop"])
        XCTAssertTrue(sink.lines[1].contains(" uptime_s=0 "), sink.lines[1])
    }

    func testResolverAndListenerSummaries() {
        var dns = DNSSettings()
        XCTAssertEqual(ResolverSummary.mode(dns), "recursive")
        dns.forwarders = [DNSForwarder(address: "127.0.0.1", port: 53), DNSForwarder(address: "::1", port: 5353)]
        XCTAssertEqual(ResolverSummary.mode(dns), "forwarders 127.0.0.1@53,::1@5353")
        dns.forwarders = []
        dns.useResolvConf = true
        dns.stubZones = [DNSStubZone(zone: "home.arpa.", servers: [DNSForwarder(address: "192.0.2.1", port: 53)])]
        XCTAssertEqual(ResolverSummary.mode(dns), "resolv.conf; stub home.arpa.=192.0.2.1@53")

        XCTAssertEqual(
            [Router.ListenerKind.s2s, .s2sDirectTLS, .component].map(\.role), ["s2s", "s2s-tls", "component"])
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

    func testControlSocketIsServedWhileRunningAndRemovedAtStop() throws {
        let (daemon, _) = makeDaemon(reload: { .failure(ConfigErrors([])) })
        try daemon.start()
        let socketPath = StateDirectory.controlSocket(in: stateDirectory)
        var info = stat()
        XCTAssertEqual(lstat(socketPath, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(QueueControlClient(stateDirectory: stateDirectory).probe(), .answers)
        // The store has one writer: a second relay on the same state directory refuses to start.
        let (second, _) = makeDaemon(reload: { .failure(ConfigErrors([])) })
        second.storeLockWait = 200
        let tried = Date()
        XCTAssertThrowsError(try second.start()) {
            XCTAssertTrue(
                "\($0)".contains("another relay (or a queue tool) holds \(stateDirectory)/queue.lock"), "\($0)")
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(tried), 0.2, "it waits for a lock a tool holds briefly")
        let trigger = daemon.loop.schedule(after: .zero) { raise(SIGTERM) }
        let safety = daemon.loop.schedule(after: .seconds(10)) { XCTFail("SIGTERM never arrived") }
        daemon.run()
        _ = (trigger, safety)
        XCTAssertNotEqual(lstat(socketPath, &info), 0, "the socket file is removed at stop")
        XCTAssertNoThrow(try StoreLock(stateDirectory: stateDirectory), "the lock is released at stop")
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
        // One relay at a time per state directory (StoreLock): the first is released before the second.
        do {
            let (daemon, sink) = makeDaemon(reload: { .success(fresh) })
            try daemon.start()
            daemon.reload()
            XCTAssertEqual(daemon.configuration.source, "/etc/xmpp-relay/new.toml")
            XCTAssertEqual(daemon.logger.level, .warn)
            XCTAssertEqual(events(sink), ["relay.start", "config.reload"])
        }

        let (pinned, _) = makeDaemon(override: .debug, reload: { .success(fresh) })
        try pinned.start()
        pinned.reload()
        XCTAssertEqual(pinned.logger.level, .debug)
    }

    func testStatsReportMemory() throws {
        let (daemon, sink) = makeDaemon(reload: { .failure(ConfigErrors([])) })
        daemon.logStats()
        XCTAssertTrue(
            sink.lines[0].contains(
                "event=stats stanzas_relayed=0 held=0 bounced=0 refused=0 bytes_in=0 bytes_out=0 rss_kb="),
            sink.lines[0])
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

/// The certificate side of start and reload: a broken certificate refuses to start or keeps the old
/// configuration on reload; one close to expiry logs a warning with the days left.
final class RelayDaemonTLSTests: XCTestCase {
    private func configuration(certificate: String, key: String) -> RelayConfiguration {
        var config = RelayConfiguration(source: "/etc/xmpp-relay/tls.toml")
        config.relay.stateDirectory = TestFiles.directory + "/state-tls"
        config.dns.trustAnchor = TestFiles.rootTrustAnchor
        config.tls.certificate = certificate
        config.tls.key = key
        return config
    }

    private func daemon(_ config: RelayConfiguration, reload: RelayConfiguration? = nil) -> (RelayDaemon, MemorySink) {
        let sink = MemorySink()
        let daemon = RelayDaemon(
            configuration: config, version: "t", logger: Logger(level: .info, sink: sink, now: { 0 }),
            logLevelOverride: nil, reloadConfiguration: { .success(reload ?? config) })
        return (daemon, sink)
    }

    func testExpiringCertificateIsWarnedAboutWithDaysLeft() throws {
        let files = try TestFiles.certificate(domain: "soon.example", days: 5, name: "soon")
        let (relay, sink) = daemon(configuration(certificate: files.certificate, key: files.key))
        try relay.start()
        XCTAssertNotNil(relay.tlsServer)
        let warning = sink.lines.first { $0.contains("event=tls.cert_expiring") }
        XCTAssertNotNil(warning, sink.lines.joined(separator: "\n"))
        XCTAssertTrue(
            warning?.contains("days_left=4") == true || warning?.contains("days_left=5") == true, warning ?? "")
    }

    func testStatsReportDaysLeftOnTheNearestCertificate() throws {
        let soon = try TestFiles.certificate(domain: "soon.example", days: 5, name: "soon")
        let later = try TestFiles.certificate(domain: "later.example", days: 365, name: "later")
        var config = configuration(certificate: later.certificate, key: later.key)
        config.tls.domainCertificates = [
            DomainCertificate(domain: "soon.example", certificate: soon.certificate, key: soon.key)
        ]
        let (relay, sink) = daemon(config)
        try relay.start()
        relay.logStats()
        let stats = try XCTUnwrap(sink.lines.last { $0.contains("event=stats") })
        XCTAssertTrue(stats.contains(" cert_days_left=4 ") || stats.contains(" cert_days_left=5 "), stats)
    }

    func testFreshCertificateLogsNoWarning() throws {
        let files = try TestFiles.certificate(domain: "fresh.example", days: 365, name: "fresh")
        let (relay, sink) = daemon(configuration(certificate: files.certificate, key: files.key))
        try relay.start()
        XCTAssertFalse(sink.lines.contains { $0.contains("tls.cert_expiring") })
    }

    func testKeyThatDoesNotMatchRefusesToStartNamingTheFiles() throws {
        let one = try TestFiles.certificate(domain: "one.example", days: 365, name: "one")
        let two = try TestFiles.certificate(domain: "two.example", days: 365, name: "two")
        let (relay, _) = daemon(configuration(certificate: one.certificate, key: two.key))
        XCTAssertThrowsError(try relay.start()) { error in
            XCTAssertTrue("\(error)".contains("TLS: "), "\(error)")
            XCTAssertTrue("\(error)".contains(two.key), "\(error)")
        }
    }

    func testReloadWithBrokenCertificateKeepsTheOldOne() throws {
        let good = try TestFiles.certificate(domain: "good.example", days: 365, name: "good")
        let other = try TestFiles.certificate(domain: "other.example", days: 365, name: "other")
        let config = configuration(certificate: good.certificate, key: good.key)
        let broken = configuration(certificate: good.certificate, key: other.key)
        let (relay, sink) = daemon(config, reload: broken)
        try relay.start()
        let before = relay.tlsServer
        relay.reload()
        XCTAssertTrue(relay.tlsServer === before)
        XCTAssertTrue(
            sink.lines.last?.contains("event=config.reload_failed") == true, sink.lines.joined(separator: "\n"))
        // The same check and words as start and check-config: the file, then what is wrong with the key.
        let failed = sink.lines.last ?? ""
        XCTAssertTrue(failed.contains("TLS: \(other.key): key does not match the certificate"), failed)
    }

    func testReloadWithNewCertificateReplacesTheContext() throws {
        let first = try TestFiles.certificate(domain: "first.example", days: 365, name: "first")
        let second = try TestFiles.certificate(domain: "second.example", days: 365, name: "second")
        let (relay, _) = daemon(
            configuration(certificate: first.certificate, key: first.key),
            reload: configuration(certificate: second.certificate, key: second.key))
        try relay.start()
        let before = relay.tlsServer
        relay.reload()
        XCTAssertFalse(relay.tlsServer === before)
        XCTAssertNotEqual(relay.tlsServer?.certificateChainDER, before?.certificateChainDER)
    }
}

/// Outbound links present the certificate of the configuration in force: a reload builds a fresh
/// `LinkSetup`, whose client contexts are made anew from the new files.
final class LinkSetupTLSTests: XCTestCase {
    private func setup(_ files: (certificate: String, key: String)) throws -> LinkSetup {
        var config = RelayConfiguration(source: "/etc/xmpp-relay/tls.toml")
        config.tls.certificate = files.certificate
        config.tls.key = files.key
        return try LinkSetup(configuration: config, serverTLS: nil)
    }

    func testFreshSetupPresentsTheNewCertificateOnOutboundLinks() throws {
        let old = try TestFiles.certificate(domain: "smith.example", days: 365, name: "client-old")
        let new = try TestFiles.certificate(domain: "smith.example", days: 365, name: "client-new")
        let local = try DomainName("smith.example")
        let before = try setup(old)
        let first = try before.clientTLS(for: local)
        XCTAssertTrue(try before.clientTLS(for: local) === first, "one context per certificate")
        // A home link speaks for remote domains with the default certificate: they share its context.
        XCTAssertTrue(try before.clientTLS(for: DomainName("jabber.example")) === first, "one context per certificate")
        let after = try setup(new).clientTLS(for: local)
        XCTAssertFalse(first.certificateChainDER.isEmpty)
        XCTAssertNotEqual(after.certificateChainDER, first.certificateChainDER)
        XCTAssertEqual(
            after.certificateChainDER,
            try TLSContext(
                configuration: TLSConfiguration(
                    role: .client, identity: TLSIdentity(certificateFile: new.certificate, keyFile: new.key))
            ).certificateChainDER)
    }
}
