import Foundation
import XCTest

@testable import RelayCLI

/// `probe` end to end: a DNSSEC-signed zone pr.test. (Fixtures/make-probe-zone.sh) served by knot on
/// 127.0.0.1, whose SRV targets are servers this test starts on 127.0.0.21–26 (all of 127/8 is
/// loopback): openssl s_server for direct TLS, Fixtures/probe-xmpp-server.py for STARTTLS. Every
/// process is stopped by PID in tearDown; nothing leaves loopback.
final class ProbeReportEndToEndTests: XCTestCase {
    private var directory = ""
    private var dnsPort = 0
    private var xmppPort = 0
    private var processes: [Process] = []

    private var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }
    private var certificate: String { directory + "/server.crt" }
    private var key: String { directory + "/server.key" }

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "xr-probe-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        dnsPort = try ProbeCommandTests.freeLoopbackPort()
        xmppPort = try ProbeCommandTests.freeLoopbackPort()
        let names = ["modern", "legacy", "starttls", "untrusted", "plain"].map { "DNS:\($0).pr.test" }
        try shell(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout \(key) -out \(certificate) "
                + "-days 30 -subj /CN=probe.test -addext subjectAltName=\(names.joined(separator: ",")) 2>/dev/null")
        try shell(
            "sh \(fixtures.path)/make-probe-zone.sh \(directory)/zone \(dnsPort) \(certificate) \(xmppPort) >/dev/null")
        let knot = try start("/usr/sbin/knotd", ["-c", directory + "/zone/knot.conf"])
        try waitUntilListening(ip: "127.0.0.1", port: dnsPort, process: knot)
    }

    override func tearDown() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        processes = []
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func shell(_ command: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw XCTSkip("'\(command)' failed; are openssl, ldnsutils installed?")
        }
    }

    @discardableResult
    private func start(_ executable: String, _ arguments: [String], output: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        processes.append(process)
        return process
    }

    /// Polls (bounded) until something accepts TCP on ip:port.
    private func waitUntilListening(ip: String, port: Int, process: Process) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr(ip)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(fd)
            if connected { return }
            guard process.isRunning else { throw XCTSkip("\(process.executableURL?.path ?? "server") did not start") }
            usleep(20_000)
        }
        XCTFail("nothing listens on \(ip):\(port)")
    }

    private func openssl(on ip: String, _ extra: [String] = []) throws {
        let server = try start(
            "/usr/bin/openssl",
            ["s_server", "-accept", "\(ip):\(xmppPort)", "-cert", certificate, "-key", key, "-quiet"] + extra)
        try waitUntilListening(ip: ip, port: xmppPort, process: server)
    }

    private func xmppServer(on ip: String, _ extra: [String] = []) throws {
        let server = try start(
            "/usr/bin/python3",
            [fixtures.appendingPathComponent("probe-xmpp-server.py").path, certificate, key, ip, String(xmppPort)]
                + extra)
        try waitUntilListening(ip: ip, port: xmppPort, process: server)
    }

    private func probe(_ domain: String, extra: [String] = []) -> (code: Int32, text: String, last: String) {
        var out: [String] = []
        let io = CommandIO(out: { out.append($0) }, err: { out.append("stderr: " + $0) })
        let arguments =
            [
                domain, "--trust-anchor", directory + "/zone/trust-anchor.ds", "--forwarder", "127.0.0.1@9",
                "--stub", "pr.test.=127.0.0.1@\(dnsPort)", "--timeout", "5",
            ] + extra
        let code = ProbeCommand.run(arguments, io: io)
        return (code, out.joined(separator: "\n"), out.last ?? "")
    }

    /// "TLS 1.0/1.1 refused", or "not tested" where the linked mbedTLS (3.x) has no TLS 1.0/1.1.
    private func assertOldVersionsRefused(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for version in ["1.1", "1.0"] {
            XCTAssertTrue(
                text.contains("  TLS \(version):      refused (tls: peer refused the handshake")
                    || text.contains("  TLS \(version):      not tested (library lacks TLS 1.0/1.1)"), text, file: file,
                line: line)
        }
    }

    func testModernDirectTLSWithDANEGetsAPlus() throws {
        try openssl(on: "127.0.0.21")
        let result = probe("modern.pr.test")
        XCTAssertEqual(result.code, ExitCode.ok, result.text)
        XCTAssertTrue(
            result.text.contains("target 1: tls.modern.pr.test:\(xmppPort) at 127.0.0.21:\(xmppPort) (direct TLS)"),
            result.text)
        XCTAssertTrue(result.text.contains("  starttls:     not used (TLS from the first byte)"), result.text)
        XCTAssertTrue(result.text.contains("  TLS 1.2:      accepted (TLS 1.2 TLS_ECDHE_ECDSA_WITH_"), result.text)
        // openssl 3 speaks TLS 1.3: accepted where our mbedTLS has it (3.6), else untested (2.28).
        XCTAssertTrue(
            result.text.contains("  TLS 1.3:      accepted (TLS 1.3 TLS_AES_")
                || result.text.contains("  TLS 1.3:      not tested (library lacks TLS 1.3)"), result.text)
        assertOldVersionsRefused(result.text)
        XCTAssertTrue(result.text.contains("  cipher:       ECDHE"), result.text)
        XCTAssertTrue(result.text.contains("  static RSA:   refused"), result.text)
        XCTAssertTrue(result.text.contains("    key:        EC P-256"), result.text)
        XCTAssertTrue(result.text.contains("    issuer:     CN=probe.test (self-signed)"), result.text)
        XCTAssertTrue(
            result.text.contains(
                "  trust:        dane-ee verified: certificate matches TLSA 3 1 1 at _\(xmppPort)._tcp.tls.modern.pr.test"
            ),
            result.text)
        XCTAssertEqual(result.last, "grade: A+")
    }

    func testServerStillAcceptingTLS10IsCappedAtC() throws {
        try openssl(on: "127.0.0.22", ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"])
        let result = probe("legacy.pr.test")
        XCTAssertEqual(result.code, ExitCode.ok, result.text)
        if result.text.contains("not tested (library lacks TLS 1.0/1.1)") {
            XCTAssertEqual(result.last, "grade: A+", "old versions untestable here must not cost a grade")
            return
        }
        XCTAssertTrue(result.text.contains("  TLS 1.0:      accepted (TLS 1.0 "), result.text)
        XCTAssertTrue(result.text.contains("  TLS 1.1:      accepted (TLS 1.1 "), result.text)
        XCTAssertTrue(
            result.text.contains("  grade:        C: accepts TLS 1.0 (max C); accepts TLS 1.1 (max C)"), result.text)
        XCTAssertEqual(result.last, "grade: C")
    }

    func testSTARTTLSServerOfferingExternalAndDialback() throws {
        try xmppServer(on: "127.0.0.23")
        let result = probe("starttls.pr.test")
        XCTAssertEqual(result.code, ExitCode.ok, result.text)
        XCTAssertTrue(result.text.contains("at 127.0.0.23:\(xmppPort) (STARTTLS)"), result.text)
        XCTAssertTrue(result.text.contains("  starttls:     offered, required"), result.text)
        XCTAssertTrue(result.text.contains("  SASL EXTERNAL: offered"), result.text)
        XCTAssertTrue(result.text.contains("  dialback:     offered"), result.text)
        XCTAssertTrue(result.text.contains("  trust:        dane-ee verified"), result.text)
        assertOldVersionsRefused(result.text)
        XCTAssertEqual(result.last, "grade: A+")
    }

    func testSelfSignedWithoutTLSAIsTUnlessTheCAFileVouchesForIt() throws {
        try openssl(on: "127.0.0.24")
        let untrusted = probe("untrusted.pr.test")
        XCTAssertEqual(untrusted.code, ExitCode.ok, untrusted.text)
        XCTAssertTrue(
            untrusted.text.contains("  trust:        none NOT verified: self-signed certificate"), untrusted.text)
        XCTAssertTrue(
            untrusted.text.contains("  grade:        T (A if trusted): certificate not trusted"), untrusted.text)
        XCTAssertEqual(untrusted.last, "grade: T")

        let anchored = probe("untrusted.pr.test", extra: ["--ca-file", certificate])
        XCTAssertTrue(
            anchored.text.contains(
                "  trust:        pkix verified: certificate chain trusted and valid for untrusted.pr.test"),
            anchored.text)
        XCTAssertEqual(anchored.last, "grade: A")
    }

    func testRSAServerAcceptingStaticRSAIsCappedAtB() throws {
        let rsaCertificate = directory + "/rsa.crt"
        let rsaKey = directory + "/rsa.key"
        try shell(
            "openssl req -x509 -newkey rsa:2048 -nodes -keyout \(rsaKey) -out \(rsaCertificate) -days 30 "
                + "-subj /CN=untrusted.pr.test -addext subjectAltName=DNS:untrusted.pr.test 2>/dev/null")
        let server = try start(
            "/usr/bin/openssl",
            [
                "s_server", "-accept", "127.0.0.24:\(xmppPort)", "-cert", rsaCertificate, "-key", rsaKey, "-quiet",
                "-cipher", "ECDHE+AESGCM:AES128-GCM-SHA256",
            ])
        try waitUntilListening(ip: "127.0.0.24", port: xmppPort, process: server)
        let result = probe("untrusted.pr.test", extra: ["--ca-file", rsaCertificate])
        XCTAssertEqual(result.code, ExitCode.ok, result.text)
        XCTAssertTrue(result.text.contains("    key:        RSA 2048"), result.text)
        XCTAssertTrue(
            result.text.contains("  static RSA:   accepted (TLS 1.2 TLS_RSA_WITH_AES_128_GCM_SHA256)"), result.text)
        XCTAssertTrue(result.text.contains("  cipher:       ECDHE"), result.text)
        XCTAssertTrue(
            result.text.contains("  grade:        B: accepts static RSA key exchange (no forward secrecy) (max B)"),
            result.text)
        XCTAssertEqual(result.last, "grade: B")
    }

    func testPlaintextAllowedOrOnlyIsF() throws {
        try xmppServer(on: "127.0.0.25", ["--not-required"])
        let optional = probe("plain.pr.test")
        XCTAssertEqual(optional.code, ExitCode.ok, optional.text)
        XCTAssertTrue(
            optional.text.contains("  starttls:     offered, NOT required (plaintext allowed)"), optional.text)
        XCTAssertEqual(optional.last, "grade: F")

        tearDownServers()
        try xmppServer(on: "127.0.0.25", ["--no-starttls"])
        let none = probe("plain.pr.test")
        XCTAssertEqual(none.code, ExitCode.ok, none.text)
        XCTAssertTrue(none.text.contains("  starttls:     NOT offered (plaintext only)"), none.text)
        XCTAssertTrue(none.text.contains("  grade:        F: no STARTTLS offered: plaintext only (max F)"), none.text)
        XCTAssertEqual(none.last, "grade: F")
    }

    func testNothingListeningGivesNoGradeAndExitOne() {
        let result = probe("down.pr.test")
        XCTAssertEqual(result.code, ExitCode.failure, result.text)
        XCTAssertTrue(result.text.contains("  unreachable:  connect: "), result.text)
        XCTAssertEqual(result.last, "grade: none (no target could be reached)")
    }

    /// Stops every server but knot (the first process).
    private func tearDownServers() {
        for process in processes.dropFirst() where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        processes = Array(processes.prefix(1))
    }
}
