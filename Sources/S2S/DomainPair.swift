import XMPPStream

/// One authenticated direction of an s2s link: stanzas from `remote` to `local` (RFC 6120 §8, XEP-0220
/// multiplexing). A link may carry several pairs.
public struct DomainPair: Hashable, Sendable, CustomStringConvertible {
    public var local: DomainName
    public var remote: DomainName

    public init(local: DomainName, remote: DomainName) {
        self.local = local
        self.remote = remote
    }

    public var description: String { "\(local)<-\(remote)" }
}

/// How a domain pair was authenticated, for the `auth=` field of the log.
public enum PairAuthentication: String, Hashable, Sendable {
    case saslExternal = "sasl-external"
    case dialback
    /// Dialback shortcut (XEP-0344): the link's certificate is already valid for the originating domain.
    case certificate
    case componentHandshake = "component-handshake"
    /// A home server's own domain on the home listener, trusted by the server's address or pin.
    case homeServer = "home-server"
}
