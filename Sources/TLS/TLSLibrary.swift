internal import CMbedTLS

/// What the linked mbedTLS build can do; the answers differ between Debian 12 (2.28) and 13 (3.6).
public enum TLSLibrary {
    /// mbedTLS major version (2 or 3).
    public static var versionMajor: Int { Int(shim_mbedtls_version_major()) }
    /// Whether this build can negotiate TLS 1.3 (mbedTLS 3.x with MBEDTLS_SSL_PROTO_TLS1_3).
    public static var supportsTLS13: Bool { shim_ssl_has_tls13() != 0 }
    /// Whether this build can still speak TLS 1.0 and 1.1 (mbedTLS 2.28 with MBEDTLS_SSL_PROTO_TLS1 and
    /// _TLS1_1; 3.x removed them). Only `xmpp-relay probe` uses them, to see if a server accepts them.
    public static var supportsLegacyVersions: Bool { shim_ssl_has_tls10_tls11() != 0 }
    /// Whether record buffers shrink after a max-fragment-length negotiation
    /// (MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH); Debian's builds leave this off.
    public static var hasVariableBufferLength: Bool { shim_ssl_has_variable_buffer_length() != 0 }
    /// Size of the fixed incoming and outgoing record buffers, in bytes of content.
    public static var recordBufferContentLength: (incoming: Int, outgoing: Int) {
        (Int(shim_ssl_in_content_len()), Int(shim_ssl_out_content_len()))
    }

    /// Runs the library's process-wide initialisation (psa_crypto_init on 3.x) exactly once.
    static func initializeOnce() {
        _ = globalInitResult
    }
}

// A global let is initialised lazily and exactly once; Int32 is Sendable, so Swift 6 accepts it.
private let globalInitResult: Int32 = shim_mbedtls_global_init()

/// mbedTLS's own text for an error code, for the tail of our messages.
func libraryErrorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 160)
    let text = buffer.withUnsafeMutableBufferPointer { pointer in
        mbedtls_strerror(code, pointer.baseAddress, pointer.count)
        return String(cString: pointer.baseAddress!)
    }
    let hex = String(UInt32(bitPattern: code < 0 ? -code : code), radix: 16, uppercase: true)
    return "mbedTLS -0x\(hex): \(text)"
}
