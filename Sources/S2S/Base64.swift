/// RFC 4648 base64, for SASL payloads (XEP-0178 sends the authorization identity base64-encoded).
enum Base64 {
    private static var alphabet: [UInt8] {
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    }

    static func encode(_ bytes: [UInt8]) -> String {
        let table = alphabet
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var group = UInt32(0)
            for (offset, byte) in chunk.enumerated() { group |= UInt32(byte) << UInt32(16 - 8 * offset) }
            for position in 0..<4 {
                if position <= chunk.count {
                    output.append(table[Int((group >> UInt32(18 - 6 * position)) & 0x3f)])
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Nil for anything that is not canonical padded base64 (whitespace included).
    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var values: [UInt8: UInt32] = [:]
        for (value, character) in alphabet.enumerated() { values[character] = UInt32(value) }
        var output: [UInt8] = []
        var index = 0
        while index < input.count {
            var group = UInt32(0)
            var padding = 0
            for position in 0..<4 {
                let character = input[index + position]
                if character == UInt8(ascii: "=") {
                    // Padding only at the end of the last group, at most two.
                    guard index + 4 == input.count, position >= 2 else { return nil }
                    padding += 1
                } else {
                    guard padding == 0, let value = values[character] else { return nil }
                    group |= value << UInt32(18 - 6 * position)
                }
            }
            let bytes = [
                UInt8(truncatingIfNeeded: group >> 16), UInt8(truncatingIfNeeded: group >> 8),
                UInt8(truncatingIfNeeded: group),
            ]
            output += bytes[0..<(3 - padding)]
            index += 4
        }
        guard Base64.encode(output) == text else { return nil }
        return output
    }
}
