import Foundation
import XCTest

/// Runs the built `xmpp-relay` executable, which SwiftPM puts next to the test bundle. In the
/// arm64 CI leg the tests run under qemu-user; the leg names the emulator and sysroot in
/// XMPP_RELAY_TEST_EMULATOR / XMPP_RELAY_TEST_SYSROOT, and the relay is started through them.
struct RelayBinary {
    let path: String
    private let launcher: [String]

    init() throws {
        // /proc/self/exe is the test bundle itself, also under qemu-user (argv[0] may be relative).
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        path = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("xmpp-relay").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no xmpp-relay executable next to the tests at \(path)")
        }
        let environment = ProcessInfo.processInfo.environment
        if let emulator = environment["XMPP_RELAY_TEST_EMULATOR"], !emulator.isEmpty {
            launcher = [emulator] + (environment["XMPP_RELAY_TEST_SYSROOT"].map { ["-L", $0] } ?? [])
        } else {
            launcher = []
        }
    }

    struct Finished {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Starts the relay; the caller signals it and collects the result with `finish`.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        let command = launcher + [path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw XCTSkip("cannot execute \(path) here (\(error)): cross-built binaries run only on their own machine")
        }
        return (process, out, err)
    }

    func finish(_ started: (Process, Pipe, Pipe)) -> Finished {
        let (process, out, err) = started
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Finished(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Finished {
        finish(try start(arguments, environment: environment))
    }
}

/// Waits (bounded) until `condition` holds, polling; for output a child process has yet to write.
func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
