import EventLoop
import TLS
import XMPPStream

/// Connects to an XMPP server, by direct TLS (XEP-0368) or s2s STARTTLS, completes the TLS
/// handshake as a client and hands back what the peer presented, then closes. Used by
/// `xmpp-relay pin` and `probe`: it authenticates nothing and sends no stanza. With
/// `Options.readFeaturesAfterTLS` it also opens a stream over TLS and reads the features offered
/// there (SASL EXTERNAL, dialback), as `probe` reports them.
public final class PeerCertificateFetch {
    public struct Presented {
        public let address: SocketAddress
        /// DER, leaf first, as the peer sent it.
        public let chain: [[UInt8]]
        public let session: TLSSessionInfo
        /// STARTTLS only: the features of the plaintext stream (with `<starttls/>`).
        public var featuresBeforeTLS: Element? = nil
        /// With `readFeaturesAfterTLS`: the header and features of the stream opened over TLS; nil
        /// (and `problemAfterTLS` set) when the server sent none.
        public var headerAfterTLS: StreamHeader? = nil
        public var featuresAfterTLS: Element? = nil
        public var problemAfterTLS: String? = nil
    }

    /// How to connect; the defaults are what `pin` does.
    public struct Options {
        /// The client configuration to handshake with (a probe may offer other versions or suites).
        public var tls = TLSConfiguration(role: .client)
        /// After the handshake, open a stream over TLS and wait for its `<stream:features/>`.
        public var readFeaturesAfterTLS = false
        /// Declare the dialback namespace in our headers: servers offer dialback only to peers that do.
        public var declareDialback = false
        /// Our domain in the stream headers' `from` (servers may tailor features to it); nil sends none.
        public var from: String? = nil

        public init() {}
    }

    public struct Failure: Error, CustomStringConvertible {
        /// `connect`, `stream`, `starttls` or `tls`: the step that failed.
        public let step: String
        public let reason: String
        /// The server's features had no `<starttls/>` (it talks plaintext only).
        public var starttlsNotOffered = false
        /// Direct TLS met a server speaking plaintext XMPP (an s2s STARTTLS port): try `--starttls`.
        public var plaintextXMPP = false
        public var description: String { "\(step): \(reason)" }
    }

    private enum Phase {
        case connecting, awaitingFeatures, awaitingProceed, handshaking, awaitingFeaturesAfterTLS
        /// Direct TLS was answered with XML: reading the server's stream error to show it.
        case readingPlaintextError
        case done
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
    private let options: Options
    private var featuresBeforeTLS: Element?
    private var presented: Presented?
    private var parserAfterTLS: XMPPStreamParser?
    /// Direct TLS: the first bytes the server sent, kept (bounded) in case they are plaintext XMPP.
    private var firstBytes: [UInt8] = []
    private static let firstBytesLimit = 8192

    /// - Parameters:
    ///   - serverName: SNI to send (the peer's XMPP domain); nil sends none.
    ///   - starttlsDomain: negotiate s2s STARTTLS for this domain first; nil means direct TLS.
    public convenience init(
        loop: Loop, address: SocketAddress, serverName: String?, starttlsDomain: String?, timeout: Duration,
        completion: @escaping (Result<Presented, Failure>) -> Void
    ) {
        self.init(
            loop: loop, address: address, serverName: serverName, starttlsDomain: starttlsDomain, timeout: timeout,
            options: Options(), completion: completion)
    }

