import Routing
import Store

/// One queued stanza as the `queue` tools show it, decoded from its store record through
/// `StoredForm` (the hop from the key, the kind from its byte). Times are Unix milliseconds.
public struct QueueEntry: Equatable, Sendable {
    public var id: RecordID
    /// The record's key: `remote:FROM->TO`, `home:FROM->TO` or `component:TO`.
    public var hop: String
    /// `message`, `iq`, `presence`, …; `unknown(N)` for a kind byte this version does not know.
    public var kind: String
    /// The sending domain; nil on a component hop (its key names no sender).
    public var from: String?
    /// The destination domain (the hop's far end); the whole key when it is not one this relay writes.
    public var to: String
    public var size: Int
    public var acceptedAt: Int64
    public var attempts: Int
    /// When the next attempt is due; nil when it has not failed yet (due as soon as its hop is up).
    public var nextAttemptAt: Int64?
    public var lastError: String?
    /// The stanza's bytes, only when asked for (`queue show --stanza`).
    public var stanza: [UInt8]?

    public init(
        id: RecordID, hop: String, kind: String, from: String?, to: String, size: Int, acceptedAt: Int64,
        attempts: Int, nextAttemptAt: Int64?, lastError: String?, stanza: [UInt8]? = nil
    ) {
        self.id = id
        self.hop = hop
        self.kind = kind
        self.from = from
        self.to = to
        self.size = size
        self.acceptedAt = acceptedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.stanza = stanza
    }

    /// Decodes a store record (`StoredForm`); the bytes are kept only when `withStanza`.
    public init(_ record: StoredRecord, withStanza: Bool) {
        let hop = NextHop(storeKey: record.key)
        self.init(
            id: record.id, hop: record.key,
            kind: StanzaKind.name(ofStoreCode: record.kind) ?? "unknown(\(record.kind))",
            from: hop?.from?.description, to: hop?.domain.description ?? record.key, size: record.body.count,
            acceptedAt: record.acceptedAt, attempts: record.attempts, nextAttemptAt: record.nextAttemptAt,
            lastError: record.lastError, stanza: withStanza ? record.body : nil)
    }

    /// Whether this stanza waits to go to `domain` (ASCII case does not matter in domain names).
    public func isBound(for domain: String) -> Bool { to.lowercased() == domain.lowercased() }
}
