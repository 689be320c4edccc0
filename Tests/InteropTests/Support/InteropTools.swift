import Foundation
import RelayTestSupport
import XCTest

/// What went wrong while setting up a real peer, with what to check.
struct InteropSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Small helpers shared by the harness: running tools, free ports, bounded polling, stopping by PID.
enum InteropTools {
    /// Runs a tool to completion and returns its stdout; throws with its stderr when it fails.
    @discardableResult
    static func run(
        _ path: String, _ arguments: [String], inDirectory directory: String? = nil,
        environment: [String: String]? = nil
    ) throws -> String {
        let tool = Process()
        if let directory { tool.currentDirectoryURL = URL(fileURLWithPath: directory) }
        tool.executableURL = URL(fileURLWithPath: path)
        tool.arguments = arguments
        if let environment { tool.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        tool.standardOutput = output
        tool.standardError = errors
        tool.standardInput = FileHandle.nullDevice
        try tool.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        tool.waitUntilExit()
        guard tool.terminationStatus == 0 else {
            throw InteropSetupError(
                "\(path) \(arguments.joined(separator: " ")) exited \(tool.terminationStatus): \(errorText)")
        }
        return text
    }

    /// Runs a shell pipeline (fixed text from the harness, never test input from outside).
    @discardableResult
    static func shell(_ script: String) throws -> String {
        try run("/bin/sh", ["-c", script])
    }

    /// A port the kernel just handed out on `address`, free for TCP and UDP at that moment.
    static func freePort(on address: String = "127.0.0.1") throws -> Int {
        for _ in 0..<20 {
            let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(tcp) }
            var socketAddress = sockaddr_in(address: address, port: 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(tcp, $0, length) == 0 && getsockname(tcp, $0, &length) == 0
                }
            }
            guard bound else { continue }
            let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(udp) }
            let udpFree = withUnsafeMutablePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(udp, $0, length) == 0 }
            }
            if udpFree { return Int(UInt16(bigEndian: socketAddress.sin_port)) }
        }
        throw InteropSetupError("no free port on \(address)")
    }

    /// True when something accepts TCP connections on address:port.
    static func isListening(_ address: String, _ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var socketAddress = sockaddr_in(address: address, port: port)
        return withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// True while `pid` names a live process (a zombie counts as gone).
    static func isAlive(_ pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
        return state != "Z" && state != "X"
    }

    /// SIGTERM, then SIGKILL if the process is still there after `grace` seconds.
    static func stop(pid: pid_t, grace: TimeInterval = 5) {
        guard isAlive(pid) else { return }
        kill(pid, SIGTERM)
        if eventually(timeout: grace, { !isAlive(pid) }) { return }
        kill(pid, SIGKILL)
        _ = eventually(timeout: 2) { !isAlive(pid) }
    }

    /// A fresh world-traversable directory under the system temporary directory.
    static func makeDirectory(_ prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "\(prefix)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return path
    }

    static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    /// Hands a file or directory tree to the `prosody` user (Prosody runs as that user).
    static func giveToProsody(_ path: String) throws {
        try run("/bin/chown", ["-R", "prosody:prosody", path])
    }

    /// The repository checkout this file belongs to.
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    static var fixturesDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures").path
    }
}

extension sockaddr_in {
    init(address: String, port: Int) {
        self.init()
        sin_family = sa_family_t(AF_INET)
        sin_addr.s_addr = inet_addr(address)
        sin_port = UInt16(port).bigEndian
    }
}
