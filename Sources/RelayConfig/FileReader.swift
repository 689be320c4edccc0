#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What a file-system call said, as the operator should read it.
struct FileProblem: Error {
    /// errno's text, e.g. "No such file or directory".
    let reason: String
    let errorNumber: Int32

    init(errorNumber: Int32) {
        self.errorNumber = errorNumber
        self.reason = String(cString: strerror(errorNumber))
    }

    init(reason: String) {
        self.errorNumber = 0
        self.reason = reason
    }
}

/// Small Glibc file helpers (no Foundation in the daemon).
enum FileSystem {
    /// Configuration files are small; anything bigger is almost surely the wrong file.
    static let maximumConfigBytes = 1 << 20

    /// Reads a whole regular file.
    static func readFile(_ path: String, limit: Int = maximumConfigBytes) -> Result<[UInt8], FileProblem> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileProblem(errorNumber: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(FileProblem(errorNumber: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(
                FileProblem(reason: info.st_mode & S_IFMT == S_IFDIR ? "it is a directory" : "not a regular file"))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { readSome(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(FileProblem(errorNumber: errno))
            }
            if count == 0 { return .success(bytes) }
            bytes += chunk[0..<count]
            if bytes.count > limit {
                return .failure(
                    FileProblem(reason: "it is larger than \(limit / 1024) KB, too big to be a configuration"))
            }
        }
    }

    /// Opens `path` for reading and returns its mode bits, proving it is a readable regular file.
    static func readableFileMode(_ path: String) -> Result<mode_t, FileProblem> {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return .failure(FileProblem(errorNumber: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(FileProblem(errorNumber: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return .failure(
                FileProblem(reason: info.st_mode & S_IFMT == S_IFDIR ? "it is a directory" : "not a regular file"))
        }
        return .success(info.st_mode)
    }

    /// nil when `path` does not exist; its file type bits otherwise.
    static func fileType(_ path: String) -> Result<mode_t?, FileProblem> {
        var info = stat()
        if stat(path, &info) == 0 { return .success(info.st_mode & S_IFMT) }
        if errno == ENOENT { return .success(nil) }
        return .failure(FileProblem(errorNumber: errno))
    }
}

/// read(2), reachable from inside `FileSystem` (whose own `readFile` would shadow the name).
private func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
