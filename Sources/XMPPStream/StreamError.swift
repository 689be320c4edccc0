/// A stream-level error: the condition to send in `<stream:error/>` and a text for the peer and the log.
public struct StreamError: Error, Hashable, Sendable, CustomStringConvertible {
    public var condition: StreamErrorCondition
    /// Says what was wrong (and, for limits, which limit and how to raise it). Never holds stanza content.
    public var text: String

    public init(_ condition: StreamErrorCondition, _ text: String) {
        self.condition = condition
        self.text = text
    }

    public var description: String { "\(condition.name): \(text)" }
}
