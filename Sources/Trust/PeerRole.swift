/// Which TLS side the peer is on, which decides the extended key usage it needs.
public enum PeerRole: Sendable {
    /// We connected out; the peer is the TLS server: its certificate needs serverAuth.
    case server
    /// The peer connected in; the peer is the TLS client: clientAuth or serverAuth is accepted
    /// (many s2s certificates, Let's Encrypt's among them, carry serverAuth only; Prosody accepts that).
    case client
}
