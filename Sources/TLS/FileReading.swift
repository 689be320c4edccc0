#if canImport(Glibc)
    import Glibc
#endif

/// Reads a whole file with plain POSIX calls (no Foundation), naming the file in every error.
func readWholeFile(_ path: String) throws(TLSError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
        let err = errno
        if err == ENOENT || err == ENOTDIR {
            throw TLSError(.fileMissing, "\(path): file does not exist")
        }
        throw TLSError(.fileUnreadable, "\(path): cannot open: \(String(cString: strerror(err)))")
    }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            let err = errno
            if err == EINTR { continue }
            throw TLSError(.fileUnreadable, "\(path): cannot read: \(String(cString: strerror(err)))")
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
        if bytes.count > 16 << 20 {
            throw TLSError(.fileUnreadable, "\(path): larger than 16 MB, not a certificate or key file")
        }
    }
    return bytes
}

/// Whether bytes look like PEM text rather than DER.
func looksLikePEM(_ bytes: [UInt8]) -> Bool {
    let marker = Array("-----BEGIN".utf8)
    guard bytes.count >= marker.count else { return false }
    var index = 0
    while index + marker.count <= bytes.count {
        if bytes[index] == marker[0] && Array(bytes[index..<index + marker.count]) == marker { return true }
        index += 1
    }
    return false
}

/// mbedTLS only recognises PEM when the trailing NUL is part of the length (else -0x2180).
func withParseableBuffer<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
    var buffer = bytes
    if looksLikePEM(bytes) && bytes.last != 0 { buffer.append(0) }
    return buffer.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
}
