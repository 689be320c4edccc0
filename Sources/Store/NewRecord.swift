/// A record handed to `Store.append`: opaque bytes plus what the queue needs to order and account
/// for them. The store knows nothing of what the bytes mean.
public struct NewRecord: Sendable {
    /// Groups records that must keep their order and are accounted together, e.g. "a.example→b.example".
    public let key: String
    /// The caller's classification (the queue uses it for message/iq/presence); opaque to the store.
    public let kind: UInt8
    public let body: [UInt8]
    /// When the record was accepted, in the caller's time unit (milliseconds since the epoch, say).
    public let acceptedAt: Int64

    public init(key: String, kind: UInt8, body: [UInt8], acceptedAt: Int64) {
        self.key = key
        self.kind = kind
        self.body = body
        self.acceptedAt = acceptedAt
    }
}
