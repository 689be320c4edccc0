import EventLoop
import TLS

/// What a real home server does with the relay's dialback key (`--home-verify`): it asks the relay
/// back, through the relay's home listener, whether the key is one the relay made (XEP-0220's
/// `<db:verify/>`). One stream per check: header from the home domain, STARTTLS, TLS with the home
/// server's certificate as client identity (the relay checks it against the `[[home]]` pin), header,
/// then `<db:verify/>`; the answer's `type` is the result.
final class HomeDialbackCheck {
    enum Phase {
        case connecting, features, proceed, handshake, tlsFeatures, verifying, done
    }

    private let receiving: String
    private let originating: String
    private let streamID: String
    private let key: String
    private let context: TLSContext
    /// Called once: `nil` for valid, else why not.
    private var completion: ((String?) -> Void)?
    private var phase = Phase.connecting
    private var connector: TCPConnector?
    private var wire: StreamWire?
    private var setupText = ""

    /// Checks `key`, which the relay sent as `originating` to `receiving` on the stream `streamID`.
    init(
        loop: Loop, port: UInt16, context: TLSContext, receiving: String, originating: String, streamID: String,
        key: String, completion: @escaping (String?) -> Void
    ) {
        self.receiving = receiving
        self.originating = originating
        self.streamID = streamID
        self.key = key
        self.context = context
        self.completion = completion
        connector = .loopback(
            loop: loop, port: port, timeout: .seconds(10),
            connected: { [weak self] connection in self?.connected(connection) },
            failed: { [weak self] error in self?.finish("cannot reach the home listener: \(error)") })
    }

    private var header: String {
        "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
            + " xmlns:db='jabber:server:dialback' from='\(receiving)' to='\(originating)' version='1.0'>"
    }

    private func connected(_ connection: TCPConnection) {
        connector = nil
        let wire = StreamWire(connection: connection)
        self.wire = wire
        wire.onBytes = { [weak self] bytes in self?.read(bytes) }
        wire.onHandshakeComplete = { [weak self] in try self?.secured() }
        wire.onFailure = { [weak self] why in self?.finish(why) }
        connection.onEndOfInput = { [weak self] in
            self?.finish("the relay closed the home listener stream: \(self?.setupText ?? "")")
        }
        connection.onError = { [weak self] error in self?.finish("\(error)") }
        phase = .features
        connection.write(Array(header.utf8))
    }

    private func finish(_ failure: String?) {
        guard phase != .done else { return }
        phase = .done
        connector = nil
        wire?.close(endingStream: failure == nil)
        let completion = self.completion
        self.completion = nil
        completion?(failure.map { "db:verify for \(originating): \($0)" })
    }

    private func read(_ bytes: [UInt8]) {
        guard phase != .done else { return }
        setupText += String(decoding: bytes, as: UTF8.self)
        advance()
    }

    private func secured() throws {
        phase = .tlsFeatures
        setupText = ""
        try send(header)
    }

    private func send(_ text: String) throws(TLSError) {
        try wire?.send(text)
    }

    private func advance() {
        if setupText.contains("</stream:error>") || setupText.contains("</stream:stream>") {
            return finish("refused: \(setupText)")
        }
        do {
            switch phase {
            case .features where setupText.contains("</stream:features>"):
                setupText = ""
                phase = .proceed
                try send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            case .proceed where setupText.contains("<proceed"):
                setupText = ""
                phase = .handshake
                try wire?.startClientTLS(context: context, serverName: originating)
            case .tlsFeatures where setupText.contains("</stream:features>"):
                setupText = ""
                phase = .verifying
                try send(
                    "<db:verify from='\(receiving)' to='\(originating)' id='\(streamID)'>\(key)</db:verify>")
            case .verifying:
                guard
                    let answer = XMLSnippets.openingTag("<db:verify", in: setupText)
                        ?? XMLSnippets.openingTag("<verify", in: setupText)
                else { return }
                let type = XMLSnippets.attribute("type", in: answer)
                finish(type == "valid" ? nil : "the relay answered \(type ?? "no type"): \(setupText)")
            default:
                break
            }
        } catch {
            finish("TLS: \(error)")
        }
    }
}
