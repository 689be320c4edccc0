#if canImport(Glibc)
    import Glibc
#endif

/// The server under test: `xmpp-relay run --config FILE` (or Prosody, ProsodyBed) as a child
/// process, its stderr (the relay's log) in a file. Stopped by PID with SIGTERM, then SIGKILL.
final class RelayChild {
    let pid: pid_t
    let logPath: String
    private var exited = false

    convenience init(binary: String, config: String, logPath: String, logLevel: String) throws(LoadError) {
        try self.init(
            arguments: [binary, "run", "--config", config, "--log-level", logLevel], logPath: logPath,
            stderrPath: logPath)
    }

    /// Any server: `arguments[0]` is the program, its stderr goes to `stderrPath`, and `log`
    /// reads `logPath` (the same file for the relay; Prosody writes its own log file).
    init(arguments: [String], logPath: String, stderrPath: String) throws(LoadError) {
        self.logPath = logPath
        let binary = arguments[0]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, binary, &actions, nil, &argv, environ)
        guard status == 0 else {
            throw LoadError(
                "cannot start \(binary): \(String(cString: strerror(status))) (build it: swift build -c release)")
        }
        pid = child
    }

    deinit { stop() }

    var log: String { readText(logPath) }

    var isRunning: Bool {
        if exited { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// Waits (bounded, polling the log file) for a log line containing `marker`.
    func waitForLog(_ marker: String, seconds: Double = 15) -> Bool {
        let deadline = monotonicSeconds() + seconds
        while monotonicSeconds() < deadline {
            if log.contains(marker) { return true }
            if !isRunning { return false }
            usleep(20_000)
        }
        return log.contains(marker)
    }

    /// `kill -9`: the relay gets no chance to finish anything (the crash test).
    func killHard() {
        guard isRunning else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exited = true
    }

    func stop(seconds: Double = 10) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = monotonicSeconds() + seconds
        while isRunning && monotonicSeconds() < deadline { usleep(20_000) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exited = true
        }
    }
}

/// A loopback port free right now (bound to port 0, then released).
func freeLoopbackPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
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
