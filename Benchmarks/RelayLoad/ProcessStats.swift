#if canImport(Glibc)
    import Glibc
#endif

/// CPU and memory of a process as /proc shows them (Linux only).
struct ProcessStats {
    /// utime + stime, in seconds (clock-tick resolution, usually 10 ms).
    var cpuSeconds: Double
    /// VmRSS and RssAnon, in KB.
    var rssKB: Int
    var rssAnonKB: Int

    static func of(_ pid: pid_t) -> ProcessStats {
        ProcessStats(cpuSeconds: cpu(pid), rssKB: status(pid, "VmRSS:"), rssAnonKB: status(pid, "RssAnon:"))
    }

    /// Fields 14 and 15 of /proc/PID/stat (counted after the parenthesised command name).
    private static func cpu(_ pid: pid_t) -> Double {
        let text = readText("/proc/\(pid)/stat")
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func status(_ pid: pid_t, _ key: String) -> Int {
        for line in readText("/proc/\(pid)/status").split(separator: "\n") where line.hasPrefix(key) {
            let value = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
            return Int(value ?? "") ?? 0
        }
        return 0
    }
}

/// This process's own CPU time (user + system), in seconds.
func ownCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Wall-clock seconds on the monotonic clock.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// The whole of a (small) file as text; "" when it cannot be read.
func readText(_ path: String) -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Writes `text` to `path` (created or truncated) with `mode`.
func writeText(_ path: String, _ text: String, mode: mode_t = 0o600) throws(LoadError) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw LoadError("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { throw LoadError("cannot write \(path): \(String(cString: strerror(errno)))") }
        offset += written
    }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
