#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The process's memory as the kernel reports it in /proc/self/status: VmRSS is everything resident
/// (mostly file-backed binary and library pages), RssAnon is private memory, the figure that grows
/// with work. Both in KiB; nil where /proc is not available.
public struct ProcessMemory: Equatable, Sendable {
    public var residentKiB: Int
    public var anonymousKiB: Int

    public static func current() -> ProcessMemory? {
        guard let text = readSmallFile("/proc/self/status") else { return nil }
        return parse(status: text)
    }

    /// Reads `VmRSS:` and `RssAnon:` lines (`RssAnon:     512 kB`).
    public static func parse(status text: String) -> ProcessMemory? {
        var resident: Int?
        var anonymous: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { resident = kibibytes(line) }
            if line.hasPrefix("RssAnon:") { anonymous = kibibytes(line) }
        }
        guard let resident, let anonymous else { return nil }
        return ProcessMemory(residentKiB: resident, anonymousKiB: anonymous)
    }

    /// Returns freed heap pages to the kernel (glibc `malloc_trim(0)`): after a large backlog is
    /// released glibc keeps most of it, and private memory would stay high long after a flood.
    /// Found with dlsym because the Glibc module does not export <malloc.h>; a no-op elsewhere.
    public static func trimHeap() {
        #if canImport(Glibc)
            typealias Trim = @convention(c) (Int) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
            _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    private static func kibibytes(_ line: Substring) -> Int? {
        line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }

    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
