/// Per-stream parser limits. Exceeding one ends the stream with `policy-violation` naming the limit.
public struct StreamLimits: Hashable, Sendable {
    /// Bytes of one top-level element (stanza), counted from its `<` to its closing `>` while it
    /// streams in; also caps the stream header and whitespace between stanzas.
    public var maxStanzaBytes: Int
    /// Element nesting inside a stanza; the stanza itself is depth 1.
    public var maxDepth: Int
    /// Attributes on one element (namespace declarations not counted).
    public var maxAttributes: Int
    /// Namespace declarations on one element.
    public var maxNamespaceDeclarations: Int

    public init(
        maxStanzaBytes: Int = 256 * 1024, maxDepth: Int = 64, maxAttributes: Int = 64,
        maxNamespaceDeclarations: Int = 16
    ) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
        self.maxAttributes = maxAttributes
        self.maxNamespaceDeclarations = maxNamespaceDeclarations
    }
}
