/// What was negotiated, available once the handshake is complete.
public struct TLSSessionInfo: Sendable, Hashable {
    /// "1.2" or "1.3".
    public let version: String
    /// mbedTLS's suite name, e.g. "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" or "TLS1-3-AES-128-GCM-SHA256".
    public let cipherSuite: String
    /// The suite's RFC/IANA name, e.g. "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" or "TLS_AES_128_GCM_SHA256".
    public var cipherSuiteStandardName: String {
        var name = cipherSuite
        if name.hasPrefix("TLS1-3-") { name = "TLS-" + name.dropFirst("TLS1-3-".count) }
        return String(name.map { $0 == "-" ? "_" : $0 })
    }
    /// The negotiated ALPN protocol, if any.
    public let applicationProtocol: String?
    /// Server side: the SNI name the client sent (lower-case, no trailing dot).
    public let serverNameReceived: String?
    /// Whether the peer sent a certificate (the chain itself: `TLSConnection.peerCertificateChain`).
    public let peerSentCertificate: Bool
}

/// How the peer ended the stream.
public enum TLSPeerClosure: Sendable, Hashable {
    /// A proper TLS close_notify alert.
    case closeNotify
    /// The transport ended without close_notify (possible truncation attack or a crashed peer).
    case endOfStreamWithoutCloseNotify
}

/// Result of driving the handshake: needing more bytes is normal progress, not an error.
public enum TLSHandshakeProgress: Sendable, Hashable {
    case needsMoreData
    case complete
}
