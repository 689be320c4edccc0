import EventLoop
import TLS

/// One s2s stream the relay opened to the home sink, the home server's side of it: header and
/// features (STARTTLS required), TLS as server with the home server's certificate, header and
/// features (dialback only), then the relay's `<db:result/>` for (remote domain → sink.load.test).
/// A real home server checks that key with `<db:verify/>` through the relay's home listener; this
/// sink does so only when `checkKey` is set (`--home-verify`) and otherwise answers `valid` itself,
/// as the benchmark measures the stanza hop, not the link setup. Then it only counts `</message>` in
/// the decrypted bytes.
final class HomeSinkStream {
    enum Phase {
        case header, starttls, handshake, tlsHeader, dialback, checkingKey, counting, failed
    }

    private(set) var phase = Phase.header
    var isCounting: Bool { phase == .counting }
    var onCounted: ((Int) -> Void)?
    var onFailure: ((String) -> Void)?
    /// Checks the relay's dialback key (remote domain, stream id, key) and calls back with nil for
    /// valid or why not. Nil: the key is taken as valid.
    var checkKey: ((String, String, String, @escaping (String?) -> Void) -> Void)?

    private let wire: StreamWire
    private let context: TLSContext
    private var setupText = ""
    /// The remote domain the relay speaks for on this stream (its header's `from`).
    private var remote = "?"
    private var streamCount = 0
    /// Our stream id, to which the relay's dialback key is bound; unique over the run.
    private var streamID = ""
    private let serial: Int
    private var counter = MessageCounter()

    init(connection: TCPConnection, context: TLSContext, serial: Int) {
        self.serial = serial
        self.context = context
        wire = StreamWire(connection: connection)
        wire.onBytes = { [weak self] bytes in self?.read(bytes) }
        wire.onHandshakeComplete = { [weak self] in self?.secured() }
        wire.onFailure = { [weak self] why in self?.fail(why) }
        connection.onEndOfInput = { [weak self] in
            guard let self else { return }
            self.fail("the relay closed the home link for \(self.remote) (\(self.phase)): \(self.setupText)")
        }
        connection.onError = { [weak self] error in self?.fail("\(error)") }
    }

    private func fail(_ why: String) {
        guard phase != .failed else { return }
        phase = .failed
        onFailure?(why)
    }

    private func secured() {
        phase = .tlsHeader
        setupText = ""
    }

    private func read(_ bytes: [UInt8]) {
        switch phase {
        case .failed:
            return
        case .counting:
            count(bytes)
        default:
            setupText += String(decoding: bytes, as: UTF8.self)
            advance()
        }
    }

    private func count(_ bytes: [UInt8]) {
        let found = bytes.withUnsafeBytes { counter.add($0) }
        if found > 0 { onCounted?(found) }
    }

    private func send(_ text: String) throws(TLSError) {
        try wire.send(text)
    }

    /// The header we answer with; the relay's dialback key is bound to its id.
    private func header() -> String {
        streamCount += 1
        streamID = "home-sink-\(serial)-\(streamCount)"
        return "<?xml version='1.0'?><stream:stream xmlns='jabber:server'"
            + " xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback'"
            + " from='\(TestBed.sinkDomain)' to='\(remote)' id='\(streamID)' version='1.0'>"
    }

    /// Moves the setup on when what the current phase waits for has arrived.
    private func advance() {
        if setupText.contains("</stream:error>") || setupText.contains("</stream:stream>") {
            fail("the relay ended the stream for \(remote): \(setupText)")
            return
        }
        do {
            switch phase {
            case .header, .tlsHeader:
                guard let opening = XMLSnippets.streamHeader(in: setupText) else { return }
                remote = XMLSnippets.attribute("from", in: opening) ?? "?"
                let secured = phase == .tlsHeader
                setupText = ""
                phase = secured ? .dialback : .starttls
                let features =
                    secured
                    ? "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
                    : "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                try send(header() + "<stream:features>\(features)</stream:features>")
            case .starttls where setupText.contains("<starttls"):
                setupText = ""
                phase = .handshake
                try send("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
                try wire.startServerTLS(context: context)
            case .dialback:
                guard
                    let tag = XMLSnippets.openingTag("<db:result", in: setupText)
                        ?? XMLSnippets.openingTag("<result", in: setupText),
                    let end = setupText.firstRange(of: "</db:result>") ?? setupText.firstRange(of: "</result>"),
                    tag.endIndex <= end.lowerBound
                else { return }
                let key = String(setupText[tag.endIndex..<end.lowerBound])
                // The relay sends stanzas only after our answer, so nothing should follow the key;
                // whatever does is counted rather than lost.
                let rest = Array(setupText[end.upperBound...].utf8)
                setupText = ""
                guard let checkKey else { return try answerValid(then: rest) }
                phase = .checkingKey
                checkKey(remote, streamID, key) { [weak self] failure in
                    guard let self, self.phase == .checkingKey else { return }
                    if let failure { return self.fail(failure) }
                    do {
                        try self.answerValid(then: rest)
                    } catch {
                        self.fail("TLS: \(error)")
                    }
                }
            default:
                break
            }
        } catch {
            fail("TLS: \(error)")
        }
    }

    private func answerValid(then rest: [UInt8]) throws(TLSError) {
        phase = .counting
        try send(
            "<db:result xmlns:db='jabber:server:dialback' from='\(TestBed.sinkDomain)' to='\(remote)' type='valid'/>")
        count(rest)
    }

    func close() {
        wire.close(endingStream: phase == .counting)
    }
}
