internal import CMbedTLS

/// One TLS session over memory buffers: feed it the ciphertext that arrived, take the ciphertext
/// it wants sent. No sockets, no blocking, no threads.
///
/// Typical use: `feed(ciphertext:)` whatever the socket delivered, call `handshake()` until it says
/// `.complete` (sending `takeCiphertext()` after every call), then `readPlaintext()` /
/// `write(plaintext:)`; `close()` queues close_notify.
public final class TLSConnection {
    public let context: TLSContext
    private let ssl: UnsafeMutablePointer<mbedtls_ssl_context>
    private let io = ConnectionIO()
    private var deferredError: TLSError?
    private var failure: TLSError?
    private var closedLocally = false

    /// Negotiated parameters; nil until the handshake is complete.
    public private(set) var sessionInfo: TLSSessionInfo?
    /// Set once the peer has ended the stream (close_notify or a bare end of stream).
    public private(set) var peerClosure: TLSPeerClosure?

    /// `serverName` (client only) is the peer domain: sent as SNI.
    public init(context: TLSContext, serverName: String? = nil) throws(TLSError) {
        self.context = context
        ssl = .allocate(capacity: 1)
        mbedtls_ssl_init(ssl)
        let status = mbedtls_ssl_setup(ssl, context.config)
        if status != 0 {
            throw TLSError(
                .libraryFailure, "cannot set up a TLS session (\(libraryErrorText(status)))", libraryCode: status)
        }
        if context.configuration.role == .client {
            // Always called, with nil when there is no name: mbedTLS >= 3.6.3 refuses to verify a
            // server certificate unless the client has said which name (or explicitly none) to expect.
            let hostStatus: Int32
            if let serverName {
                hostStatus = mbedtls_ssl_set_hostname(ssl, serverName)
            } else {
                hostStatus = mbedtls_ssl_set_hostname(ssl, nil)
            }
            if hostStatus != 0 {
                throw TLSError(
                    .invalidConfiguration, "\(serverName ?? "") cannot be sent as a server name (SNI)",
                    libraryCode: hostStatus)
            }
        }
        io.attach(to: ssl)
    }

    deinit {
        mbedtls_ssl_free(ssl)
        ssl.deallocate()
    }

    public var isHandshakeComplete: Bool { sessionInfo != nil }

    /// The peer's certificate chain as DER, leaf first, as it was sent; [] before the handshake or
    /// if the peer sent none. Copied out of mbedTLS on each call (not kept twice per link).
    public var peerCertificateChain: [[UInt8]] {
        isHandshakeComplete ? derList(mbedtls_ssl_get_peer_cert(ssl)) : []
    }

    /// Ciphertext that arrived from the peer.
    public func feed(ciphertext: [UInt8]) {
        io.append(ciphertext)
    }

    /// The transport reached end of stream (the peer closed its side of TCP).
    public func feedEndOfStream() {
        io.endOfStream = true
    }

    /// Ciphertext to send to the peer; empties the outgoing buffer.
    public func takeCiphertext() -> [UInt8] {
        let bytes = io.outbound
        io.outbound.removeAll()
        return bytes
    }

    /// Whether ciphertext is waiting in `takeCiphertext()`.
    public var hasCiphertextToSend: Bool { !io.outbound.isEmpty }

    /// Advances the handshake as far as the bytes fed so far allow.
    @discardableResult
    public func handshake() throws(TLSError) -> TLSHandshakeProgress {
        if let failure { throw failure }
        if isHandshakeComplete { return .complete }
        while true {
            let status = mbedtls_ssl_handshake(ssl)
            if status == 0 {
                sessionInfo = collectSessionInfo()
                return .complete
            }
            let kind = shim_ssl_error_kind(status)
            if kind == Int32(SHIM_SSL_ERR_WANT_READ) || kind == Int32(SHIM_SSL_ERR_WANT_WRITE) {
                if io.endOfStream && io.pendingInbound == 0 && kind == Int32(SHIM_SSL_ERR_WANT_READ) {
                    return try fail(MBEDTLS_ERR_SSL_CONN_EOF)
                }
                return .needsMoreData
            }
            if kind == Int32(SHIM_SSL_ERR_NEW_SESSION_TICKET) { continue }
            return try fail(status)
        }
    }

