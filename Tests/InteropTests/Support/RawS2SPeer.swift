import Foundation
import RelayTestSupport

/// Fixtures/s2s_raw_peer.py as a child process: a plaintext-only s2s listener, a client that
/// authenticates by SASL EXTERNAL and sends one stanza, or one that asks for dialback. Its output goes to a file the test polls;
/// stopped by PID.
final class RawS2SPeer {
    private let process = Process()
    private let directory: String
    let outputPath: String

    static var scriptPath: String { InteropTools.fixturesDirectory + "/s2s_raw_peer.py" }

    /// Listens on address:port and offers no STARTTLS to whoever connects.
    static func plaintextListener(address: String, port: Int, domain: String) throws -> RawS2SPeer {
        let peer = try RawS2SPeer(["listen-plaintext", address, String(port), domain])
        guard eventually(timeout: 5, { InteropTools.isListening(address, port) }) else {
            peer.stop()
            throw InteropSetupError("the plaintext s2s listener did not come up: \(peer.output)")
        }
        return peer
    }

    /// Connects to address:port as `from` with its certificate, authenticates and sends `stanza`.
    static func saslClient(
        address: String, port: Int, from: String, to: String, certificate: TestCertificate, stanza: String
    ) throws -> RawS2SPeer {
        try RawS2SPeer([
            "sasl-client", address, String(port), from, to, certificate.certificatePath, certificate.keyPath, stanza,
        ])
    }

    /// Connects to address:port as `from` with its certificate and asks for dialback, so the server
    /// opens a verification stream towards `from`'s authoritative server.
    static func dialbackClient(
        address: String, port: Int, from: String, to: String, certificate: TestCertificate
    ) throws -> RawS2SPeer {
        try RawS2SPeer([
            "dialback-client", address, String(port), from, to, certificate.certificatePath, certificate.keyPath,
        ])
    }

    private init(_ arguments: [String]) throws {
        directory = try InteropTools.makeDirectory("xr-raw-s2s")
        outputPath = directory + "/output"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [Self.scriptPath] + arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    @discardableResult
    func waitForOutput(containing text: String, timeout: TimeInterval = 15) -> Bool {
        eventually(timeout: timeout) { output.contains(text) }
    }

    func stop() {
        guard process.isRunning else { return }
        InteropTools.stop(pid: process.processIdentifier, grace: 2)
        process.waitUntilExit()
    }
}