    /// As above, with `options` (TLS configuration, features after TLS).
    public init(
        loop: Loop, address: SocketAddress, serverName: String?, starttlsDomain: String?, timeout: Duration,
        options: Options, completion: @escaping (Result<Presented, Failure>) -> Void
    ) {
        self.loop = loop
        self.serverName = serverName
        self.starttlsDomain = starttlsDomain
        self.options = options
        self.completion = completion
        timer = loop.schedule(after: timeout) { [weak self] in
            guard let self else { return }
            if self.phase == .awaitingFeaturesAfterTLS, var presented = self.presented {
                presented.problemAfterTLS = "no stream features over TLS within \(timeout)"
                self.finish(.success(presented))
                return
            }
            self.finish(.failure(Failure(step: self.stepName, reason: "no answer within \(timeout)")))
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
        case .awaitingFeaturesAfterTLS: "stream after tls"
        case .readingPlaintextError: "tls"
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
            connection.onEndOfInput = { [weak self] in self?.ended("the peer closed the connection") }
            connection.onError = { [weak self] error in self?.ended(error.message) }
            if let domain = starttlsDomain {
                phase = .awaitingFeatures
                do {
                    connection.write(try header(to: domain).serializedOpening())
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
            if starttlsDomain == nil && firstBytes.count < Self.firstBytesLimit {
                firstBytes += bytes.prefix(Self.firstBytesLimit - firstBytes.count)
            }
            tls?.feed(ciphertext: bytes)
            driveHandshake(address: address)
        case .readingPlaintextError:
            readPlaintextError(bytes)
        case .awaitingFeaturesAfterTLS:
            tls?.feed(ciphertext: bytes)
            readAfterTLS()
        case .connecting, .done:
            break
        }
    }

    private func handle(_ event: StreamEvent, address: SocketAddress) {
        switch event {
        case .opened:
            break
        case .element(let element):
            if let error = StreamError(received: element) {
                finish(.failure(Failure(step: stepName, reason: "the server sent a stream error: \(error)")))
            } else if phase == .awaitingFeatures && element.name == "features"
                && element.namespace == XMPPNamespace.streams
            {
                guard element.firstChild(named: "starttls", namespace: XMPPNamespace.tls) != nil else {
                    finish(
                        .failure(
                            Failure(
                                step: "starttls", reason: "the server does not offer STARTTLS", starttlsNotOffered: true
                            )))
                    return
                }
                featuresBeforeTLS = element
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
            let context = try TLSContext(configuration: options.tls)
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
                var presented = Presented(address: address, chain: tls.peerCertificateChain, session: session)
                presented.featuresBeforeTLS = featuresBeforeTLS
                guard options.readFeaturesAfterTLS else { return finish(.success(presented)) }
                self.presented = presented
                openStreamAfterTLS()
            }
        } catch {
            flush()
            if starttlsDomain == nil && looksLikeXML(firstBytes) {
                // A STARTTLS port answers a ClientHello with a stream header and a stream error.
                phase = .readingPlaintextError
                readPlaintextError(firstBytes)
                return
            }
            finish(.failure(Failure(step: "tls", reason: "\(error)")))
        }
    }

    private func looksLikeXML(_ bytes: [UInt8]) -> Bool {
        bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 } == 0x3C
    }

    /// Feeds what the plaintext server sent until its stream error (or the stream's end) shows.
    private func readPlaintextError(_ bytes: [UInt8]) {
        for event in parser.feed(bytes) {
            switch event {
            case .opened: continue
            case .element(let element):
                guard let error = StreamError(received: element) else { continue }
                return finishPlaintext("it sent the stream error \(error)")
            case .closed: return finishPlaintext("it closed the stream")
            case .failed(let error): return finishPlaintext("its XML was unreadable (\(error))")
            }
        }
    }

    private func finishPlaintext(_ what: String) {
        var failure = Failure(step: "tls", reason: "the server answered TLS with plaintext XMPP: \(what)")
        failure.plaintextXMPP = true
        finish(.failure(failure))
    }

    /// RFC 6120 §5.4.3.3: after TLS the initiating entity opens a fresh stream.
    private func openStreamAfterTLS() {
        phase = .awaitingFeaturesAfterTLS
        parserAfterTLS = XMPPStreamParser()
        let domain = starttlsDomain ?? serverName
        do {
            try tls?.write(plaintext: try header(to: domain).serializedOpening())
            flush()
        } catch {
            presented?.problemAfterTLS = "cannot open a stream over TLS: \(error)"
            if let presented { finish(.success(presented)) }
            return
        }
        readAfterTLS()
    }

    private func readAfterTLS() {
        guard let tls, let parser = parserAfterTLS, var presented else { return }
        let plaintext: [UInt8]
        do {
            plaintext = try tls.readPlaintext()
        } catch {
            presented.problemAfterTLS = "TLS failed after the handshake: \(error)"
            return finish(.success(presented))
        }
        flush()
        for event in parser.feed(plaintext) {
            switch event {
            case .opened(let header):
                presented.headerAfterTLS = header
                self.presented = presented
            case .element(let element):
                if element.name == "features" && element.namespace == XMPPNamespace.streams {
                    presented.featuresAfterTLS = element
                    return finish(.success(presented))
                }
            case .closed:
                presented.problemAfterTLS = "the server closed the stream over TLS without features"
                return finish(.success(presented))
            case .failed(let error):
                presented.problemAfterTLS = "stream error over TLS: \(error)"
                return finish(.success(presented))
            }
        }
        if tls.peerClosure != nil {
            presented.problemAfterTLS = "the server closed TLS without stream features"
            finish(.success(presented))
        }
    }

    private func ended(_ reason: String) {
        if phase == .readingPlaintextError { return finishPlaintext(reason) }
        if phase == .awaitingFeaturesAfterTLS, var presented {
            presented.problemAfterTLS = "\(reason) before sending stream features over TLS"
            return finish(.success(presented))
        }
        finish(.failure(Failure(step: stepName, reason: reason)))
    }

    private func header(to domain: String?) -> StreamHeader {
        StreamHeader.server(to: domain, from: options.from, dialback: options.declareDialback)
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
