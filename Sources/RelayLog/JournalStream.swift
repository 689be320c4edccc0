#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// systemd's journal reads a `<N>` syslog priority at the start of each line on a service's stderr
/// (sd-daemon(3)); with it `journalctl -p warning` finds our warnings. systemd sets JOURNAL_STREAM
/// to the "DEV:INODE" of the stream it connected, so the prefix is written only when fd 2 is still
/// that stream: a relay run by hand, or with stderr redirected by a wrapper, writes plain lines.
public enum JournalStream {
    /// The sd-daemon priority for a level: debug 7, info 6, warning 4, error 3.
    public static func priorityPrefix(_ level: LogLevel) -> String {
        switch level {
        case .debug: "<7>"
        case .info: "<6>"
        case .warn: "<4>"
        case .error: "<3>"
        }
    }

    /// True when `variable` (JOURNAL_STREAM's value) names the file whose fstat(2) gave `device`
    /// and `inode`. A missing or malformed value is not the journal.
    public static func names(_ variable: String?, device: UInt64, inode: UInt64) -> Bool {
        guard let variable else { return false }
        let parts = variable.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let streamDevice = UInt64(parts[0]), let streamInode = UInt64(parts[1]) else {
            return false
        }
        return streamDevice == device && streamInode == inode
    }

    /// True when this process's stderr is the journal stream systemd gave it.
    public static func isStandardError() -> Bool {
        guard let raw = getenv("JOURNAL_STREAM") else { return false }
        var info = stat()
        guard fstat(2, &info) == 0 else { return false }
        return names(String(cString: raw), device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}
