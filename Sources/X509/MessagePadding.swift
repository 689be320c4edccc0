/// The Merkle–Damgård padding SHA-1 and SHA-256 share: a 0x80 byte, zeros, and the message length
/// in bits as a 64-bit big-endian number, making a whole number of 64-byte blocks.
enum MessagePadding {
    static func blocks<Bytes: Collection<UInt8>>(of message: Bytes) -> [[UInt8]] {
        var padded = Array(message)
        let bitLength = UInt64(padded.count) &* 8
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        return stride(from: 0, to: padded.count, by: 64).map { Array(padded[$0..<($0 + 64)]) }
    }

    static func bigEndianWord(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    static func bigEndianBytes(_ word: UInt32) -> [UInt8] {
        [
            UInt8(truncatingIfNeeded: word >> 24), UInt8(truncatingIfNeeded: word >> 16),
            UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word),
        ]
    }
}
