import Foundation
import Trust
import X509
import XCTest

@testable import RelayCLI

/// Runs keygen into a temporary directory and checks its output with openssl (Debian package openssl).
final class KeygenCommandTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "keygen-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func keygen(_ arguments: [String]) -> (status: Int32, out: [String], err: [String]) {
        var out: [String] = []
        var err: [String] = []
        let io = CommandIO(out: { out.append($0) }, err: { err.append($0) })
        let status = KeygenCommand.run(arguments, io: io, now: 1_798_761_600)
        return (status, out, err)
    }

    /// Runs a shell pipeline of openssl commands and returns its stdout.
    private func shell(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, script)
        return output
    }

    func testPinMatchesOpenSSLAndCertificateCarriesXMPPNames() throws {
        let result = keygen([
            "smith.example", "--out", directory, "--name", "relay.smith.example", "--target", "pi.smith.example",
        ])
        XCTAssertEqual(result.status, ExitCode.ok, result.err.joined(separator: "\n"))
        let crt = directory + "/smith.example.crt"
        let key = directory + "/smith.example.key"

        let digest = try shell(
            "openssl x509 -in '\(crt)' -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -r | cut -d' ' -f1"
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(digest.count, 64)
        XCTAssertTrue(result.out.contains("pins = [\"3 1 1 \(digest)\"]"), result.out.joined(separator: "\n"))
        XCTAssertTrue(result.out.contains("key = \"\(key)\""), result.out.joined(separator: "\n"))
        XCTAssertTrue(result.out.contains("_5269._tcp.pi.smith.example. 3600 IN TLSA 3 1 1 \(digest)"))
        XCTAssertTrue(result.out.contains("_5270._tcp.pi.smith.example. 3600 IN TLSA 3 1 1 \(digest)"))
        XCTAssertTrue(result.out.contains("_xmpp-server._tcp.smith.example. 3600 IN SRV 0 5 5269 pi.smith.example."))
        XCTAssertTrue(result.out.contains("_xmpps-server._tcp.smith.example. 3600 IN SRV 0 5 5270 pi.smith.example."))

        // OpenSSL 3.0 prints "SRVName::x" and "CN = x", 3.5 "SRVName:x" and "CN=x".
        let text = try shell("openssl x509 -in '\(crt)' -noout -text")
            .replacingOccurrences(of: "::", with: ":").replacingOccurrences(of: " = ", with: "=")
        XCTAssertTrue(text.contains("DNS:smith.example"), text)
        XCTAssertTrue(text.contains("DNS:relay.smith.example"), text)
        XCTAssertTrue(text.contains("SRVName:_xmpp-server.smith.example"), text)
        XCTAssertTrue(text.contains("XmppAddr:smith.example"), text)
        XCTAssertTrue(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"), text)
        XCTAssertTrue(text.contains("CA:FALSE"), text)
        XCTAssertTrue(text.contains("prime256v1") || text.contains("P-256"), text)
        XCTAssertTrue(text.contains("Subject: CN=smith.example"), text)
        XCTAssertTrue(text.contains("Not After : Dec 28 23:00:00 2036 GMT"), text)

        // The key is the certificate's, and openssl can read it.
        let keyPublic = try shell(
            "openssl pkey -in '\(key)' -pubout -outform der | openssl dgst -sha256 -r | cut -d' ' -f1")
        XCTAssertEqual(keyPublic.trimmingCharacters(in: .whitespacesAndNewlines), digest)
        // The signature verifies (self-signed).
        XCTAssertTrue(try shell("openssl verify -CAfile '\(crt)' -attime 1798761600 '\(crt)' 2>&1").contains("OK"))

        let mode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int)
        XCTAssertEqual(mode, 0o600)
    }

    /// What keygen prints is what Trust accepts: the pin and the names fit the certificate.
    func testTrustAcceptsTheCertificateWithThePrintedPin() throws {
        let result = keygen(["jones.example", "--out", directory])
        XCTAssertEqual(result.status, ExitCode.ok)
        let pinLine = try XCTUnwrap(result.out.first { $0.hasPrefix("pins = [") })
        let pin = try TLSARecord(pin: String(pinLine.dropFirst(9).dropLast(2)))
        let pem = try String(contentsOfFile: directory + "/jones.example.crt", encoding: .utf8)
        let certificate = try PEMBlock.certificates(pem)[0]
        XCTAssertTrue(IdentityMatcher(domain: "jones.example").matches(certificate))
        final class NeverTrusted: ChainVerifier {
            func verify(chain: [Certificate], anchors: TrustAnchors, at unixTime: Int64) -> ChainVerdict {
                .untrusted("self-signed")
            }
        }
        let verifier = PeerVerifier(chainVerifier: NeverTrusted(), systemAnchors: .certificates([]))
        let pinned = verifier.decide(
            AuthRequest(
                chain: [certificate], peerDomain: "jones.example", role: .client, pins: [pin], now: 1_798_761_600))
        XCTAssertTrue(pinned.verified)
        XCTAssertEqual(pinned.method, .pin)
        let dane = verifier.decide(
            AuthRequest(
                chain: [certificate], peerDomain: "jones.example", role: .server,
                dane: .secure([pin], at: "_5269._tcp.jones.example"), now: 1_798_761_600))
        XCTAssertEqual(dane.method, .daneEE)
        XCTAssertTrue(dane.verified)
    }

    func testRefusesToOverwrite() throws {
        XCTAssertEqual(keygen(["jones.example", "--out", directory]).status, ExitCode.ok)
        let before = try String(contentsOfFile: directory + "/jones.example.key", encoding: .utf8)
        let again = keygen(["jones.example", "--out", directory])
        XCTAssertEqual(again.status, ExitCode.failure)
        XCTAssertEqual(
            again.err,
            [
                "xmpp-relay keygen: \(directory)/jones.example.key already exists; keygen never overwrites: move it away or choose another --out"
            ])
        XCTAssertEqual(try String(contentsOfFile: directory + "/jones.example.key", encoding: .utf8), before)

        // A leftover certificate alone also stops it, before any key is written.
        try FileManager.default.removeItem(atPath: directory + "/jones.example.key")
        XCTAssertEqual(keygen(["jones.example", "--out", directory]).status, ExitCode.failure)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/jones.example.key"))
    }

    func testTargetMustBeAHostName() {
        for address in ["192.0.2.1", "2001:db8::1", "[2001:db8::1]"] {
            let result = keygen(["a.example", "--out", directory, "--target", address])
            XCTAssertEqual(result.status, ExitCode.usage, address)
            XCTAssertTrue(
                result.err.first?.contains("is an IP address, but an SRV record points to a host name") == true,
                "\(result.err)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [], "nothing written")
        let named = keygen(["a.example", "--out", directory, "--target", "relay.a.example"])
        XCTAssertEqual(named.status, ExitCode.ok, "\(named.err)")
        XCTAssertTrue(named.out.contains("_xmpp-server._tcp.a.example. 3600 IN SRV 0 5 5269 relay.a.example."))
    }

    func testPrintsAbsolutePathsForARelativeOutDirectory() throws {
        let previous = FileManager.default.currentDirectoryPath
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        try FileManager.default.createDirectory(atPath: directory + "/keys", withIntermediateDirectories: false)
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(directory))
        let cwd = FileManager.default.currentDirectoryPath
        let result = keygen(["b.example", "--out", "./keys/"])
        XCTAssertEqual(result.status, ExitCode.ok, "\(result.err)")
        XCTAssertTrue(result.out.contains("certificate = \"\(cwd)/keys/b.example.crt\""), "\(result.out)")
        XCTAssertTrue(result.out.contains("key = \"\(cwd)/keys/b.example.key\""), "\(result.out)")
        XCTAssertTrue(result.out.first?.hasPrefix("wrote \(cwd)/keys/b.example.key") == true, "\(result.out)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/keys/b.example.crt"))
        let here = keygen(["c.example"])
        XCTAssertTrue(here.out.contains("key = \"\(cwd)/c.example.key\""), "\(here.out)")
    }

    func testUsageErrors() {
        XCTAssertEqual(keygen([]).status, ExitCode.usage)
        XCTAssertEqual(keygen(["bad_domain!"]).status, ExitCode.usage)
        XCTAssertEqual(keygen(["a.example", "b.example"]).status, ExitCode.usage)
        XCTAssertEqual(keygen(["a.example", "--out"]).status, ExitCode.usage)
        XCTAssertEqual(keygen(["a.example", "--frobnicate"]).status, ExitCode.usage)
        let missing = keygen(["a.example", "--out", directory + "/nope"])
        XCTAssertEqual(missing.status, ExitCode.usage)
        XCTAssertTrue(missing.err.first?.contains("mkdir -p") == true)
        XCTAssertEqual(KeygenCommand.Options.hostName("Smith.Example.", wildcard: false), "smith.example")
        XCTAssertEqual(KeygenCommand.Options.hostName("*.smith.example", wildcard: true), "*.smith.example")
        XCTAssertNil(KeygenCommand.Options.hostName("*.smith.example", wildcard: false))
        XCTAssertNil(KeygenCommand.Options.hostName("-a.example", wildcard: false))
        XCTAssertNil(KeygenCommand.Options.hostName("a..example", wildcard: false))
    }
}
