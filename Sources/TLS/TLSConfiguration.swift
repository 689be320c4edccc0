/// Everything a `TLSContext` is built from; a plain value (the swift-nio-ssl pattern).
///
/// Fixed policy, not configurable:
/// - TLS 1.2 minimum; TLS 1.3 too where the mbedTLS build has it (3.x with MBEDTLS_SSL_PROTO_TLS1_3).
/// - Cipher suites, ECDHE + AEAD only, in this order of preference (`cipherOrder` .aesFirst):
///   TLS 1.3 (3.x only): TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256;
///   TLS 1.2: ECDHE-ECDSA-AES256-GCM-SHA384, ECDHE-RSA-AES256-GCM-SHA384,
///   ECDHE-ECDSA-CHACHA20-POLY1305, ECDHE-RSA-CHACHA20-POLY1305,
///   ECDHE-ECDSA-AES128-GCM-SHA256, ECDHE-RSA-AES128-GCM-SHA256;
///   with .chachaFirst (CPUs without AES instructions) the ChaCha20-Poly1305 suites lead.
/// - Key exchange groups: X25519, P-256, P-384, P-521, in that order.
/// - No renegotiation; no compression (2.28 builds without zlib, 3.x removed it).
/// - Peer certificates are always requested/checked in mbedTLS's OPTIONAL mode: the handshake
///   never fails over trust; the caller gets the chain and decides (Trust module, `TLSTrustStore`).
public struct TLSConfiguration: Sendable, Hashable {
    public enum Role: Sendable, Hashable {
        case server
        case client
    }

    public enum ProtocolVersion: Int, Sendable, Hashable, Comparable {
        /// Probe only: `xmpp-relay probe` asks whether a server still accepts TLS 1.0/1.1. A context
        /// refuses these for servers, and for clients unless `probeCipherSuites` is `.everything`;
        /// see `TLSLibrary.supportsLegacyVersions` for whether the build has them at all.
        case tls10 = 0
        /// Probe only, as `tls10`.
        case tls11 = 1
        case tls12 = 2
        case tls13 = 3
        public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// RFC 6066 max_fragment_length values a client may ask for.
    public enum MaxFragmentLength: Int, Sendable, Hashable {
        case bytes512 = 1
        case bytes1024 = 2
        case bytes2048 = 3
        case bytes4096 = 4
    }

    /// Probe only (`xmpp-relay probe`, client role): instead of the fixed ECDHE + AEAD list, offer
    /// every suite the library has, or only suites without forward secrecy (static RSA key exchange).
    public enum ProbeCipherSuites: Sendable, Hashable {
        case everything
        case withoutForwardSecrecy
    }

    public var role: Role
    /// Our certificate chain and key: the server's default certificate, or the client certificate.
    public var identity: TLSIdentity?
    /// Server only: certificates chosen by the SNI name the client sends (keys compared
    /// case-insensitively, without a trailing dot). A name not found falls back to `identity`.
    public var identitiesByDomain: [String: TLSIdentity]
    /// CA bundle (PEM) loaded into the handshake; informational only (OPTIONAL mode).
    /// PKIX decisions use `TLSTrustStore`.
    public var caFile: String?
    public var minimumVersion: ProtocolVersion
    /// Offered by a client; a server selects it when the client offers it (a client that offers
    /// ALPN without any of these is refused by mbedTLS with a no_application_protocol alert).
    public var applicationProtocols: [String]
    /// Server only: ask the client for a certificate (it may send none).
    public var requestClientCertificate: Bool
    /// Client only: ask the server for smaller records (RFC 6066). Only saves memory on builds with
    /// MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH (see `TLSLibrary.hasVariableBufferLength`); ignored where
    /// the build lacks MBEDTLS_SSL_MAX_FRAGMENT_LENGTH.
    public var maxFragmentLength: MaxFragmentLength?
    /// Probe only (client role): the highest version to offer; nil offers the highest the build has.
    public var maximumVersion: ProtocolVersion? = nil
    /// Probe only (client role): see `ProbeCipherSuites`; nil keeps the fixed policy above.
    public var probeCipherSuites: ProbeCipherSuites? = nil
    /// Which AEAD leads the suite list (TLS 1.2: the server's order decides; TLS 1.3 in mbedTLS 3.6:
    /// the client's). Defaults to what
    /// suits this CPU (`CipherOrder.forThisCPU`).
    public var cipherOrder: CipherOrder = .forThisCPU

    /// AES-GCM where the CPU has AES instructions (x86-64 AES-NI, ARMv8 crypto extensions), else
    /// ChaCha20-Poly1305, which is faster in software.
    public enum CipherOrder: String, Sendable, Hashable {
        case aesFirst = "aes-gcm"
        case chachaFirst = "chacha20-poly1305"

        /// From the CPU itself (`CPUFeatures`).
        public static var forThisCPU: CipherOrder { CPUFeatures.hasAESInstructions ? .aesFirst : .chachaFirst }
    }

    public init(
        role: Role,
        identity: TLSIdentity? = nil,
        identitiesByDomain: [String: TLSIdentity] = [:],
        caFile: String? = nil,
        minimumVersion: ProtocolVersion = .tls12,
        applicationProtocols: [String] = ["xmpp-server"],
        requestClientCertificate: Bool = true,
        maxFragmentLength: MaxFragmentLength? = nil
    ) {
        self.role = role
        self.identity = identity
        self.identitiesByDomain = identitiesByDomain
        self.caFile = caFile
        self.minimumVersion = minimumVersion
        self.applicationProtocols = applicationProtocols
        self.requestClientCertificate = requestClientCertificate
        self.maxFragmentLength = maxFragmentLength
    }
}

/// Lower-case, no trailing dot: the form SNI names and table keys are compared in.
func normalizedDomain(_ name: String) -> String {
    var result = name.lowercased()
    while result.hasSuffix(".") { result.removeLast() }
    return result
}
