/// A certificate pin in TLSA presentation syntax, "USAGE SELECTOR MATCHING HEX" (RFC 6698 §2.2),
/// e.g. `3 1 1 5c2f…`: what `xmpp-relay pin` and `keygen` print and what a friend puts in a config.
public struct TLSAPin: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    public var usage: UInt8
    /// 0 full certificate, 1 SubjectPublicKeyInfo.
    public var selector: UInt8
    /// 0 exact data, 1 SHA-256, 2 SHA-512.
    public var matchingType: UInt8
    public var data: [UInt8]

    public init(usage: UInt8, selector: UInt8, matchingType: UInt8, data: [UInt8]) {
        self.usage = usage
        self.selector = selector
        self.matchingType = matchingType
        self.data = data
    }

    /// `3 1 1 hex` in lower case.
    public var description: String {
        let digits = Array("0123456789abcdef")
        let hex = data.map { String(digits[Int($0 >> 4)]) + String(digits[Int($0 & 0xF)]) }.joined()
        return "\(usage) \(selector) \(matchingType) \(hex)"
    }

    /// Parses the presentation form; the hex may contain blanks, as in zone files.
    public static func parse(_ text: String) -> Result<TLSAPin, PinProblem> {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 4 else {
            return .failure(
                PinProblem(
                    "a pin has four parts, \"USAGE SELECTOR MATCHING HEX\", e.g. \"3 1 1 5c2f…\" "
                        + "(xmpp-relay pin HOST:PORT prints it)"))
        }
        func number(_ field: Substring, _ name: String, _ maximum: UInt8, _ meaning: String) -> Result<
            UInt8, PinProblem
        > {
            guard let value = UInt8(field), value <= maximum else {
                return .failure(PinProblem("pin \(name) '\(field)' must be 0 to \(maximum) (\(meaning))"))
            }
            return .success(value)
        }
        let usage = number(fields[0], "usage", 3, "3 = DANE-EE, the usual choice for a pinned key")
        let selector = number(fields[1], "selector", 1, "0 = whole certificate, 1 = public key")
        let matching = number(fields[2], "matching type", 2, "0 = exact, 1 = SHA-256, 2 = SHA-512")
        for result in [usage, selector, matching] {
            if case .failure(let problem) = result { return .failure(problem) }
        }
        let hex = fields[3...].joined()
        guard hex.utf8.count % 2 == 0, let data = Self.bytes(fromHex: hex), !data.isEmpty else {
            return .failure(PinProblem("pin data '\(hex)' is not hexadecimal bytes (an even number of 0-9 a-f)"))
        }
        let matchingType = try! matching.get()
        let expected = matchingType == 1 ? 32 : matchingType == 2 ? 64 : nil
        if let expected, data.count != expected {
            return .failure(
                PinProblem(
                    "a \(matchingType == 1 ? "SHA-256" : "SHA-512") pin has \(expected * 2) hex digits, "
                        + "this one has \(data.count * 2)"))
        }
        return .success(
            TLSAPin(usage: try! usage.get(), selector: try! selector.get(), matchingType: matchingType, data: data))
    }

    private static func bytes(fromHex hex: String) -> [UInt8]? {
        var out: [UInt8] = []
        var high: UInt8?
        for byte in hex.utf8 {
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x41...0x46: nibble = byte - 0x41 + 10
            case 0x61...0x66: nibble = byte - 0x61 + 10
            default: return nil
            }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }
}

/// Why a pin does not parse, phrased for the operator.
public struct PinProblem: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ text: String) { self.description = text }
}
