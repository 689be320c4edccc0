/// A DNS RR type code. Only the types the relay asks for are named.
public struct RecordType: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static var a: RecordType { RecordType(rawValue: 1) }
    public static var cname: RecordType { RecordType(rawValue: 5) }
    public static var aaaa: RecordType { RecordType(rawValue: 28) }
    public static var srv: RecordType { RecordType(rawValue: 33) }
    public static var tlsa: RecordType { RecordType(rawValue: 52) }

    public var description: String {
        switch rawValue {
        case 1: return "A"
        case 5: return "CNAME"
        case 28: return "AAAA"
        case 33: return "SRV"
        case 52: return "TLSA"
        default: return "TYPE\(rawValue)"
        }
    }
}

/// The response code from the message header (RFC 1035 §4.1.1). libunbound's callback argument
/// is not reliable for this (it reports 0 for NXDOMAIN), so the relay reads it from the packet.
public struct ResponseCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static var noError: ResponseCode { ResponseCode(rawValue: 0) }
    public static var serverFailure: ResponseCode { ResponseCode(rawValue: 2) }
    public static var nameError: ResponseCode { ResponseCode(rawValue: 3) }

    public var description: String {
        switch rawValue {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        default: return "RCODE\(rawValue)"
        }
    }
}
