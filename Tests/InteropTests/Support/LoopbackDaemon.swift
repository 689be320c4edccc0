import Foundation
import RelayTestSupport

/// A server a test runs on loopback (Prosody, ejabberd) through a launcher that stays in the
/// foreground (runuser, unshare + su): its output goes to a startup log, it counts as up once its
/// pidfile names a process and all its ports accept connections, it is stopped by that PID (and the
/// launcher by its own if it outlives it), and it is read through its log file.
final class LoopbackDaemon {
    /// For messages: "Prosody", "ejabberd".
    let name: String
    let directory: String
    let logPath: String
    let pidPath: String
    /// Seconds between SIGTERM and SIGKILL.
    let grace: TimeInterval
    private(set) var pid: pid_t = 0
    private var launcher: Process?

    init(name: String, directory: String, logPath: String, pidPath: String, grace: TimeInterval) {
        self.name = name
        self.directory = directory
        self.logPath = logPath
        self.pidPath = pidPath
        self.grace = grace
    }

    deinit { stop() }

    /// Runs `executable` with `arguments` and waits until the pidfile exists and every port in
    /// `ports` on `address` accepts connections; else stops what started and says what it printed.
    func start(
        _ executable: String, _ arguments: [String], address: String, ports: [Int], timeout: TimeInterval
    ) throws {
        let launcher = Process()
        self.launcher = launcher
        launcher.executableURL = URL(fileURLWithPath: executable)
        launcher.arguments = arguments
        let startupLog = directory + "/startup.out"
        _ = FileManager.default.createFile(atPath: startupLog, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: startupLog))
        launcher.standardOutput = output
        launcher.standardError = output
        launcher.standardInput = FileHandle.nullDevice
        try launcher.run()
        let up = eventually(timeout: timeout) {
            if pid == 0, let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
                let number = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                pid = number
            }
            return pid != 0 && ports.allSatisfy { InteropTools.isListening(address, $0) }
        }
        try? output.close()
        guard up else {
            let said = (try? String(contentsOfFile: startupLog, encoding: .utf8)) ?? ""
            stop()
            throw InteropSetupError(
                "\(name) did not come up on \(address) \(ports) within \(timeout) s; \(said.suffix(2000)) see \(logPath)"
            )
        }
    }

    /// SIGTERM, SIGKILL after `grace` seconds. The launcher exits with the server; without a
    /// pidfile (start failed) it is stopped directly.
    func stop() {
        if pid != 0 { InteropTools.stop(pid: pid, grace: grace) }
        pid = 0
        if let launcher, launcher.isRunning {
            if !eventually(timeout: 3, { !launcher.isRunning }) {
                InteropTools.stop(pid: launcher.processIdentifier, grace: 2)
            }
        }
        launcher = nil
    }
}

/// Prosody and ejabberd read the same way: through their `LoopbackDaemon`.
protocol LoopbackServer: AnyObject {
    var daemon: LoopbackDaemon { get }
}

extension LoopbackServer {
    var pid: pid_t { daemon.pid }
    var directory: String { daemon.directory }
    var logPath: String { daemon.logPath }
    var isRunning: Bool { daemon.pid != 0 && InteropTools.isAlive(daemon.pid) }

    func stop() { daemon.stop() }

    /// Stops the server and removes its directory.
    func remove() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Every line of the server's log so far.
    var logLines: [String] {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    func logLines(containing text: String) -> [String] { logLines.filter { $0.contains(text) } }

    /// Polls the log until a line contains `text`; false after `timeout` seconds.
    @discardableResult
    func waitForLog(containing text: String, timeout: TimeInterval = 20) -> Bool {
        eventually(timeout: timeout) { !logLines(containing: text).isEmpty }
    }

    /// The last lines of the log, for failure messages.
    func logTail(_ count: Int = 60) -> String { logLines.suffix(count).joined(separator: "\n") }
}
