import Foundation

/// A dumb TCP listener on a loopback address: accepts connections and collects what they send,
/// so a test can see where a server connects and what it says first. Never answers.
final class LoopbackListener {
    let address: String
    let port: Int
    private let listenFD: Int32
    private var clients: [Int32] = []
    private(set) var received = ""
    private(set) var connectionCount = 0

    init(address: String = "127.0.0.1", port: Int = 0) throws {
        self.address = address
        let listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var reuse: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in(address: address, port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listenFD, $0, length) == 0 && listen(listenFD, 16) == 0 && getsockname(listenFD, $0, &length) == 0
            }
        }
        guard ok else {
            close(listenFD)
            throw InteropSetupError("cannot listen on \(address):\(port): errno \(errno)")
        }
        self.listenFD = listenFD
        self.port = Int(UInt16(bigEndian: socketAddress.sin_port))
    }

    deinit {
        for fd in clients { close(fd) }
        close(listenFD)
    }

    /// "HOST:PORT", as mod_s2s_via_relay's `s2s_relay` takes it.
    var hostPort: String { "\(address):\(port)" }

    /// Accepts and reads until everything received so far contains `text`; false after `timeout`.
    @discardableResult
    func waitForData(containing text: String, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !received.contains(text) {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return false }
            var fds = [pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
            fds += clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), Int32(min(left, 1) * 1000)) > 0 else { continue }
            if fds[0].revents != 0 {
                let client = accept(listenFD, nil, nil)
                if client >= 0 {
                    clients.append(client)
                    connectionCount += 1
                }
            }
            for entry in fds.dropFirst() where entry.revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    received += String(decoding: buffer[0..<count], as: UTF8.self)
                } else {
                    close(entry.fd)
                    clients.removeAll { $0 == entry.fd }
                }
            }
        }
        return true
    }
}
