import Foundation
import XCTest

/// One `xmpp-relay run --config FILE` child process (the binary SwiftPM puts next to the test
/// bundle; under qemu-user through XMPP_RELAY_TEST_EMULATOR/XMPP_RELAY_TEST_SYSROOT), its log read
/// as it comes. Stopped by PID with SIGTERM (then SIGKILL) when the test ends.
final class RelayProcess {
    static func binaryPath() throws -> (path: String, launcher: [String]) {
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        let path = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("xmpp-relay").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no xmpp-relay executable next to the tests at \(path)")
        }
        let environment = ProcessInfo.processInfo.environment
        var launcher: [String] = []
        if let emulator = environment["XMPP_RELAY_TEST_EMULATOR"], !emulator.isEmpty {
            launcher = [emulator] + (environment["XMPP_RELAY_TEST_SYSROOT"].map { ["-L", $0] } ?? [])
        }
        return (path, launcher)
    }

    /// Runs the binary to completion (keygen and the like) and returns its stdout.
    static func run(_ arguments: [String]) throws -> String {
        let (path, launcher) = try binaryPath()
        let process = Process()
        let command = launcher + [path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

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

    private let process = Process()
    private let collector = Collector()

    init(config: String) throws {
        let (path, launcher) = try Self.binaryPath()
        let command = launcher + [path, "run", "--config", config, "--log-level", "debug"]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        let collector = self.collector
        err.fileHandleForReading.readabilityHandler = { handle in collector.append(handle.availableData) }
        do {
            try process.run()
        } catch {
            throw XCTSkip("cannot execute \(path) here (\(error))")
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var log: String { collector.value }

    var isRunning: Bool { process.isRunning }

    /// Log lines of `event` (the `event=NAME ` field).
    func lines(_ event: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter {
            $0.contains(" event=\(event) ") || $0.hasSuffix(" event=\(event)")
        }
    }

    /// Waits (bounded) for a log line of `event` containing every one of `parts`.
    @discardableResult
    func waitFor(_ event: String, _ parts: [String] = [], timeout: TimeInterval = 15) -> String? {
        var found: String?
        _ = eventually(timeout: timeout) {
            found = lines(event).first { line in parts.allSatisfy { line.contains($0) } }
            return found != nil || !process.isRunning
        }
        if found == nil { found = lines(event).first { line in parts.allSatisfy { line.contains($0) } } }
        return found
    }

    /// SIGTERM, then waits (bounded) for the exit; SIGKILL if it does not come. Returns the status.
    @discardableResult
    func stop(timeout: TimeInterval = 10) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, SIGTERM)
        if eventually(timeout: timeout, { !self.process.isRunning }) {
            process.waitUntilExit()
            return process.terminationStatus
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return nil
    }
}

/// Waits (bounded) until `condition` holds, polling.
func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// A loopback port free right now (bound to port 0, then released).
func freeLoopbackPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}
