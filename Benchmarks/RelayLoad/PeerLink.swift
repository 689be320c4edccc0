import EventLoop
import TLS

/// One s2s link to the relay, played as the peer `domain`: stream header, STARTTLS, TLS with the
/// peer's certificate as client identity, SASL EXTERNAL, stream restart, optionally XEP-0198; then
/// it sends message stanzas in batches (one TLS write and one socket write per batch).
final class PeerLink {
    enum Phase {
        case connecting, features, proceed, handshake, tlsFeatures, sasl, authenticatedFeatures, smEnable
        case established, failed
    }

    let domain: String
    private(set) var phase = Phase.connecting
    private(set) var sent = 0
    var onEstablished: (() -> Void)?
    var onDrained: (() -> Void)?
    var onFailure: ((String) -> Void)?
    /// XEP-0198: the relay's `<a h/>`, the count of this stream's stanzas it has taken custody of.
    var onAcked: ((Int) -> Void)?

    private let loop: Loop
    private let identity: TLSIdentity
    private let streamManagement: Bool
    private let maxFragmentLength: TLSConfiguration.MaxFragmentLength?
    private var connector: TCPConnector?
    private var wire: StreamWire?
    private var setupText = ""
    private let stanzaPrefix: [UInt8]
    private let stanzaSuffix: [UInt8]
    private var batch: [UInt8] = []
    /// Established-phase text not yet searched for `<a h/>` (a tag may be split across reads).
    private var ackText = ""

    init(
        loop: Loop, port: UInt16, domain: String, identity: TLSIdentity, streamManagement: Bool, bodyBytes: Int,
        maxFragmentLength: TLSConfiguration.MaxFragmentLength?
    ) {
        self.maxFragmentLength = maxFragmentLength
        self.loop = loop
        self.domain = domain
        self.identity = identity
        self.streamManagement = streamManagement
        stanzaPrefix = Array("<message from='user@\(domain)' to='sink@\(TestBed.sinkDomain)' id='".utf8)
        let body = String(repeating: "x", count: bodyBytes)
        stanzaSuffix = Array("'><body>\(body)</body></message>".utf8)
        connector = .loopback(
            loop: loop, port: port, timeout: .seconds(30),
            connected: { [weak self] connection in self?.connected(connection) },
            failed: { [weak self] error in self?.fail("\(error)") })
    }

    /// Bytes the socket has not taken yet: the relay's backpressure.
    var pendingBytes: Int { wire?.connection.pendingWriteByteCount ?? 0 }

    private var header: String {
        "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
            + " from='\(domain)' to='\(TestBed.sinkDomain)' version='1.0'>"
    }

    private func connected(_ connection: TCPConnection) {
        connector = nil
        let wire = StreamWire(connection: connection)
        self.wire = wire
        wire.onBytes = { [weak self] bytes in self?.read(bytes) }
        wire.onHandshakeComplete = { [weak self] in try self?.secured() }
        wire.onFailure = { [weak self] why in self?.fail(why) }
        connection.onEndOfInput = { [weak self] in
            self?.fail("the relay closed the connection: \(self?.setupText ?? "")")
        }
        connection.onError = { [weak self] error in self?.fail("\(error)") }
        connection.onDrained = { [weak self] in self?.onDrained?() }
        phase = .features
        connection.write(Array(header.utf8))
    }

    private func fail(_ why: String) {
        guard phase != .failed else { return }
        phase = .failed
        onFailure?("\(domain): \(why)")
    }

    private func secured() throws {
        phase = .tlsFeatures
        setupText = ""
        try send(header)
    }

    private func read(_ bytes: [UInt8]) {
        // Once established only XEP-0198 answers arrive; they need no reply.
        if phase == .established {
            if let onAcked { readAcks(bytes, onAcked) }
            return
        }
        setupText += String(decoding: bytes, as: UTF8.self)
        advance()
    }

    private func send(_ text: String) throws(TLSError) {
        try wire?.send(text)
    }

    /// Moves the setup on when the answer the current phase waits for has arrived.
    private func advance() {
        if setupText.contains("</stream:error>") || setupText.contains("<failure") {
            fail("refused: \(setupText)")
            return
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
                let context = try TLSContext(
                    configuration: TLSConfiguration(
                        role: .client, identity: identity, maxFragmentLength: maxFragmentLength))
                try wire?.startClientTLS(context: context, serverName: TestBed.sinkDomain)
            case .tlsFeatures where setupText.contains("</stream:features>"):
                guard setupText.contains("EXTERNAL") else {
                    fail("no SASL EXTERNAL offered: \(setupText)")
                    return
                }
                setupText = ""
                phase = .sasl
                try send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
            case .sasl where setupText.contains("<success"):
                setupText = ""
                phase = .authenticatedFeatures
                try send(header)
            // Prosody sends an empty `<stream:features/>` after SASL when it has nothing to offer.
            case .authenticatedFeatures
            where setupText.contains("</stream:features>") || setupText.contains("<stream:features/>"):
                if streamManagement {
                    guard setupText.contains("urn:xmpp:sm:3") else {
                        fail("no XEP-0198 offered: \(setupText)")
                        return
                    }
                    setupText = ""
                    phase = .smEnable
                    try send("<enable xmlns='urn:xmpp:sm:3'/>")
                } else {
                    establish()
                }
            case .smEnable where setupText.contains("<enabled"):
                establish()
            default:
                break
            }
        } catch {
            fail("TLS: \(error)")
        }
    }

    private func establish() {
        setupText = ""
        phase = .established
        onEstablished?()
    }

    /// The `h` of every `<a h/>` in `bytes`, in order.
    private func readAcks(_ bytes: [UInt8], _ acked: (Int) -> Void) {
        ackText += String(decoding: bytes, as: UTF8.self)
        while let tag = XMLSnippets.openingTag("<a ", in: ackText) {
            if let h = XMLSnippets.attribute("h", in: tag).flatMap({ Int($0) }) { acked(h) }
            ackText = String(ackText[tag.endIndex...])
        }
        if ackText.count > 4096 { ackText = String(ackText.suffix(256)) }
    }

    /// Sends `count` stanzas in one TLS write (and asks for an ack after them with XEP-0198).
    func sendBatch(_ count: Int) {
        send(ids: (0..<count).map { String(sent + 1 + $0) })
    }

    /// Sends one stanza per id in one TLS write (and asks for an ack after them with XEP-0198).
    func send(ids: [String]) {
        guard phase == .established, let wire else { return }
        batch.removeAll(keepingCapacity: true)
        for id in ids {
            sent += 1
            batch.append(contentsOf: stanzaPrefix)
            batch.append(contentsOf: id.utf8)
            batch.append(contentsOf: stanzaSuffix)
        }
        if streamManagement { batch.append(contentsOf: "<r xmlns='urn:xmpp:sm:3'/>".utf8) }
        do {
            try wire.write(batch)
        } catch {
            fail("TLS write: \(error)")
        }
    }

    func close() {
        connector = nil
        wire?.close(endingStream: phase == .established)
    }
}
