#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An IP address and port to listen on: `127.0.0.1:5269`, `[::]:5269`.
public struct ListenAddress: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The IP literal, without brackets.
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var isIPv6: Bool { host.contains(":") }
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
    /// Whether only this machine can connect (127.0.0.0/8 or ::1); `[::]` and `0.0.0.0` are not.
    public var isLoopback: Bool { ServerAddress(host: host, port: port).isLoopback }

    /// Parses `IPv4:PORT` or `[IPv6]:PORT`; returns what is wrong otherwise.
    static func parse(_ text: String) -> Result<ListenAddress, AddressProblem> {
        let split = HostPort.split(text)
        guard case .success(let (host, port, bracketed)) = split else {
            return .failure(split.problem!)
        }
        if bracketed ? !IPLiteral.isIPv6(host) : !IPLiteral.isIPv4(host) {
            if !bracketed && IPLiteral.isIPv6(host) {
                return .failure(AddressProblem("put an IPv6 address in brackets: [\(host)]:PORT"))
            }
            return .failure(
                AddressProblem(
                    "'\(host)' is not an IP address; listen addresses are IP literals such as "
                        + "0.0.0.0, 127.0.0.1, [::] or [::1]"))
        }
        return .success(ListenAddress(host: host, port: port))
    }
}

/// A server to connect to: `HOST:PORT`, where HOST is an IP literal (IPv6 in brackets) or a DNS name.
public struct ServerAddress: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Whether `host` is a loopback IP literal (127.0.0.0/8 or ::1).
    public var isLoopback: Bool {
        if IPLiteral.isIPv4(host) { return host.hasPrefix("127.") }
        return IPLiteral.isIPv6(host) && IPLiteral.ipv6Bytes(host) == Array(repeating: 0, count: 15) + [1]
    }

    static func parse(_ text: String) -> Result<ServerAddress, AddressProblem> {
        let split = HostPort.split(text)
        guard case .success(let (host, port, bracketed)) = split else {
            return .failure(split.problem!)
        }
        if bracketed {
            guard IPLiteral.isIPv6(host) else {
                return .failure(AddressProblem("'[\(host)]' is not an IPv6 address"))
            }
        } else if !IPLiteral.isIPv4(host) {
            if IPLiteral.isIPv6(host) {
                return .failure(AddressProblem("put an IPv6 address in brackets: [\(host)]:PORT"))
            }
            if case .failure(let problem) = DomainName.normalize(host) {
                return .failure(AddressProblem("'\(host)' is neither an IP address nor a host name: \(problem.text)"))
            }
        }
        return .success(ServerAddress(host: bracketed ? host : host.lowercased(), port: port))
    }
}

/// A DNS resolver to forward queries to, in libunbound's `IP@PORT` form (port defaults to 53).
public struct DNSForwarder: Equatable, Sendable, CustomStringConvertible {
    public var address: String
    public var port: UInt16

    public init(address: String, port: UInt16 = 53) {
        self.address = address
        self.port = port
    }

    public var description: String { "\(address)@\(port)" }

    static func parse(_ text: String) -> Result<DNSForwarder, AddressProblem> {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = parts.first.map(String.init) else {
            return .failure(AddressProblem("write a forwarder as IP or IP@PORT, e.g. 127.0.0.1@53"))
        }
        guard IPLiteral.isIPv4(address) || IPLiteral.isIPv6(address) else {
            return .failure(
                AddressProblem(
                    "'\(address)' is not an IP address; write a forwarder as IP or IP@PORT, e.g. 127.0.0.1@53"))
        }
        var port: UInt16 = 53
        if parts.count == 2 {
            guard let parsed = HostPort.port(String(parts[1])) else {
                return .failure(AddressProblem("'\(parts[1])' is not a port; ports are 1 to 65535"))
            }
            port = parsed
        }
        return .success(DNSForwarder(address: address, port: port))
    }
}

extension DNSStubZone {
    static func parse(_ text: String) -> Result<DNSStubZone, AddressProblem> {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        let zone = parts.first.map { $0.trimmingSpaces.lowercased() } ?? ""
        guard parts.count == 2, !zone.isEmpty, zone != ".", !zone.contains(" ") else {
            return .failure(AddressProblem("write a stub zone as ZONE=IP[@PORT], e.g. home.arpa=192.168.1.1@53"))
        }
        var servers: [DNSForwarder] = []
        for server in parts[1].split(separator: ",") {
            switch DNSForwarder.parse(server.trimmingSpaces) {
            case .success(let forwarder): servers.append(forwarder)
            case .failure(let problem): return .failure(problem)
            }
        }
        guard !servers.isEmpty else {
            return .failure(AddressProblem("stub zone '\(zone)' names no server; write ZONE=IP[@PORT]"))
        }
        return .success(DNSStubZone(zone: zone.hasSuffix(".") ? zone : zone + ".", servers: servers))
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// What is wrong with an address, phrased for the operator.
struct AddressProblem: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

extension Result where Failure == AddressProblem {
    fileprivate var problem: AddressProblem? {
        if case .failure(let problem) = self { return problem }
        return nil
    }
}

enum HostPort {
    /// Splits `host:port` or `[v6]:port`; the bool says whether the host was bracketed.
    static func split(_ text: String) -> Result<(String, UInt16, Bool), AddressProblem> {
        let host: String
        let portText: String
        let bracketed = text.hasPrefix("[")
        if bracketed {
            guard let close = text.firstIndex(of: "]") else {
                return .failure(AddressProblem("missing ']' after the IPv6 address; write [ADDRESS]:PORT"))
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                return .failure(AddressProblem("missing port; write [\(host)]:PORT, e.g. [\(host)]:5269"))
            }
            portText = String(rest.dropFirst())
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(AddressProblem("missing port; write HOST:PORT, e.g. \(text):5269"))
            }
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
            if host.contains(":") {
                return .failure(AddressProblem("put an IPv6 address in brackets: [\(host)]:PORT"))
            }
        }
        guard !host.isEmpty else {
            return .failure(AddressProblem("missing host before the port; write HOST:PORT, e.g. 127.0.0.1:\(portText)"))
        }
        guard let port = port(portText) else {
            return .failure(AddressProblem("'\(portText)' is not a port; ports are 1 to 65535"))
        }
        return .success((host, port, bracketed))
    }

    static func port(_ text: String) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(text), value >= 1, value <= 65535
        else { return nil }
        return UInt16(value)
    }
}

/// IP literal checks through inet_pton, so they agree exactly with what bind(2) will accept.
enum IPLiteral {
    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return text.withCString { inet_pton(AF_INET, $0, &address) } == 1
    }

    static func isIPv6(_ text: String) -> Bool {
        ipv6Bytes(text) != nil
    }

    static func ipv6Bytes(_ text: String) -> [UInt8]? {
        var address = in6_addr()
        guard text.withCString({ inet_pton(AF_INET6, $0, &address) }) == 1 else { return nil }
        return withUnsafeBytes(of: &address) { Array($0) }
    }
}
