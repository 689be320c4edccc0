import EventLoop
import X509

/// The XEP-0114 component the relay delivers to. After the handshake it only counts `</message>`
/// in the bytes it reads (no parsing), so it stays cheap next to the relay.
final class SinkComponent {
    private(set) var received = 0
    private(set) var isReady = false
    var onReady: (() -> Void)?
    var onReceived: (() -> Void)?
    var onFailure: ((String) -> Void)?

    private let loop: Loop
    private var connector: TCPConnector?
    private var connection: TCPConnection?
    private var setupText = ""
    private var handshakeSent = false
    /// The last bytes of the previous read, so a marker split across two reads is still counted.
    private var carry: [UInt8] = []
    private static var marker: [UInt8] { Array("</message>".utf8) }
    private let marker = SinkComponent.marker

    init(loop: Loop, port: UInt16) {
        self.loop = loop
        connector = TCPConnector(
            loop: loop, to: SocketAddress(ipAddress: "127.0.0.1", port: port)!, timeout: .seconds(10)
        ) { [weak self] result in
            guard let self else { return }
            self.connector = nil
            switch result {
            case .success(let connection): self.connected(connection)
            case .failure(let error): self.onFailure?("sink: \(error)")
            }
        }
    }

    private func connected(_ connection: TCPConnection) {
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
        if setupText.contains("<handshake") {
            isReady = true
            onReady?()
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
        var found = 0
        let length = marker.count
        if !carry.isEmpty {
            let joined = carry + Array(bytes.prefix(length - 1))
            if joined.count >= length {
                for start in 0...(joined.count - length) where joined[start..<(start + length)].elementsEqual(marker) {
                    found += 1
                }
            }
        }
        var index = 0
        let end = bytes.count - length
        while index <= end {
            if bytes[index] == 0x3C && bytes[index + 1] == 0x2F && bytes[index + 2] == 0x6D
                && bytes[index + 9] == 0x3E && matches(bytes, at: index)
            {
                found += 1
                index += length
            } else {
                index += 1
            }
        }
        carry = Array(bytes.suffix(length - 1))
        if found > 0 {
            received += found
            onReceived?()
        }
    }

    private func matches(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Bool {
        for offset in 3..<9 where bytes[index + offset] != marker[offset] { return false }
        return true
    }

    func close() { connection?.close() }
}
