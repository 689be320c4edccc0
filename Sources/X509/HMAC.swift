/// HMAC (RFC 2104) over SHA-256, as XEP-0185 dialback keys use it.
public enum HMACSHA256 {
    public static func authenticationCode<Key: Collection<UInt8>, Message: Collection<UInt8>>(
        key: Key, message: Message
    ) -> [UInt8] {
        var block = Array(key)
        if block.count > SHA256.blockBytes { block = SHA256.hash(block) }
        block += [UInt8](repeating: 0, count: SHA256.blockBytes - block.count)
        let inner = SHA256.hash(block.map { $0 ^ 0x36 } + Array(message))
        return SHA256.hash(block.map { $0 ^ 0x5c } + inner)
    }
}
