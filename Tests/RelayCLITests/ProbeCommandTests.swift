import Foundation
import XCTest

@testable import RelayCLI

/// `probe` against the signed test zone of the DNS tests (Tests/DNSTests/Fixtures), served by a
/// knot on 127.0.0.1 that this test starts and stops by PID. Nothing leaves loopback: that zone's
/// addresses are 192.0.2.x, so these tests run with --dns-only (ProbeReportEndToEndTests connects).
final class ProbeCommandTests: XCTestCase {
    var directory = ""
    var port = 0
    var knot: Process?

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "xr-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        port = try Self.freeLoopbackPort()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../DNSTests/Fixtures/make-test-zone.sh").standardized.path
        let build = Process()
        build.executableURL = URL(fileURLWithPath: "/bin/sh")
        build.arguments = [script, directory, String(port)]
        build.standardOutput = FileHandle.nullDevice
        try build.run()
        build.waitUntilExit()
        XCTAssertEqual(build.terminationStatus, 0)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/sbin/knotd")
        server.arguments = ["-c", directory + "/knot.conf"]
        server.standardError = FileHandle.nullDevice
        try server.run()
        knot = server
        // Ready when it answers; polled with dig, bounded.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let dig = Process()
            dig.executableURL = URL(fileURLWithPath: "/usr/bin/dig")
            dig.arguments = ["@127.0.0.1", "-p", String(port), "+norec", "+time=1", "+tries=1", "xr.test.", "SOA"]
            let pipe = Pipe()
            dig.standardOutput = pipe
            try dig.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            dig.waitUntilExit()
            if text.contains("status: NOERROR") { return }
            guard server.isRunning else { return XCTFail("knotd could not start on port \(port)") }
            usleep(20_000)
        }
        XCTFail("knotd did not come up")
    }

    /// A port the kernel just handed out on 127.0.0.1 for UDP (knot also binds TCP on it).
    static func freeLoopbackPort() throws -> Int {
        let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(udp) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(udp, $0, length) == 0 && getsockname(udp, $0, &length) == 0
            }
        }
        guard ok else { throw CocoaError(.fileNoSuchFile) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    override func tearDown() {
        if let knot, knot.isRunning {
            kill(knot.processIdentifier, SIGTERM)
            knot.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    func probe(_ domain: String, extra: [String] = []) -> (code: Int32, out: [String], err: [String]) {
        var out: [String] = []
        var err: [String] = []
        let io = CommandIO(out: { out.append($0) }, err: { err.append($0) })
        let arguments =
            [
                domain, "--trust-anchor", directory + "/trust-anchor.ds", "--forwarder", "127.0.0.1@9", "--stub",
                "xr.test.=127.0.0.1@\(port)", "--dns-only",
            ] + extra
        let code = ProbeCommand.run(arguments, io: io)
        return (code, out, err)
    }

    func testSecureDomainShowsPlanStatusesAndTLSA() {
        let result = probe("secure.xr.test")
        XCTAssertEqual(result.code, ExitCode.ok, result.err.joined(separator: "\n"))
        let text = result.out.joined(separator: "\n")
        XCTAssertTrue(text.contains("  SRV _xmpps-server._tcp.secure.xr.test: secure NOERROR, 1 record"), text)
        XCTAssertTrue(text.contains("      5 0 5270 xmpp1.secure.xr.test."), text)
        XCTAssertTrue(text.contains("connection plan: 3 of 3 targets usable"), text)
        XCTAssertTrue(
            text.contains("  1. xmpp1.secure.xr.test:5270 (_xmpps-server, direct TLS, priority 5 weight 0)"), text)
        XCTAssertTrue(
            text.contains(
                "     TLSA _5269._tcp.xmpp1.secure.xr.test: secure: "
                    + "3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1"), text)
        XCTAssertTrue(text.contains("authentication: DANE with 2 TLSA records"), text)
        XCTAssertTrue(text.contains("TLSA _5269._tcp.xmpp2.secure.xr.test: secure: none published"), text)
    }

    func testBogusDomainFails() {
        let result = probe("bogus.xr.test")
        XCTAssertEqual(result.code, ExitCode.failure)
        let text = result.out.joined(separator: "\n")
        XCTAssertTrue(text.contains("SRV _xmpp-server._tcp.bogus.xr.test: BOGUS"), text)
        XCTAssertTrue(text.contains("connection plan: retry later: bogus DNSSEC"), text)
        XCTAssertFalse(text.contains("5999"), "forged data is never shown as a record")
    }

    /// Lookups are printed as they complete, and `--timeout` bounds DNS: the TLSA records of
    /// deadtlsa.xr.test sit in a signed child zone whose server is dead (libunbound alone would
    /// take about 17 s); with --timeout 1 the plan ends after 2 s as "retry later", naming it.
    func testLookupsStreamAndTimeoutBoundsDNS() {
        var lines: [(at: Duration, text: String)] = []
        let started = ContinuousClock.now
        let io = CommandIO(out: { lines.append((ContinuousClock.now - started, $0)) }, err: { _ in })
        let code = ProbeCommand.run(
            [
                "deadtlsa.xr.test", "--trust-anchor", directory + "/trust-anchor.ds", "--forwarder", "127.0.0.1@9",
                "--stub", "xr.test.=127.0.0.1@\(port)", "--dns-only", "--timeout", "1",
            ], io: io)
        let elapsed = ContinuousClock.now - started
        let text = lines.map(\.text).joined(separator: "\n")
        XCTAssertEqual(code, ExitCode.failure, text)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(1900), text)
        XCTAssertLessThan(elapsed, .seconds(4), text)
        let srv = lines.first { $0.text.hasPrefix("  SRV _xmpp-server._tcp.deadtlsa.xr.test: secure NOERROR") }
        XCTAssertLessThan(srv?.at ?? .seconds(99), .seconds(1), "printed when it came, not at the end: \(text)")
        XCTAssertTrue(
            text.contains(
                "  TLSA _5269._tcp.xmpp.deadtlsa.xr.test: failed (no answer within 2 s (twice --timeout))"), text)
        XCTAssertTrue(
            text.contains(
                "connection plan: retry later: no DNS answer within 2 s (twice --timeout) for TLSA"
                    + " _5269._tcp.xmpp.deadtlsa.xr.test"), text)
        XCTAssertTrue(text.contains("UNUSABLE now: TLSA lookup for _5269._tcp.xmpp.deadtlsa.xr.test failed"), text)
        XCTAssertFalse(text.contains("insecure"), text)
    }

    func testInsecureDomainSaysNoDANE() {
        let result = probe("insecure.xr.test", extra: [])
        XCTAssertEqual(result.code, ExitCode.ok)
        let text = result.out.joined(separator: "\n")
        XCTAssertTrue(text.contains("SRV record: insecure"), text)
        XCTAssertTrue(text.contains("not looked up (SRV or addresses not DNSSEC-secure)"), text)
        XCTAssertTrue(text.contains("authentication: no DANE here"), text)
    }

    func testUsageAndMissingAnchor() {
        var err: [String] = []
        let io = CommandIO(out: { _ in }, err: { err.append($0) })
        XCTAssertEqual(ProbeCommand.run([], io: io), ExitCode.usage)
        XCTAssertEqual(ProbeCommand.run(["a.example", "--stub", "nonsense"], io: io), ExitCode.usage)
        err.removeAll()
        XCTAssertEqual(
            ProbeCommand.run(["a.example", "--trust-anchor", "/nonexistent/root.key"], io: io), ExitCode.usage)
        XCTAssertTrue(err.joined().contains("apt install dns-root-data"), err.joined())
        XCTAssertEqual(ProbeCommand.run(["a.example", "--timeout", "0"], io: io), ExitCode.usage)
        XCTAssertEqual(ProbeCommand.run(["a.example", "--max-targets", "x"], io: io), ExitCode.usage)
        XCTAssertEqual(ProbeCommand.run(["a.example", "--ca-file"], io: io), ExitCode.usage)
    }
}
