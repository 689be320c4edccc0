#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// sd_notify(3) without libsystemd: one `KEY=VALUE` line per field in one datagram to the Unix
/// socket systemd named in NOTIFY_SOCKET (a path, or `@name` for the abstract namespace). The
/// socket is non-blocking, so a stuck service manager can never stall the event loop: a datagram
/// that does not fit is a failure like any other, reported to the caller.
final class SystemdNotify {
    let socketName: String
    private let address: sockaddr_un
    private let addressLength: socklen_t
    private var fd: Int32 = -1

    struct Failure: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    /// Checks `name` (NOTIFY_SOCKET's value); the socket itself is opened on the first send.
    init(socket name: String) throws(Failure) {
        var bytes = Array(name.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        guard abstract || bytes.first == UInt8(ascii: "/") else {
            throw Failure(
                description: "NOTIFY_SOCKET=\(name) is neither an absolute path nor @abstract (vsock is not supported)")
        }
        if abstract { bytes[0] = 0 }
        var address = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        // A path needs its terminating NUL inside sun_path; an abstract name is counted by length.
        guard bytes.count + (abstract ? 0 : 1) <= capacity, bytes.count > 1 else {
            throw Failure(
                description: "NOTIFY_SOCKET=\(name) does not fit a Unix socket address (\(capacity - 1) bytes)")
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (index, byte) in bytes.enumerated() { path[index] = byte }
        }
        socketName = name
        self.address = address
        addressLength = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Sends `fields` (e.g. `[("READY", "1"), ("STATUS", "…")]`) as one datagram. A newline inside
    /// a value would start a field of its own, so it is sent as a space.
    func send(_ fields: [(String, String)]) -> Failure? {
        if fd < 0 {
            fd = socket(
                AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return failure("socket(AF_UNIX, SOCK_DGRAM)") }
        }
        var message = ""
        for (key, value) in fields {
            message += key + "=" + String(value.map { $0 == "\n" || $0 == "\r\n" ? " " : $0 }) + "\n"
        }
        let bytes = Array(message.utf8)
        var address = self.address
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, addressLength)
                }
            }
        }
        guard sent >= 0 else { return failure("sendto") }
        guard sent == bytes.count else {
            return Failure(description: "sendto \(socketName): sent \(sent) of \(bytes.count) bytes")
        }
        return nil
    }

    private func failure(_ call: String) -> Failure {
        let code = errno
        return Failure(description: "\(call) \(socketName): \(String(cString: strerror(code)))")
    }
}
