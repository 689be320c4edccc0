import EventLoop
import TLS

/// The byte side of one benchmark XMPP stream, shared by the peer links and both home-server roles:
/// a TCP connection that turns to TLS after STARTTLS. It hands on what it reads (the plain bytes
/// before TLS, the decrypted ones after), drives the handshake and says when it is done, and writes
/// through TLS once there is one. The owner keeps the XMPP setup: what each side says when.
final class StreamWire {
    let connection: TCPConnection
    /// Bytes read, never empty: plaintext before STARTTLS, decrypted after it.
    var onBytes: (([UInt8]) -> Void)?
    /// The TLS handshake finished; what it throws ends the stream like a TLS error.
    var onHandshakeComplete: (() throws -> Void)?
    /// A TLS error, as text for the owner's failure message.
    var onFailure: ((String) -> Void)?

    private var tls: TLSConnection?
    private var handshaking = false

    init(connection: TCPConnection) {
        self.connection = connection
        connection.onRead = { [weak self] bytes in self?.read(bytes) }
    }

    /// Starts TLS as the client (after `<proceed/>`): sends the ClientHello at once.
    func startClientTLS(context: TLSContext, serverName: String) throws(TLSError) {
        let tls = try TLSConnection(context: context, serverName: serverName)
        self.tls = tls
        handshaking = true
        try tls.handshake()
        flush()
    }

    /// Starts TLS as the server (after sending `<proceed/>`): waits for the ClientHello.
    func startServerTLS(context: TLSContext) throws(TLSError) {
        tls = try TLSConnection(context: context)
        handshaking = true
    }

    func send(_ text: String) throws(TLSError) {
        try write(Array(text.utf8))
    }

    /// Writes `bytes` in one TLS record batch and one socket write.
    func write(_ bytes: [UInt8]) throws(TLSError) {
        guard let tls else { return connection.write(bytes) }
        try tls.write(plaintext: bytes)
        flush()
    }

    /// Closes the connection; with `endingStream`, ends the XMPP stream and TLS cleanly first.
    func close(endingStream: Bool) {
        if let tls, endingStream {
            try? tls.write(plaintext: Array("</stream:stream>".utf8))
            tls.close()
            flush()
        }
        connection.close()
    }

    private func read(_ bytes: UnsafeRawBufferPointer) {
        guard let tls else {
            onBytes?(Array(bytes))
            return
        }
        tls.feed(ciphertext: Array(bytes))
        do {
            if handshaking {
                guard try tls.handshake() == .complete else { return flush() }
                handshaking = false
                try onHandshakeComplete?()
            }
            let plaintext = try tls.readPlaintext()
            flush()
            if !plaintext.isEmpty { onBytes?(plaintext) }
        } catch {
            onFailure?("TLS: \(error)")
        }
    }

    private func flush() {
        guard let tls, tls.hasCiphertextToSend else { return }
        connection.write(tls.takeCiphertext())
    }
}
