/// A stream-level error: the condition to send in `<stream:error/>`, a text for the peer, and
/// (where the peer should not see it) the full diagnosis for our log.
public struct StreamError: Error, Hashable, Sendable, CustomStringConvertible {
    public var condition: StreamErrorCondition
    /// Says what was wrong (and, for limits, which limit and how to raise it). Never holds stanza content.
    public var text: String
    /// The whole story for our own log only (pins, TLSA records, policy): a refused peer is told
    /// `text`, not how our trust is set up. Nil when `text` says it all.
    public var detail: String?

    public init(_ condition: StreamErrorCondition, _ text: String, detail: String? = nil) {
        self.condition = condition
        self.text = text
        self.detail = detail
    }

    /// What our log says: the condition and the detail (else the text).
    public var description: String { "\(condition.name): \(detail ?? text)" }
}

extension StreamError {
    /// The error a peer sent as `<stream:error>`: its first condition element in the
    /// streams-error namespace (an unknown name reads as `undefined-condition`) and its `<text/>`.
    /// Nil if `element` is not a `<stream:error>`.
    public init?(received element: Element) {
        guard element.name == "error", element.namespace == XMPPNamespace.streams else { return nil }
        var condition = StreamErrorCondition.undefinedCondition
        var text = ""
        for child in element.elements where child.namespace == XMPPNamespace.streamErrors {
            if child.name == "text" {
                text = child.text
            } else if condition == .undefinedCondition, let known = StreamErrorCondition(name: child.name) {
                condition = known
            }
        }
        self.init(condition, text)
    }
}
