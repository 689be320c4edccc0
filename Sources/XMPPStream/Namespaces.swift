/// Namespace names XMPP streams use.
public enum XMPPNamespace {
    public static let streams = "http://etherx.jabber.org/streams"
    public static let server = "jabber:server"
    public static let dialback = "jabber:server:dialback"
    public static let component = "jabber:component:accept"
    public static let streamErrors = "urn:ietf:params:xml:ns:xmpp-streams"
    public static let stanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas"
    public static let tls = "urn:ietf:params:xml:ns:xmpp-tls"
    public static let sasl = "urn:ietf:params:xml:ns:xmpp-sasl"
    /// Bound to the `xml` prefix by definition (`xml:lang`); never declared.
    public static let xml = "http://www.w3.org/XML/1998/namespace"
    /// Reserved for `xmlns` declarations themselves; never an element or attribute namespace.
    public static let xmlns = "http://www.w3.org/2000/xmlns/"
}

/// A namespace declaration as written on an element: `xmlns='uri'` (empty prefix) or `xmlns:prefix='uri'`.
public struct NamespaceDeclaration: Hashable, Sendable {
    public var prefix: String
    public var namespace: String

    public init(prefix: String, namespace: String) {
        self.prefix = prefix
        self.namespace = namespace
    }
}
