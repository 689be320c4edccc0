internal import CMbedTLS

/// Turns an mbedTLS error during the handshake or record processing into operator words.
func describeFailure(
    _ status: Int32, io: ConnectionIO, configuration: TLSConfiguration, lastAlert: Int32
) -> TLSError {
    let role = configuration.role
    let minimum = "TLS 1.\(configuration.minimumVersion.rawValue)"
    // A probe offering one old version alone must not claim to speak everything newer.
    var range = "from \(minimum) up"
    if let maximum = configuration.maximumVersion {
        range =
            maximum == configuration.minimumVersion ? "of \(minimum)" : "from \(minimum) to TLS 1.\(maximum.rawValue)"
    }
    let detail = libraryErrorText(status)
    if let name = io.missingCertificateName {
        return TLSError(
            .noCertificateForName, "peer asked for \(name) (SNI) and no certificate is configured for it",
            libraryCode: status)
    }
    switch shim_ssl_error_kind(status) {
    case Int32(SHIM_SSL_ERR_PROTOCOL_VERSION):
        let offered = peerHelloVersion(io.firstBytes).map { "peer offered only \($0)" }
        let text = offered ?? "peer does not speak \(minimum) or newer"
        return TLSError(
            .unsupportedProtocolVersion, "\(text); our minimum is \(minimum) (\(detail))", libraryCode: status)
    case Int32(SHIM_SSL_ERR_NO_SHARED_CIPHER), Int32(SHIM_SSL_ERR_HANDSHAKE_FAILURE):
        return TLSError(
            .noSharedCipherSuite,
            "no shared cipher suite: the peer offers none of ECDHE with AES-GCM or ChaCha20-Poly1305 (\(detail))",
            libraryCode: status)
    case Int32(SHIM_SSL_ERR_NO_APPLICATION_PROTOCOL):
        return TLSError(
            .noSharedApplicationProtocol, "peer offered ALPN protocols but not xmpp-server (\(detail))",
            libraryCode: status)
    case Int32(SHIM_SSL_ERR_FATAL_ALERT):
        if lastAlert == 70 {
            return TLSError(
                .unsupportedProtocolVersion,
                "peer refused the handshake with alert protocol_version: it speaks no version \(range) (\(detail))",
                libraryCode: status)
        }
        return TLSError(
            .peerSentAlert, "peer refused the handshake with alert \(alertName(lastAlert)) (\(detail))",
            libraryCode: status)
    case Int32(SHIM_SSL_ERR_BAD_CERTIFICATE), Int32(SHIM_SSL_ERR_PEER_VERIFY_FAILED):
        return TLSError(.badPeerCertificate, "peer certificate cannot be used (\(detail))", libraryCode: status)
    case Int32(SHIM_SSL_ERR_NO_CLIENT_CERTIFICATE):
        return TLSError(.peerCertificateMissing, "peer certificate missing (\(detail))", libraryCode: status)
    case Int32(SHIM_SSL_ERR_CONN_EOF):
        return TLSError(
            .truncatedStream, "connection ended during the TLS handshake (\(io.pendingInbound) bytes unread)",
            libraryCode: status)
    case Int32(SHIM_SSL_ERR_INVALID_RECORD), Int32(SHIM_SSL_ERR_INVALID_MAC), Int32(SHIM_SSL_ERR_UNEXPECTED_MESSAGE),
        Int32(SHIM_SSL_ERR_BAD_HANDSHAKE_MESSAGE):
        let what =
            role == .server && !looksLikeTLSRecord(io.firstBytes)
            ? "peer is not speaking TLS" : "peer sent corrupt TLS data"
        return TLSError(.malformedInput, "\(what) (\(detail))", libraryCode: status)
    default:
        return TLSError(.libraryFailure, "TLS failed: \(detail)", libraryCode: status)
    }
}

/// A TLS record starts with content type 20–23 and major version 3.
private func looksLikeTLSRecord(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && (20...23).contains(bytes[0]) && bytes[1] == 3
}

/// The version field of the peer's first hello (ClientHello or ServerHello), in words.
private func peerHelloVersion(_ bytes: [UInt8]) -> String? {
    guard bytes.count >= 11, bytes[0] == 22, bytes[5] == 1 || bytes[5] == 2 else { return nil }
    switch (bytes[9], bytes[10]) {
    case (3, 0): return "SSL 3.0"
    case (3, 1): return "TLS 1.0"
    case (3, 2): return "TLS 1.1"
    case (3, 3): return "TLS 1.2"
    default: return nil
    }
}

private func alertName(_ alert: Int32) -> String {
    switch alert {
    case 10: return "unexpected_message"
    case 20: return "bad_record_mac"
    case 40: return "handshake_failure (often: no common TLS version or cipher suite)"
    case 42: return "bad_certificate"
    case 43: return "unsupported_certificate"
    case 44: return "certificate_revoked"
    case 45: return "certificate_expired"
    case 46: return "certificate_unknown"
    case 47: return "illegal_parameter"
    case 48: return "unknown_ca"
    case 49: return "access_denied"
    case 50: return "decode_error"
    case 51: return "decrypt_error"
    case 70: return "protocol_version"
    case 71: return "insufficient_security"
    case 80: return "internal_error"
    case 86: return "inappropriate_fallback"
    case 109: return "missing_extension"
    case 110: return "unsupported_extension"
    case 112: return "unrecognized_name"
    case 116: return "certificate_required"
    case 120: return "no_application_protocol"
    case -1: return "(unknown)"
    default: return String(alert)
    }
}
