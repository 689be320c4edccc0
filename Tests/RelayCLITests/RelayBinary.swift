import Foundation
import XCTest

/// Runs the built `xmpp-relay` executable, which SwiftPM puts next to the test bundle.
struct RelayBinary {
    let path: String

    init() throws {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        path = bundle.appendingPathComponent("xmpp-relay").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no xmpp-relay executable next to the tests at \(path)")
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
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
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
