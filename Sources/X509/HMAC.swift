/// HMAC (RFC 2104) over SHA-256, as XEP-0185 dialback keys use it.
public enum HMACSHA256 {
    public static func authenticationCode<Key: Collection<UInt8>, Message: Collection<UInt8>>(
        key: Key, message: Message
    ) -> [UInt8] {
        let blockBytes = 64  // SHA-256's block size
        var block = Array(key)
        if block.count > blockBytes { block = SHA256.hash(block) }
        block += [UInt8](repeating: 0, count: blockBytes - block.count)
        let inner = SHA256.hash(block.map { $0 ^ 0x36 } + Array(message))
        return SHA256.hash(block.map { $0 ^ 0x5c } + inner)
    }
}
