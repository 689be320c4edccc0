#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An SRV record (RFC 2782).
public struct SRVRecord: Hashable, Sendable, CustomStringConvertible {
    public let priority: UInt16
    public let weight: UInt16
    public let port: UInt16
    public let target: DomainName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DomainName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }

    public var description: String { "\(priority) \(weight) \(port) \(target)" }
}

/// A TLSA record (RFC 6698) as raw fields; the Trust module interprets and matches them.
public struct TLSARecord: Hashable, Sendable, CustomStringConvertible {
    public let usage: UInt8
    public let selector: UInt8
    public let matchingType: UInt8
    public let data: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// Zone-file form, "3 1 1 8cb0…", the same text a pin is written in.
    public var description: String {
        let hexDigits = Array("0123456789abcdef".unicodeScalars)
        var hex = ""
        for byte in data {
            hex.unicodeScalars.append(hexDigits[Int(byte >> 4)])
            hex.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
        }
        return "\(usage) \(selector) \(matchingType) \(hex)"
    }
}

/// An IPv4 or IPv6 address from an A or AAAA record.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public let bytes: [UInt8]

    /// Nil unless `bytes` has 4 or 16 elements.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    public var isIPv6: Bool { bytes.count == 16 }

    /// Standard text form (RFC 5952 for IPv6), from inet_ntop.
    public var description: String {
        var text = [CChar](repeating: 0, count: 64)
        let family = isIPv6 ? AF_INET6 : AF_INET
        return bytes.withUnsafeBytes { source in
            text.withUnsafeMutableBufferPointer { buffer in
                guard let start = buffer.baseAddress, inet_ntop(family, source.baseAddress, start, 64) != nil else {
                    return "?"
                }
                return String(cString: start)
            }
        }
    }
}

/// Typed rdata for the record types the relay uses; anything else stays raw.
public enum RecordData: Hashable, Sendable, CustomStringConvertible {
    case address(IPAddress)
    case srv(SRVRecord)
    case tlsa(TLSARecord)
    case cname(DomainName)
    case other([UInt8])

    /// Zone-file form of the rdata (RFC 3597 `\# LENGTH HEX` for other types).
    public var description: String {
        switch self {
        case .address(let address): return address.description
        case .srv(let record): return record.description
        case .tlsa(let record): return record.description
        case .cname(let name): return name.description
        case .other(let bytes):
            let hex = TLSARecord(usage: 0, selector: 0, matchingType: 0, data: bytes).description.dropFirst(6)
            return "\\# \(bytes.count) \(hex)"
        }
    }

    /// Parses the rdata at `reader.offset ..< end` of `type`. SRV targets and CNAMEs may use
    /// compression pointers into the whole message (RFC 2782 forbids it, some servers do it anyway).
    static func parse(type: RecordType, message: [UInt8], start: Int, end: Int) -> RecordData? {
        var reader = WireReader(message, offset: start)
        switch type {
        case .a, .aaaa:
            guard let bytes = reader.readBytes(end - start), bytes.count == (type == .a ? 4 : 16),
                let address = IPAddress(bytes: bytes)
            else { return nil }
            return .address(address)
        case .srv:
            guard let priority = reader.readUInt16(), let weight = reader.readUInt16(),
                let port = reader.readUInt16(), let target = reader.readName(), reader.offset == end
            else { return nil }
            return .srv(SRVRecord(priority: priority, weight: weight, port: port, target: target))
        case .tlsa:
            guard end - start >= 4, let usage = reader.readUInt8(), let selector = reader.readUInt8(),
                let matchingType = reader.readUInt8(), let data = reader.readBytes(end - reader.offset)
            else { return nil }
            return .tlsa(TLSARecord(usage: usage, selector: selector, matchingType: matchingType, data: data))
        case .cname:
            guard let name = reader.readName(), reader.offset == end else { return nil }
            return .cname(name)
        default:
            guard let bytes = reader.readBytes(end - start) else { return nil }
            return .other(bytes)
        }
    }
}
