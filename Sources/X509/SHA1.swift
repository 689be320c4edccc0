/// SHA-1 (RFC 3174) in pure Swift, for the XEP-0114 component handshake only (SHA1(streamid+secret)).
/// Not used for anything that needs collision resistance.
public enum SHA1 {
    public static let digestBytes = 20

    public static func hash<Bytes: Collection<UInt8>>(_ message: Bytes) -> [UInt8] {
        var state: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var schedule = [UInt32](repeating: 0, count: 80)
        for block in MessagePadding.blocks(of: message) {
            for index in 0..<16 { schedule[index] = MessagePadding.bigEndianWord(block, at: index * 4) }
            for index in 16..<80 {
                schedule[index] =
                    (schedule[index - 3] ^ schedule[index - 8] ^ schedule[index - 14] ^ schedule[index - 16])
                    .sha1RotatedLeft(1)
            }
            var a = state[0]
            var b = state[1]
            var c = state[2]
            var d = state[3]
            var e = state[4]
            for index in 0..<80 {
                let mixed: UInt32
                let constant: UInt32
                switch index {
                case 0..<20:
                    mixed = (b & c) | (~b & d)
                    constant = 0x5A82_7999
                case 20..<40:
                    mixed = b ^ c ^ d
                    constant = 0x6ED9_EBA1
                case 40..<60:
                    mixed = (b & c) | (b & d) | (c & d)
                    constant = 0x8F1B_BCDC
                default:
                    mixed = b ^ c ^ d
                    constant = 0xCA62_C1D6
                }
                let temp = a.sha1RotatedLeft(5) &+ mixed &+ e &+ constant &+ schedule[index]
                e = d
                d = c
                c = b.sha1RotatedLeft(30)
                b = a
                a = temp
            }
            state[0] &+= a
            state[1] &+= b
            state[2] &+= c
            state[3] &+= d
            state[4] &+= e
        }
        return state.flatMap(MessagePadding.bigEndianBytes)
    }
}

extension UInt32 {
    fileprivate func sha1RotatedLeft(_ count: UInt32) -> UInt32 { (self << count) | (self >> (32 - count)) }
}
