import Foundation
import RelayTestSupport
import XCTest

/// `xmpp-relay pin` against TLS stacks nobody here wrote: openssl s_server (direct TLS) and
/// Python's ssl behind a scripted s2s STARTTLS exchange. The printed pin must equal openssl's digest.
final class PinCommandTests: XCTestCase {
    private var directory = ""
    private var certificate = ""
    private var key = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "xmpp-relay-pin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        certificate = directory + "/peer.crt"
        key = directory + "/peer.key"
        try shell(
            "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout \(key) -out \(certificate) "
                + "-days 30 -subj /CN=peer.example -addext subjectAltName=DNS:peer.example 2>/dev/null")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    @discardableResult
    private func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw XCTSkip("'\(command)' failed; is openssl installed?") }
        return String(decoding: output, as: UTF8.self)
    }

    private var expectedPin: String {
        get throws {
            let digest = try shell(
                "openssl x509 -in \(certificate) -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256"
            )
            return "3 1 1 " + (digest.split(separator: "=").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// Starts a helper server that prints its port on its first line.
    private func startServer(_ executable: String, _ arguments: [String]) throws -> (Process, Int) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw XCTSkip("\(executable) is not installed (Debian package python3)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let byte = pipe.fileHandleForReading.readData(ofLength: 1)
            guard !byte.isEmpty else { break }
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            process.terminate()
            throw XCTSkip("helper server did not start")
        }
        return (process, port)
    }

    func testDirectTLSAgainstOpenSSL() throws {
        let binary = try RelayBinary()
        let port = 20_000 + Int(getpid() % 20_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        server.arguments = [
            "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-quiet", "-naccept", "1",
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        var result = try binary.run(["pin", "127.0.0.1:\(port)", "--sni", "peer.example"])
        for _ in 0..<50 where result.status == 1 && result.stderr.contains("refused") {
            usleep(100_000)  // s_server is still binding
            result = try binary.run(["pin", "127.0.0.1:\(port)", "--sni", "peer.example"])
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("pin:      \(try expectedPin)\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("names:    DNS:peer.example"), result.stdout)
        XCTAssertTrue(result.stdout.contains("(self-signed)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("pins = [\"\(try expectedPin)\"]"), result.stdout)
    }

    func testSTARTTLSAgainstAScriptedServer() throws {
        let binary = try RelayBinary()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/starttls-server.py"
        ).path
        let (server, port) = try startServer("/usr/bin/python3", [script, certificate, key])
        defer { if server.isRunning { server.terminate() } }
        let result = try binary.run(["pin", "127.0.0.1:\(port)", "--starttls", "peer.example"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("pin:      \(try expectedPin)\n"), result.stdout)
    }

    func testServerWithoutSTARTTLSIsReported() throws {
        let binary = try RelayBinary()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/starttls-server.py"
        ).path
        let (server, port) = try startServer("/usr/bin/python3", [script, certificate, key, "--no-starttls"])
        defer { if server.isRunning { server.terminate() } }
        let result = try binary.run(["pin", "127.0.0.1:\(port)", "--starttls", "peer.example"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("starttls: the server does not offer STARTTLS"), result.stderr)
    }

    func testDirectTLSToAStartTLSPortShowsTheStreamErrorAndSuggestsStartTLS() throws {
        let binary = try RelayBinary()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/starttls-server.py"
        ).path
        let (server, port) = try startServer("/usr/bin/python3", [script, certificate, key, "--plaintext-error"])
        defer { if server.isRunning { server.terminate() } }
        let result = try binary.run(["pin", "127.0.0.1:\(port)", "--timeout", "5"])
        XCTAssertEqual(result.status, 1, result.stdout)
        XCTAssertTrue(
            result.stderr.contains(
                "tls: the server answered TLS with plaintext XMPP: it sent the stream error not-well-formed: "
                    + "expected an XML stream here"), result.stderr)
        XCTAssertTrue(result.stderr.contains("try xmpp-relay pin 127.0.0.1:\(port) --starttls DOMAIN"), result.stderr)
    }

    func testStreamErrorBeforeSTARTTLSIsShownWithItsText() throws {
        let binary = try RelayBinary()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/starttls-server.py"
        ).path
        let (server, port) = try startServer("/usr/bin/python3", [script, certificate, key, "--stream-error"])
        defer { if server.isRunning { server.terminate() } }
        let result = try binary.run(["pin", "127.0.0.1:\(port)", "--starttls", "peer.example", "--timeout", "5"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderr.contains(
                "stream: the server sent a stream error: host-unknown: this server does not serve peer.example"),
            result.stderr)
    }

    func testRefusedConnectionAndBadUsage() throws {
        let binary = try RelayBinary()
        let refused = try binary.run(["pin", "127.0.0.1:1"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("connect: "), refused.stderr)
        XCTAssertEqual(try binary.run(["pin"]).status, 2)
        XCTAssertEqual(try binary.run(["pin", "host", "--timeout", "0"]).status, 2)
    }
}
