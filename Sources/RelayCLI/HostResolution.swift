import EventLoop

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Turns a host name or IP literal into addresses for one-shot commands (`pin`): the system
/// resolver through getaddrinfo, blocking, which is fine for a command and never used by the daemon.
enum HostResolution {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func addresses(host: String, port: UInt16) throws(Failure) -> [SocketAddress] {
        if let literal = SocketAddress(ipAddress: host, port: port) { return [literal] }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var found: [SocketAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let raw = current.pointee.ai_addr {
                if current.pointee.ai_family == AF_INET6 {
                    let address = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    let bytes = withUnsafeBytes(of: address) { Array($0) }
                    if let socket = SocketAddress(ipBytes: bytes, port: port) { found.append(socket) }
                } else if current.pointee.ai_family == AF_INET {
                    let address = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
                    let bytes = withUnsafeBytes(of: address) { Array($0) }
                    if let socket = SocketAddress(ipBytes: bytes, port: port) { found.append(socket) }
                }
            }
            entry = current.pointee.ai_next
        }
        guard !found.isEmpty else { throw Failure(description: "\(host) has no IPv4 or IPv6 address") }
        var unique: [SocketAddress] = []
        for address in found where !unique.contains(address) { unique.append(address) }
        return unique
    }
}
