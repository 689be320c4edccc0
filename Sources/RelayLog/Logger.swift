#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where finished log lines go. The daemon writes to stderr (journald captures it); tests collect.
public protocol LogSink: AnyObject {
    func write(line: String, level: LogLevel)
}

/// Writes each line to stderr with a single write(2), so concurrent writers never interleave a line.
/// When stderr is the journal (JournalStream), each line starts with its syslog priority.
public final class StandardErrorSink: LogSink {
    private let prefixesPriority: Bool

    public init(prefixesPriority: Bool = JournalStream.isStandardError()) {
        self.prefixesPriority = prefixesPriority
    }

    public func write(line: String, level: LogLevel) {
        var bytes: [UInt8] = []
        if prefixesPriority { bytes += JournalStream.priorityPrefix(level).utf8 }
        bytes += line.utf8
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(2, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                return  // Nowhere left to report a failing stderr.
            }
            offset += written
        }
    }
}

/// Keeps lines in memory; for tests and for commands that print what they would log.
public final class MemorySink: LogSink {
    public private(set) var lines: [String] = []
    public init() {}
    public func write(line: String, level: LogLevel) { lines.append(line) }
}

/// The relay's logger: logfmt events with stable names (DESIGN.md §8). Stanza bodies and secrets are
/// never passed in; callers log domains, addresses and reasons.
public final class Logger {
    /// The level lives behind a pointer so that `isEnabled`, inlined into hot paths such as the
    /// router's per-stanza debug guard, is one load and one compare. A stored `var` costs a
    /// swift_beginAccess exclusivity check and a call per check (seen in the -O assembly).
    @usableFromInline let threshold: UnsafeMutablePointer<Int>

    public var level: LogLevel {
        get { LogLevel(rawValue: threshold.pointee) ?? .info }
        set { threshold.pointee = newValue.rawValue }
    }
    public let sink: LogSink
    /// Unix seconds now; injected so tests get fixed timestamps.
    private let now: () -> Int64

    public init(
        level: LogLevel = .info, sink: LogSink = StandardErrorSink(),
        now: @escaping () -> Int64 = Logger.wallClockSeconds
    ) {
        threshold = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        threshold.initialize(to: level.rawValue)
        self.sink = sink
        self.now = now
    }

    /// Inlinable so a guarded debug line costs a load and a compare on hot paths when debug is off.
    @inlinable
    public func isEnabled(_ level: LogLevel) -> Bool { level.rawValue >= threshold.pointee }

    deinit { threshold.deallocate() }

    public func log(_ level: LogLevel, _ event: String, _ fields: [(String, String)] = []) {
        guard isEnabled(level) else { return }
        sink.write(
            line: Logfmt.line(
                timestamp: Timestamp.rfc3339(unixSeconds: now()), level: level, event: event, fields: fields),
            level: level)
    }

    public func debug(_ event: String, _ fields: [(String, String)] = []) { log(.debug, event, fields) }
    public func info(_ event: String, _ fields: [(String, String)] = []) { log(.info, event, fields) }
    public func warn(_ event: String, _ fields: [(String, String)] = []) { log(.warn, event, fields) }
    public func error(_ event: String, _ fields: [(String, String)] = []) { log(.error, event, fields) }

    public static func wallClockSeconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
