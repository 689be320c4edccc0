/// One log line the engine asks for: `event=` and its fields, in order.
public struct QueueLog: Hashable, Sendable {
    public enum Event: String, Hashable, Sendable {
        /// Stanzas went to the store: their hop is down, or did not acknowledge within `hold`.
        case deferred = "queue.deferred"
        /// A stanza outlived max_age or iq_hold (bounced or dropped, field `outcome`).
        case expired = "queue.expired"
        /// The store refused stanzas the hop had not confirmed; they bounced.
        case bounced = "queue.bounced"
        /// A byte cap refused a new stanza (field `limit` names the key to raise).
        case full = "queue.full"
    }

    public var event: Event
    public var fields: [Field]

    public struct Field: Hashable, Sendable {
        public var key: String
        public var value: String

        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(_ event: Event, _ fields: [Field]) {
        self.event = event
        self.fields = fields
    }
}
