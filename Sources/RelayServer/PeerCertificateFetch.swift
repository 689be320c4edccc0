import EventLoop
import TLS
import XMPPStream

/// Connects to an XMPP server, by direct TLS (XEP-0368) or s2s STARTTLS, completes the TLS
/// handshake as a client and hands back what the peer presented, then closes. Used by
/// `xmpp-relay pin` (and later `probe`): it authenticates nothing and sends no stanza.
public final class PeerCertificateFetch {
    public struct Presented {
        public let address: SocketAddress
        /// DER, leaf first, as the peer sent it.
        public let chain: [[UInt8]]
        public let session: TLSSessionInfo
    }

    public struct Failure: Error, CustomStringConvertible {
        /// `connect`, `stream`, `starttls` or `tls`: the step that failed.
        public let step: String
        public let reason: String
        public var description: String { "\(step): \(reason)" }
    }

    private enum Phase {
        case connecting, awaitingFeatures, awaitingProceed, handshaking, done
    }

    private let loop: Loop
    private let serverName: String?
    private let starttlsDomain: String?
    private let completion: (Result<Presented, Failure>) -> Void
    private var phase = Phase.connecting
    private var connector: TCPConnector?
    private var connection: TCPConnection?
    private var timer: Cancellable?
    private let parser = XMPPStreamParser()
    private var tls: TLSConnection?

    /// - Parameters:
    ///   - serverName: SNI to send (the peer's XMPP domain); nil sends none.
    ///   - starttlsDomain: negotiate s2s STARTTLS for this domain first; nil means direct TLS.
    public init(
        loop: Loop, address: SocketAddress, serverName: String?, starttlsDomain: String?, timeout: Duration,
        completion: @escaping (Result<Presented, Failure>) -> Void
    ) {
        self.loop = loop
        self.serverName = serverName
        self.starttlsDomain = starttlsDomain
        self.completion = completion
        timer = loop.schedule(after: timeout) { [weak self] in
            self?.finish(.failure(Failure(step: self?.stepName ?? "connect", reason: "no answer within \(timeout)")))
        }
        connector = TCPConnector(loop: loop, to: address, timeout: timeout) { [weak self] result in
            self?.connected(result, address: address)
        }
    }

    private var stepName: String {
        switch phase {
        case .connecting: "connect"
        case .awaitingFeatures: "stream"
        case .awaitingProceed: "starttls"
        case .handshaking, .done: "tls"
        }
    }

    private func connected(_ result: Result<TCPConnection, SocketError>, address: SocketAddress) {
        connector = nil
        switch result {
        case .failure(let error):
            finish(.failure(Failure(step: "connect", reason: error.message)))
        case .success(let connection):
            self.connection = connection
            connection.onRead = { [weak self] bytes in self?.received(Array(bytes), from: address) }
            connection.onEndOfInput = { [weak self] in
                self?.finish(.failure(Failure(step: self?.stepName ?? "tls", reason: "the peer closed the connection")))
            }
            connection.onError = { [weak self] error in
                self?.finish(.failure(Failure(step: self?.stepName ?? "tls", reason: error.message)))
            }
            if let domain = starttlsDomain {
                phase = .awaitingFeatures
                do {
                    connection.write(try StreamHeader.server(to: domain, from: nil).serializedOpening())
                } catch {
                    finish(.failure(Failure(step: "stream", reason: "cannot write a stream header for \(domain)")))
                }
            } else {
                startTLS(address: address, early: [])
            }
        }
    }

    private func received(_ bytes: [UInt8], from address: SocketAddress) {
        switch phase {
        case .awaitingFeatures, .awaitingProceed:
            for event in parser.feed(bytes) { handle(event, address: address) }
        case .handshaking:
            tls?.feed(ciphertext: bytes)
            driveHandshake(address: address)
        case .connecting, .done:
            break
        }
    }

    private func handle(_ event: StreamEvent, address: SocketAddress) {
        switch event {
        case .opened:
            break
        case .element(let element):
            if phase == .awaitingFeatures && element.name == "features" && element.namespace == XMPPNamespace.streams {
                guard element.firstChild(named: "starttls", namespace: XMPPNamespace.tls) != nil else {
                    finish(.failure(Failure(step: "starttls", reason: "the server does not offer STARTTLS")))
                    return
                }
                phase = .awaitingProceed
                connection?.write(Array("<starttls xmlns='\(XMPPNamespace.tls)'/>".utf8))
            } else if phase == .awaitingProceed && element.namespace == XMPPNamespace.tls {
                guard element.name == "proceed" else {
                    finish(.failure(Failure(step: "starttls", reason: "the server answered <\(element.name)/>")))
                    return
                }
                startTLS(address: address, early: parser.restart())
            }
        case .closed:
            finish(.failure(Failure(step: stepName, reason: "the server closed the stream")))
        case .failed(let error):
            finish(.failure(Failure(step: stepName, reason: "stream error \(error)")))
        }
    }

    private func startTLS(address: SocketAddress, early: [UInt8]) {
        phase = .handshaking
        do {
            let context = try TLSContext(configuration: TLSConfiguration(role: .client))
            tls = try TLSConnection(context: context, serverName: serverName)
        } catch {
            finish(.failure(Failure(step: "tls", reason: "\(error)")))
            return
        }
        if !early.isEmpty { tls?.feed(ciphertext: early) }
        driveHandshake(address: address)
    }

    private func driveHandshake(address: SocketAddress) {
        guard let tls else { return }
        do {
            let progress = try tls.handshake()
            flush()
            if progress == .complete, let session = tls.sessionInfo {
                finish(.success(Presented(address: address, chain: tls.peerCertificateChain, session: session)))
            }
        } catch {
            flush()
            finish(.failure(Failure(step: "tls", reason: "\(error)")))
        }
    }

    private func flush() {
        if let tls, tls.hasCiphertextToSend { connection?.write(tls.takeCiphertext()) }
    }

    private func finish(_ result: Result<Presented, Failure>) {
        guard phase != .done else { return }
        phase = .done
        timer = nil
        connector = nil
        if case .success = result {
            tls?.close()
            flush()
        }
        connection?.onRead = nil
        connection?.onEndOfInput = nil
        connection?.onError = nil
        connection?.close()
        connection = nil
        completion(result)
    }
}
