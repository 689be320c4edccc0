import Foundation
import TLS
import X509
import XCTest

/// A blocking loopback TCP client with bounded waits, optionally speaking TLS (the relay's own TLS
/// module as client): enough to play a XEP-0114 component or a misbehaving s2s peer in tests.
final class LoopbackClient {
    private let fd: Int32
    private var tls: TLSConnection?
    /// Everything received so far (plaintext), as text.
    private(set) var received = ""
    private(set) var peerClosed = false

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `receiveBuffer` (SO_RCVBUF, set before connecting) keeps the kernel from absorbing megabytes
    /// for a client that means not to read.
    init(port: UInt16, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            close(fd)
            throw Failure(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    /// Adopts a connection accepted by a test's own listener (to play a server).
    init(accepted: Int32) { fd = accepted }

    deinit { close(fd) }

    func send(_ text: String) throws {
        var bytes = Array(text.utf8)
        if let tls {
            try tls.write(plaintext: bytes)
            bytes = tls.takeCiphertext()
        }
        try sendRaw(bytes)
    }

    private func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Sends `text` (through TLS if on) as far as the peer takes it within `milliseconds`, never
    /// reading: a peer that floods and ignores the replies. False when the peer stopped taking bytes
    /// (the rest of this send is dropped, so the stream is not usable afterwards).
    func sendUnlessBlocked(_ text: String, milliseconds: Int32) throws -> Bool {
        var bytes = Array(text.utf8)
        if let tls {
            try tls.write(plaintext: bytes)
            bytes = tls.takeCiphertext()
        }
        var offset = 0
        while offset < bytes.count {
            var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&poller, 1, milliseconds) == 1 else { return false }
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
        return true
    }

    /// Whether the peer has ended the connection (reset, or FIN), waiting up to `milliseconds`
    /// without reading anything: a client that never reads.
    /// POLLRDHUP (Linux; the Glibc module does not export the _GNU_SOURCE macro).
    private static var readHangUp: Int16 { 0x2000 }

    func waitForClose(milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: fd, events: Self.readHangUp, revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return false }
        let ended = Int16(POLLHUP | POLLERR) | Self.readHangUp
        if poller.revents & ended != 0 { peerClosed = true }
        return peerClosed
    }

    /// Reads what is there within `milliseconds`; false when nothing came.
    @discardableResult
    private func readOnce(milliseconds: Int32) throws -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1 else { return false }
        var buffer = [UInt8](repeating: 0, count: 16384)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else {
            peerClosed = true
            tls?.feedEndOfStream()
            return false
        }
        let bytes = Array(buffer[0..<count])
        if let tls {
            tls.feed(ciphertext: bytes)
            if tls.isHandshakeComplete {
                let plaintext = (try? tls.readPlaintext()) ?? []
                received += String(decoding: plaintext, as: UTF8.self)
            }
            try sendRaw(tls.takeCiphertext())
        } else {
            received += String(decoding: bytes, as: UTF8.self)
        }
        return true
    }

    /// Waits (bounded) until the received text contains `marker`; returns the text received.
    @discardableResult
    func waitFor(_ marker: String, timeout: TimeInterval = 15) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while !received.contains(marker) {
            guard Date() < deadline, !peerClosed else {
                throw Failure(description: "no '\(marker)' within \(timeout) s; received: \(received)")
            }
            try readOnce(milliseconds: 100)
        }
        return received
    }

    /// Waits (bounded) until one of `markers` arrived (or the relay closed the connection).
    func waitForAny(_ markers: [String], timeout: TimeInterval = 15) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !markers.contains(where: { received.contains($0) }) {
            guard Date() < deadline, !peerClosed else {
                throw Failure(description: "none of \(markers) within \(timeout) s; received: \(received)")
            }
            try readOnce(milliseconds: 100)
        }
    }

    /// Forgets what was received so far (so the next `waitFor` looks only at new input).
    func clear() { received = "" }

    /// Switches to TLS as a client (or as a server with `role: .server`), presenting `identity`.
    func startTLS(identity: TLSIdentity?, serverName: String?, role: TLSConfiguration.Role = .client) throws {
        let context = try TLSContext(configuration: TLSConfiguration(role: role, identity: identity))
        let connection = try TLSConnection(context: context, serverName: role == .client ? serverName : nil)
        tls = connection
        let deadline = Date().addingTimeInterval(15)
        while try connection.handshake() != .complete {
            try sendRaw(connection.takeCiphertext())
            guard Date() < deadline, !peerClosed else { throw Failure(description: "TLS handshake timed out") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) == 1 {
                var buffer = [UInt8](repeating: 0, count: 16384)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { connection.feed(ciphertext: Array(buffer[0..<count])) } else { peerClosed = true }
            }
        }
        try sendRaw(connection.takeCiphertext())
        received = ""
    }

    /// The `id` attribute of the last stream header received.
    var streamID: String? {
        guard let header = received.range(of: "<stream:stream", options: .backwards) else { return nil }
        let rest = received[header.upperBound...]
        for quote in ["'", "\""] {
            if let start = rest.range(of: " id=\(quote)") {
                let value = rest[start.upperBound...]
                if let end = value.firstIndex(of: Character(quote)) { return String(value[..<end]) }
            }
        }
        return nil
    }

    // MARK: XEP-0114

    /// Opens a component stream for `domain` and completes the handshake with `secret`; returns
    /// what the relay answered (`<handshake/>` on success, a stream error otherwise).
    @discardableResult
    func componentHandshake(domain: String, secret: String) throws -> String {
        try send(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'"
                + " xmlns:stream='http://etherx.jabber.org/streams' to='\(domain)'>")
        try waitFor("<stream:stream")
        _ = try? waitFor(" id=", timeout: 2)
        guard let id = streamID else { throw Failure(description: "no stream id in \(received)") }
        let digest = SHA1.hash(Array((id + secret).utf8)).map { String(format: "%02x", $0) }.joined()
        clear()
        try send("<handshake>\(digest)</handshake>")
        try waitForAny(["<handshake", "</stream:error>"])
        return received
    }
}
