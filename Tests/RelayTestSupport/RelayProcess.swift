import Foundation

/// One `xmpp-relay run --config FILE --log-level debug` child process, its log (stderr) collected
/// as it comes, stopped by PID with SIGTERM (then SIGKILL) when the test is done with it.
public final class RelayProcess {
    /// Collects the child's stderr on FileHandle's reader thread; read under the lock.
    public final class LogCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        public init() {}
        public func append(_ data: Data) {
            lock.lock()
            text += String(decoding: data, as: UTF8.self)
            lock.unlock()
        }
        public var value: String {
            lock.lock()
            defer { lock.unlock() }
            return text
        }
    }

    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
    }

    private let process: Process
    private let collector = LogCollector()
    public let configPath: String

    /// Starts the relay and waits (bounded) for its `relay.start` line; throws with its log if it
    /// does not come. With `journal`, JOURNAL_STREAM names the stderr pipe as systemd would name
    /// the journal stream, so the relay prefixes syslog priorities. `environment` adds variables
    /// (NOTIFY_SOCKET, …) to the test's own.
    public init(
        configPath: String, startTimeout: TimeInterval = 10, journal: Bool = false,
        environment extra: [String: String] = [:]
    ) throws {
        self.configPath = configPath
        let binary = try RelayBinary()
        let errors = Pipe()
        var environment = extra
        if journal {
            var info = stat()
            guard fstat(errors.fileHandleForWriting.fileDescriptor, &info) == 0 else {
                throw StartFailure(description: "fstat of the stderr pipe failed: errno \(errno)")
            }
            environment["JOURNAL_STREAM"] = "\(info.st_dev):\(info.st_ino)"
        }
        process = binary.process(["run", "--config", configPath, "--log-level", "debug"], environment: environment)
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let collector = self.collector
        errors.fileHandleForReading.readabilityHandler = { handle in collector.append(handle.availableData) }
        do {
            try process.run()
        } catch {
            throw RelayUnavailable(description: "cannot execute \(binary.path) here (\(error))")
        }
        guard waitFor("relay.start", timeout: startTimeout) != nil, process.isRunning else {
            stop()
            throw StartFailure(description: "xmpp-relay did not start with \(configPath): \(log)")
        }
    }

    deinit { stop(timeout: 5) }

    public var log: String { collector.value }
    public var isRunning: Bool { process.isRunning }
    /// The relay's process id (the emulator's under qemu-user), e.g. to read /proc/PID/status.
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Sends `signal` (e.g. SIGUSR1) to the relay.
    public func send(signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Log lines of `event` (the `event=NAME` field).
    public func lines(_ event: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter {
            $0.contains(" event=\(event) ") || $0.hasSuffix(" event=\(event)")
        }
    }

    /// Waits (bounded) for a log line of `event` containing every one of `parts`.
    @discardableResult
    public func waitFor(_ event: String, _ parts: [String] = [], timeout: TimeInterval = 15) -> String? {
        func match() -> String? { lines(event).first { line in parts.allSatisfy { line.contains($0) } } }
        var found: String?
        _ = eventually(timeout: timeout) {
            found = match()
            return found != nil || !process.isRunning
        }
        return found ?? match()
    }

    /// SIGHUP: the relay reads its configuration file again. Wait for `config.reload` to know it did.
    public func reload() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGHUP)
    }

    /// SIGTERM, then waits (bounded) for the exit; SIGKILL if it does not come. Returns the exit
    /// status, or nil when it had to be killed.
    @discardableResult
    public func stop(timeout: TimeInterval = 10) -> Int32? {
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
