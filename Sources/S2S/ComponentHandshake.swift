import X509

/// XEP-0114 §3: the handshake is lowercase hex(SHA1(stream id + secret)).
public enum ComponentHandshake {
    public static func digest(streamID: String, secret: String) -> String {
        Hex.encode(SHA1.hash(Array((streamID + secret).utf8)))
    }

    /// Case-insensitive hex comparison in time independent of where the digests differ.
    static func matches(_ received: String, streamID: String, secret: String) -> Bool {
        let lowered = String(
            decoding: received.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "F") ? $0 | 0x20 : $0 },
            as: UTF8.self)
        return DialbackKey.matches(lowered, digest(streamID: streamID, secret: secret))
    }
}
