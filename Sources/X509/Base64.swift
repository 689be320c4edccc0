/// RFC 4648 base64 (standard alphabet, padded), in pure Swift.
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group: UInt32 = 0
            for offset in 0..<3 {
                group = group << 8 | (offset < count ? UInt32(bytes[index + offset]) : 0)
            }
            for position in 0..<4 {
                if position <= count {
                    out.append(alphabet[Int((group >> UInt32(18 - 6 * position)) & 0x3F)])
                } else {
                    out.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes, skipping ASCII whitespace; nil on any other non-alphabet character, bad padding or
    /// a dangling partial group.
    public static func decode<Text: Sequence>(_ text: Text) -> [UInt8]? where Text.Element == UInt8 {
        var out: [UInt8] = []
        var group: UInt32 = 0
        var count = 0
        var padding = 0
        for char in text {
            if char == 0x20 || char == 0x09 || char == 0x0A || char == 0x0D { continue }
            if char == UInt8(ascii: "=") {
                padding += 1
                guard padding <= 2 else { return nil }
                continue
            }
            guard padding == 0, let value = sextet(char) else { return nil }
            group = group << 6 | UInt32(value)
            count += 1
            if count == 4 {
                out.append(UInt8(group >> 16 & 0xFF))
                out.append(UInt8(group >> 8 & 0xFF))
                out.append(UInt8(group & 0xFF))
                group = 0
                count = 0
            }
        }
        switch (count, padding) {
        case (0, 0):
            return out
        case (2, 2), (2, 0):
            out.append(UInt8(group >> 4 & 0xFF))
            return out
        case (3, 1), (3, 0):
            out.append(UInt8(group >> 10 & 0xFF))
            out.append(UInt8(group >> 2 & 0xFF))
            return out
        default:
            return nil
        }
    }

    private static func sextet(_ char: UInt8) -> UInt8? {
        switch char {
        case 0x41...0x5A: return char - 0x41
        case 0x61...0x7A: return char - 0x61 + 26
        case 0x30...0x39: return char - 0x30 + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Decodes only the canonical form (padded, no whitespace, zero trailing bits), as SASL needs
    /// (RFC 6120 §6.4.2): a payload that would re-encode differently is refused.
    public static func decodeCanonical(_ text: String) -> [UInt8]? {
        guard let bytes = decode(text.utf8), encode(bytes) == text else { return nil }
        return bytes
    }
}
