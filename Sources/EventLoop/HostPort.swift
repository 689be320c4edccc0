/// A `HOST:PORT` setting split into its parts, where HOST may be a name (`xmpp.example.org:5269`),
/// an IPv4 address, or an IPv6 address in brackets (`[2001:db8::1]:5269`). Names are resolved by
/// the DNS module; `SocketAddress` takes numeric hosts only.
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    /// The host without brackets.
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`, `[v6]:port`, or with a `defaultPort` also a bare `host` / `[v6]`.
    public init(parsing text: String, defaultPort: UInt16? = nil) throws(AddressError) {
        let example = "write HOST:PORT, e.g. 127.0.0.1:5269 or [::1]:5269"
        guard !text.isEmpty else { throw AddressError(.empty, text, "the address is empty: " + example) }
        if let bad = text.unicodeScalars.first(where: { !HostPort.isAllowed($0) }) {
            throw AddressError(.invalidHost, text, "unexpected character \"\(bad)\": " + example)
        }
        let host: Substring
        let portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw AddressError(.invalidHost, text, "\"[\" without a closing \"]\": " + example)
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                portText = nil
            } else if rest.hasPrefix(":") {
                portText = rest.dropFirst()
            } else {
                throw AddressError(.invalidHost, text, "expected \":PORT\" after \"]\": " + example)
            }
            guard host.contains(":") else {
                throw AddressError(.invalidHost, text, "brackets are for IPv6 addresses only: " + example)
            }
        } else {
            let colons = text.filter { $0 == ":" }.count
            if colons > 1 {
                throw AddressError(
                    .unbracketedIPv6, text, "an IPv6 address needs brackets, e.g. [::1]:5269 or [::]:5269")
            }
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text[...]
                portText = nil
            }
        }
        guard !host.isEmpty else {
            throw AddressError(.invalidHost, text, "no host before the port: " + example)
        }
        self.host = String(host)
        if let portText {
            self.port = try HostPort.parsePort(portText, in: text)
        } else if let defaultPort {
            self.port = defaultPort
        } else {
            throw AddressError(.missingPort, text, "no port: " + example)
        }
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private static func parsePort(_ digits: Substring, in text: String) throws(AddressError) -> UInt16 {
        guard !digits.isEmpty else {
            throw AddressError(.invalidPort, text, "nothing after \":\": the port is a number from 0 to 65535")
        }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 5, let value = Int(digits),
            value <= 65535
        else {
            throw AddressError(.invalidPort, text, "port \"\(digits)\" is not a number from 0 to 65535")
        }
        return UInt16(value)
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_", ":", "[", "]", "%": return true
        default: return false
        }
    }
}
