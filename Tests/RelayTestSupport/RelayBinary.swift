import Foundation

/// The built `xmpp-relay` executable, which SwiftPM puts next to the test bundle. In the arm64 CI
/// leg the tests run under qemu-user; the leg names the emulator and sysroot in
/// XMPP_RELAY_TEST_EMULATOR / XMPP_RELAY_TEST_SYSROOT, and the relay is started through them.
/// Shared by every test target that runs the real binary.
///
/// This is a plain target, so every `swift build` compiles it, also `-c release
/// --static-swift-stdlib` where XCTest does not exist: it must not import XCTest. A relay that
/// cannot be found or started is a `RelayUnavailable` error (a test failure); whether to skip is
/// the test's decision (see `emulator`).
public struct RelayBinary {
    public let path: String
    private let launcher: [String]

    /// The emulator the relay runs under (qemu-user in the arm64 leg), or nil when it runs natively.
    /// Tests bound by time or memory skip under it: there the relay runs many times slower and
    /// /proc shows the emulator's memory, so the figures would be qemu's. What they check runs
    /// natively in the host and trixie legs.
    public static var emulator: String? {
        guard let emulator = ProcessInfo.processInfo.environment["XMPP_RELAY_TEST_EMULATOR"], !emulator.isEmpty else {
            return nil
        }
        return emulator
    }

    public init() throws {
        // /proc/self/exe is the test bundle itself, also under qemu-user (argv[0] may be relative).
        let bundle =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        path = URL(fileURLWithPath: bundle).deletingLastPathComponent().appendingPathComponent("xmpp-relay").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw RelayUnavailable(description: "no xmpp-relay executable next to the tests at \(path)")
        }
        if let emulator = Self.emulator {
            let sysroot = ProcessInfo.processInfo.environment["XMPP_RELAY_TEST_SYSROOT"]
            launcher = [emulator] + (sysroot.map { ["-L", $0] } ?? [])
        } else {
            launcher = []
        }
    }

    public struct Finished {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// A `Process` for `xmpp-relay ARGUMENTS` (through the emulator where there is one), not started.
    public func process(_ arguments: [String], environment: [String: String] = [:]) -> Process {
        let process = Process()
        let command = launcher + [path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        return process
    }

    /// Starts the relay with both outputs piped; collect the result with `finish`.
    public func start(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = process(arguments, environment: environment)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw RelayUnavailable(
                description:
                    "cannot execute \(path) here (\(error)): a cross-built binary needs XMPP_RELAY_TEST_EMULATOR")
        }
        return (process, out, err)
    }

    public func finish(_ started: (Process, Pipe, Pipe)) -> Finished {
        let (process, out, err) = started
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Finished(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs to completion (keygen, check-config and the like).
    public func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Finished {
        finish(try start(arguments, environment: environment))
    }
}

/// Waits (bounded) until `condition` holds, polling; for output a child process has yet to write.
public func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}
