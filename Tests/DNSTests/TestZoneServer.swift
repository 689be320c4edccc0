import Foundation
import XCTest

/// An authoritative knot on 127.0.0.1 serving the signed test zone built by
/// Fixtures/make-test-zone.sh into a fresh temporary directory. Stopped by PID.
final class TestZoneServer {
    let directory: String
    let port: Int
    private let process: Process

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/make-test-zone.sh").path
    }

    init() throws {
        directory = NSTemporaryDirectory() + "xr-dns-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        port = try Self.freeLoopbackPort()
        try Self.runTool("/bin/sh", [Self.scriptPath, directory, String(port)])
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/knotd")
        process.arguments = ["-c", directory + "/knot.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        try waitUntilServing()
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    var trustAnchorFile: String { directory + "/trust-anchor.ds" }
    var address: String { "127.0.0.1@\(port)" }

    /// Polls with dig until the zone is served; gives up after ten seconds.
    private func waitUntilServing() throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard process.isRunning else { throw TestSetupError("knotd exited at start-up") }
            let dig = Process()
            dig.executableURL = URL(fileURLWithPath: "/usr/bin/dig")
            dig.arguments = ["@127.0.0.1", "-p", String(port), "+norec", "+time=1", "+tries=1", "xr.test.", "SOA"]
            let output = Pipe()
            dig.standardOutput = output
            dig.standardError = FileHandle.nullDevice
            try dig.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            dig.waitUntilExit()
            if text.contains("status: NOERROR") { return }
            usleep(20_000)
        }
        throw TestSetupError("knotd did not serve the test zone on port \(port)")
    }

    private static func runTool(_ path: String, _ arguments: [String]) throws {
        let tool = Process()
        tool.executableURL = URL(fileURLWithPath: path)
        tool.arguments = arguments
        tool.standardOutput = FileHandle.nullDevice
        try tool.run()
        tool.waitUntilExit()
        guard tool.terminationStatus == 0 else {
            throw TestSetupError("\(path) \(arguments.joined(separator: " ")) failed: \(tool.terminationStatus)")
        }
    }

    /// A UDP port the kernel just handed out on 127.0.0.1 (and that is free for TCP too).
    private static func freeLoopbackPort() throws -> Int {
        for _ in 0..<20 {
            let udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(udp) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(udp, $0, length) == 0 && getsockname(udp, $0, &length) == 0
                }
            }
            guard bound else { continue }
            let port = UInt16(bigEndian: address.sin_port)
            let tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(tcp) }
            let tcpFree = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(tcp, $0, length) == 0 }
            }
            if tcpFree { return Int(port) }
        }
        throw TestSetupError("no free loopback port")
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// SplitMix64: a seeded generator so weighted SRV draws are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
