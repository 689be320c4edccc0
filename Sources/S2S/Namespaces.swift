/// Namespaces of the s2s extensions this module speaks (XMPPStream's `XMPPNamespace` has the core ones).
enum S2SNamespace {
    static let dialbackFeature = "urn:xmpp:features:dialback"
    static let streamManagement = "urn:xmpp:sm:3"
    static let bidiFeature = "urn:xmpp:features:bidi"
    static let bidi = "urn:xmpp:bidi"
    static let ping = "urn:xmpp:ping"
}
