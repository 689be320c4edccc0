import X509

/// XEP-0185 dialback keys: hex(HMAC-SHA256(key: hex(SHA256(secret)),
/// message: "Receiving Server" + " " + "Originating Server" + " " + "Stream ID")).
public enum DialbackKey {
    public static func generate(secret: String, receiving: String, originating: String, streamID: String) -> String {
        let key = Hex.encode(SHA256.hash(Array(secret.utf8)))
        let message = receiving + " " + originating + " " + streamID
        return Hex.encode(HMACSHA256.authenticationCode(key: Array(key.utf8), message: Array(message.utf8)))
    }

    /// Compares in time independent of where the keys differ (the key is a shared-secret MAC).
    public static func matches(_ received: String, _ expected: String) -> Bool {
        let left = Array(received.utf8)
        let right = Array(expected.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
