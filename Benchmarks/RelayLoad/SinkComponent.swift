import EventLoop
import X509

/// The XEP-0114 component the relay delivers to. After the handshake it only counts `</message>`
/// in the bytes it reads (no parsing), so it stays cheap next to the relay.
final class SinkComponent: StanzaSink {
    var received: Int { counter.count }
    private(set) var isReady = false
    var onReady: (() -> Void)?
    var onReceived: (() -> Void)?
    var onFailure: ((String) -> Void)?

    private let loop: Loop
    private let port: UInt16
    private var connector: TCPConnector?
    private var connection: TCPConnection?
    private var setupText = ""
    private var handshakeSent = false
    private var counter = MessageCounter()
    /// With `collectsIDs`: the `id` of every message read, in order, duplicates included.
    private(set) var ids: [String] = []
    var collectsIDs = false
    private var idText = ""
    /// With `recordsLatency`: arrival minus send time (ns) of every message whose id carries its
    /// send time (`LatencyID`), read at the moment its bytes arrived.
    private(set) var latencies: [Int64] = []
    var recordsLatency = false

    init(loop: Loop, port: UInt16) {
        self.loop = loop
        self.port = port
    }

    func start() {
        connector = .loopback(
            loop: loop, port: port, timeout: .seconds(10),
            connected: { [weak self] connection in self?.connected(connection) },
            failed: { [weak self] error in self?.onFailure?("sink: \(error)") })
    }

    private func connected(_ connection: TCPConnection) {
        connector = nil
        self.connection = connection
        connection.onRead = { [weak self] bytes in self?.read(bytes) }
        connection.onEndOfInput = { [weak self] in self?.onFailure?("sink: the relay closed the component stream") }
        connection.onError = { [weak self] error in self?.onFailure?("sink: \(error)") }
        connection.write(
            Array(
                ("<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'"
                    + " xmlns:stream='http://etherx.jabber.org/streams' to='\(TestBed.sinkDomain)'>").utf8))
    }

    private func read(_ bytes: UnsafeRawBufferPointer) {
        if isReady { return count(bytes) }
        setupText += String(decoding: bytes, as: UTF8.self)
        if setupText.contains("</stream:error>") || setupText.contains("</stream:stream>") {
            onFailure?("sink: the relay refused the component: \(setupText)")
            return
        }
        if let start = setupText.firstRange(of: "<handshake") {
            // What follows the relay's <handshake/> in the same read is already stanzas (a queued
            // backlog goes out at once): count it too.
            let rest = setupText[start.upperBound...]
            guard let end = rest.firstRange(of: "/>") ?? rest.firstRange(of: "</handshake>") else { return }
            isReady = true
            onReady?()
            let stanzas = Array(rest[end.upperBound...].utf8)
            setupText = ""
            if !stanzas.isEmpty { stanzas.withUnsafeBytes { count($0) } }
            return
        }
        guard !handshakeSent, let id = streamID(setupText) else { return }
        handshakeSent = true
        let digest = Hex.encode(SHA1.hash(Array((id + TestBed.sinkSecret).utf8)))
        connection?.write(Array("<handshake>\(digest)</handshake>".utf8))
    }

    private func streamID(_ text: String) -> String? {
        guard let header = text.firstRange(of: "<stream:stream"),
            let end = text[header.upperBound...].firstIndex(of: ">")
        else { return nil }
        let attributes = text[header.upperBound..<end]
        for quote in ["'", "\""] {
            if let start = attributes.firstRange(of: " id=\(quote)") {
                let value = attributes[start.upperBound...]
                if let close = value.firstIndex(of: Character(quote)) { return String(value[..<close]) }
            }
        }
        return nil
    }

    private func count(_ bytes: UnsafeRawBufferPointer) {
        if recordsLatency {
            let now = monotonicNanoseconds()
            let before = ids.count
            collectIDs(bytes)
            for id in ids[before...] {
                if let sent = LatencyID.sendTime(id) { latencies.append(now - sent) }
            }
            ids.removeAll(keepingCapacity: true)
        } else if collectsIDs {
            collectIDs(bytes)
        }
        if counter.add(bytes) > 0 { onReceived?() }
    }

    /// Slower than counting, for the crash test: each whole `<message …>…</message>`'s id.
    private func collectIDs(_ bytes: UnsafeRawBufferPointer) {
        idText += String(decoding: bytes, as: UTF8.self)
        while let end = idText.firstRange(of: "</message>") {
            let stanza = idText[..<end.lowerBound]
            if let tag = XMLSnippets.openingTag("<message", in: String(stanza)),
                let id = XMLSnippets.attribute("id", in: tag)
            {
                ids.append(id)
            }
            idText = String(idText[end.upperBound...])
        }
    }

    func close() { connection?.close() }
}
