/// What the stream parser reports, in stream order.
public enum StreamEvent: Hashable, Sendable {
    /// The peer's `<stream:stream …>` header.
    case opened(StreamHeader)
    /// A complete top-level element (a stanza or a negotiation element).
    case element(Element)
    /// The peer's `</stream:stream>`.
    case closed
    /// The stream must end with this error; the parser reports nothing after it.
    case failed(StreamError)
}
