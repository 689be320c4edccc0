#if canImport(Glibc)
    import Glibc
#endif

/// A numeric IPv4 or IPv6 address with a port, as used for listening and connecting. Printed the
/// way logs and configs write it: `127.0.0.1:5269`, `[::1]:5269`. IPv4-mapped IPv6 addresses (an
/// IPv4 peer on a `[::]` listener) are stored and printed as plain IPv4.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public let port: UInt16
    public let isIPv6: Bool
    /// The IPv6 zone (interface index) of a link-local address, else 0.
    public let scopeID: UInt32
    // The address bytes in network order: IPv4 in the first 4 bytes of `low`, IPv6 in both.
    private let high: UInt64
    private let low: UInt64

    /// Parses `IP:PORT` or `[IPv6]:PORT` (`[fe80::1%eth0]:5269` for link-local). Host names are
    /// refused with an error saying so: resolve them with the DNS module first.
    public init(parsing text: String) throws(AddressError) {
        let parts = try HostPort(parsing: text)
        guard let address = SocketAddress(ipAddress: parts.host, port: parts.port) else {
            if parts.host.contains(":") {
                throw AddressError(.invalidHost, text, "\"\(parts.host)\" is not a valid IPv6 address")
            }
            if parts.host.allSatisfy({ $0.isNumber || $0 == "." }) {
                throw AddressError(.invalidHost, text, "\"\(parts.host)\" is not a valid IPv4 address")
            }
            throw AddressError(
                .hostNameNotAllowed, text,
                "the host must be a numeric IP address here, e.g. 127.0.0.1:5269, 0.0.0.0:5269 or [::]:5269")
        }
        self = address
    }

    /// A numeric address (`192.0.2.1`, `2001:db8::1`, `fe80::1%eth0`, no brackets), or nil.
    public init?(ipAddress text: String, port: UInt16) {
        var host = Substring(text)
        var scope: UInt32 = 0
        if let percent = text.firstIndex(of: "%") {
            let zone = String(text[text.index(after: percent)...])
            scope = UInt32(zone) ?? if_nametoindex(zone)
            guard scope != 0 else { return nil }
            host = text[..<percent]
        }
        var v4 = in_addr()
        var v6 = in6_addr()
        if scope == 0, inet_pton(AF_INET, String(host), &v4) == 1 {
            self.init(ipBytes: withUnsafeBytes(of: &v4) { Array($0) }, port: port)
        } else if inet_pton(AF_INET6, String(host), &v6) == 1 {
            self.init(ipBytes: withUnsafeBytes(of: &v6) { Array($0) }, port: port, scopeID: scope)
        } else {
            return nil
        }
    }

    /// From raw address bytes in network order (4 for IPv4, 16 for IPv6), as A/AAAA records carry.
    public init?(ipBytes bytes: [UInt8], port: UInt16, scopeID: UInt32 = 0) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        var bytes = bytes
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is an IPv4 peer.
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes[12..<16])
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        if bytes.count == 4 {
            withUnsafeMutableBytes(of: &low) { $0.copyBytes(from: bytes) }
        } else {
            withUnsafeMutableBytes(of: &high) { $0.copyBytes(from: bytes[0..<8]) }
            withUnsafeMutableBytes(of: &low) { $0.copyBytes(from: bytes[8..<16]) }
        }
        self.high = high
        self.low = low
        self.port = port
        self.isIPv6 = bytes.count == 16
        self.scopeID = bytes.count == 16 ? scopeID : 0
    }

    /// The address bytes in network order (4 or 16).
    public var ipBytes: [UInt8] {
        if !isIPv6 { return withUnsafeBytes(of: low) { Array($0.prefix(4)) } }
        return withUnsafeBytes(of: high) { Array($0) } + withUnsafeBytes(of: low) { Array($0) }
    }

    /// The address without port or brackets: `127.0.0.1`, `::1`, `fe80::1%2`.
    public var ipText: String {
        var bytes = ipBytes
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        _ = inet_ntop(isIPv6 ? AF_INET6 : AF_INET, &bytes, &text, socklen_t(text.count))
        let ip = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return scopeID == 0 ? ip : ip + "%" + String(scopeID)
    }

    public var description: String {
        isIPv6 ? "[\(ipText)]:\(port)" : "\(ipText):\(port)"
    }

    /// 127.0.0.0/8 or ::1: traffic that never leaves the machine (plaintext may be allowed there).
    public var isLoopback: Bool {
        let bytes = ipBytes
        if !isIPv6 { return bytes[0] == 127 }
        return bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    /// 0.0.0.0 or ::, i.e. "every interface" when listening.
    public var isUnspecified: Bool { high == 0 && low == 0 }

    public func withPort(_ port: UInt16) -> SocketAddress {
        SocketAddress(ipBytes: ipBytes, port: port, scopeID: scopeID)!
    }

    var family: Int32 { isIPv6 ? AF_INET6 : AF_INET }

    /// Calls `body` with this address as a C `sockaddr` and its length.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            address.sin6_scope_id = scopeID
            let bytes = ipBytes
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: bytes) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        let bytes = ipBytes
        withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }

    /// Reads an address that a system call (accept, getsockname, getpeername) fills in.
    static func fromSystem(
        _ fill: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Bool
    ) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let filled = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { fill($0, &length) }
        }
        guard filled else { return nil }
        return SocketAddress(storage: storage)
    }

    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            var ip = address.sin_addr
            self.init(ipBytes: withUnsafeBytes(of: &ip) { Array($0) }, port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            var ip = address.sin6_addr
            self.init(
                ipBytes: withUnsafeBytes(of: &ip) { Array($0) }, port: UInt16(bigEndian: address.sin6_port),
                scopeID: address.sin6_scope_id)
        default:
            return nil
        }
    }
}
