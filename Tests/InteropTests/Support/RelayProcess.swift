import Foundation
import XCTest

/// One `xmpp-relay run` child process (the binary SwiftPM builds next to the test bundle) for the
/// interop tests: its configuration written from a `RelaySetup`, its log (stderr, debug level)
/// collected as it comes, stopped by PID (SIGTERM, then SIGKILL) in tearDown.
final class RelayProcess {
    /// Collects the child's stderr on FileHandle's reader thread; read under the lock.
    private final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) {
            lock.lock()
            text += String(decoding: data, as: UTF8.self)
            lock.unlock()
        }
        var value: String {
            lock.lock()
            defer { lock.unlock() }
            return text
        }
    }

    static func binaryPath() throws -> String {
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("xmpp-relay").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no xmpp-relay executable next to the tests at \(path)")
        }
        return path
    }

    private let process = Process()
    private let collector = Collector()
    let configPath: String

    /// Starts the relay and waits (bounded) for its `relay.start` line.
    init(configPath: String) throws {
        self.configPath = configPath
        // Under qemu-user (the arm64 CI leg) the binary is started through the emulator.
        let environment = ProcessInfo.processInfo.environment
        var command = [try Self.binaryPath(), "run", "--config", configPath, "--log-level", "debug"]
        if let emulator = environment["XMPP_RELAY_TEST_EMULATOR"], !emulator.isEmpty {
            command = [emulator] + (environment["XMPP_RELAY_TEST_SYSROOT"].map { ["-L", $0] } ?? []) + command
        }
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let collector = self.collector
        errors.fileHandleForReading.readabilityHandler = { handle in collector.append(handle.availableData) }
        do {
            try process.run()
        } catch {
            throw XCTSkip("cannot execute \(command[0]) here (\(error))")
        }
        guard waitFor("relay.start", timeout: 10) != nil, process.isRunning else {
            stop()
            throw InteropSetupError("xmpp-relay did not start with \(configPath): \(log)")
        }
    }

    deinit { stop() }

    var log: String { collector.value }
    var isRunning: Bool { process.isRunning }

    /// Log lines of `event` (the `event=NAME` field).
    func lines(_ event: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter {
            $0.contains(" event=\(event) ") || $0.hasSuffix(" event=\(event)")
        }
    }

    /// Waits (bounded) for a log line of `event` containing every one of `parts`.
    @discardableResult
    func waitFor(_ event: String, _ parts: [String] = [], timeout: TimeInterval = 15) -> String? {
        var found: String?
        _ = InteropTools.waitUntil(timeout: timeout) {
            found = lines(event).first { line in parts.allSatisfy { line.contains($0) } }
            return found != nil || !process.isRunning
        }
        return found ?? lines(event).first { line in parts.allSatisfy { line.contains($0) } }
    }

    /// SIGTERM, then SIGKILL after `grace` seconds; returns the exit status when it exited.
    @discardableResult
    func stop(grace: TimeInterval = 5) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        InteropTools.stop(pid: process.processIdentifier, grace: grace)
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// What a test relay serves and how it finds and trusts peers; written out as TOML by `configText`.
struct RelaySetup {
    /// The relay's own domain: its certificate's name and its one component's domain.
    var domain: String
    var certificate: TestCertificate
    /// Each relay takes its own loopback address (127.0.0.2, 127.0.0.3…).
    var address: String
    var s2sPort: Int
    /// `[listen] s2s_direct_tls` port (XEP-0368), when the test wants one.
    var directTLSPort: Int?
    var componentPort: Int
    /// `[[peer]]` blocks as raw TOML (server, pins, allow_dialback).
    var peerBlocks: [String] = []
    /// `[tls] ca_file`: the CA bundle for PKIX (nil: the relay's default).
    var caFile: String?
    /// Extra raw TOML appended after the generated tables, e.g. `[policy]`.
    var extra = ""
    var componentSecret: String { "secret-of-\(domain)" }

    init(domain: String, certificate: TestCertificate, address: String) throws {
        self.domain = domain
        self.certificate = certificate
        self.address = address
        s2sPort = try InteropTools.freePort(on: address)
        componentPort = try InteropTools.freePort(on: address)
    }

    /// `[dns]` answers from the test zone's knot through a stub zone (the rest goes to a dead
    /// loopback port), validated with the zone's DS as the only trust anchor.
    func configText(directory: String, zone: TestZone?) -> String {
        let dns =
            zone.map {
                """
                trust_anchor = "\($0.trustAnchorFile)"
                forwarders = ["127.0.0.1@9"]
                stub_zones = ["\($0.origin)=\($0.serverAddress)"]
                """
            } ?? "trust_anchor = \"\(directory)/root.key\"\nforwarders = [\"127.0.0.1@9\"]"
        return """
            [relay]
            state_dir = "\(directory)/state-\(domain)"
            allow_root = true

            [tls]
            certificate = "\(certificate.certificatePath)"
            key = "\(certificate.keyPath)"
            \(caFile.map { "ca_file = \"\($0)\"" } ?? "")

            [dns]
            \(dns)

            [listen]
            s2s = ["\(address):\(s2sPort)"]
            s2s_direct_tls = [\(directTLSPort.map { "\"\(address):\($0)\"" } ?? "")]
            home = []
            component = ["\(address):\(componentPort)"]

            [[component]]
            domain = "\(domain)"
            secret = "\(componentSecret)"

            \(peerBlocks.joined(separator: "\n\n"))

            \(extra)

            """
    }
}