    /// Decrypts everything decryptable so far. Returns [] when nothing (more) is available; drives the
    /// handshake first if it is not complete. After the peer closes, `peerClosure` says how.
    public func readPlaintext() throws(TLSError) -> [UInt8] {
        if let deferredError {
            self.deferredError = nil
            throw deferredError
        }
        if let failure { throw failure }
        guard try handshake() == .complete else { return [] }
        if peerClosure != nil { return [] }
        var plaintext: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let status = chunk.withUnsafeMutableBufferPointer { mbedtls_ssl_read(ssl, $0.baseAddress, $0.count) }
            if status > 0 {
                plaintext.append(contentsOf: chunk[0..<Int(status)])
                continue
            }
            let kind = shim_ssl_error_kind(status)
            if kind == Int32(SHIM_SSL_ERR_WANT_READ) || kind == Int32(SHIM_SSL_ERR_WANT_WRITE) {
                if io.endOfStream && io.pendingInbound == 0 { peerClosure = .endOfStreamWithoutCloseNotify }
                return plaintext
            }
            if kind == Int32(SHIM_SSL_ERR_NEW_SESSION_TICKET) { continue }
            if status == 0 || kind == Int32(SHIM_SSL_ERR_CONN_EOF) {
                peerClosure = .endOfStreamWithoutCloseNotify
                return plaintext
            }
            if kind == Int32(SHIM_SSL_ERR_PEER_CLOSE_NOTIFY) {
                peerClosure = .closeNotify
                return plaintext
            }
            do throws(TLSError) {
                _ = try fail(status)
            } catch {
                if plaintext.isEmpty { throw error }
                deferredError = error
            }
            return plaintext
        }
    }

    /// Encrypts `plaintext` into the outgoing buffer (as many records as it takes).
    public func write(plaintext: [UInt8]) throws(TLSError) {
        if let failure { throw failure }
        guard isHandshakeComplete else {
            throw TLSError(.notEstablished, "cannot send application data before the TLS handshake is complete")
        }
        if closedLocally { throw TLSError(.connectionClosed, "cannot send after close()") }
        var offset = 0
        var stalls = 0
        while offset < plaintext.count {
            let status = plaintext.withUnsafeBufferPointer {
                mbedtls_ssl_write(ssl, $0.baseAddress! + offset, $0.count - offset)
            }
            if status > 0 {
                offset += Int(status)
                stalls = 0
                continue
            }
            let kind = shim_ssl_error_kind(status)
            // Our send callback never blocks; WANT_* can only mean "call again with the same data".
            if (kind == Int32(SHIM_SSL_ERR_WANT_WRITE) || kind == Int32(SHIM_SSL_ERR_WANT_READ)) && stalls < 4 {
                stalls += 1
                continue
            }
            _ = try fail(status)
        }
    }

    /// Queues a close_notify alert; send `takeCiphertext()` afterwards, then close the socket.
    public func close() {
        guard !closedLocally else { return }
        closedLocally = true
        if isHandshakeComplete && failure == nil { _ = mbedtls_ssl_close_notify(ssl) }
    }

    /// Throws `peerCertificateMissing` unless the peer sent a certificate (call after the handshake).
    public func requirePeerCertificate() throws(TLSError) {
        guard let sessionInfo, sessionInfo.peerSentCertificate else {
            throw TLSError(.peerCertificateMissing, "peer certificate missing: the peer sent no certificate")
        }
    }

    private func fail(_ status: Int32) throws(TLSError) -> TLSHandshakeProgress {
        let error = describeFailure(
            status, io: io, configuration: context.configuration, lastAlert: shim_ssl_last_alert(ssl))
        failure = error
        throw error
    }

    private func collectSessionInfo() -> TLSSessionInfo {
        var version = String(cString: mbedtls_ssl_get_version(ssl))
        if version.hasPrefix("TLSv") { version.removeFirst(4) }
        let suite = String(cString: mbedtls_ssl_get_ciphersuite(ssl))
        let alpn = mbedtls_ssl_get_alpn_protocol(ssl).map { String(cString: $0) }
        return TLSSessionInfo(
            version: version, cipherSuite: suite, applicationProtocol: alpn,
            serverNameReceived: io.serverNameReceived, peerSentCertificate: mbedtls_ssl_get_peer_cert(ssl) != nil)
    }
}
