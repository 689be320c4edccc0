import Foundation
import XCTest

/// What systemd is for a `Type=notify` service, as far as the relay can tell: a Unix datagram
/// socket the test binds (a path in a temporary directory, or an abstract `@name`), whose
/// datagrams are kept with the CLOCK_MONOTONIC time they were read.
final class NotifyReceiver {
    struct Datagram {
        /// Its place in `received`: what came after it is `received[(index + 1)...]`.
        let index: Int
        let fields: [String: String]
        let text: String
        /// CLOCK_MONOTONIC, microseconds: comparable with MONOTONIC_USEC.
        let receivedMicroseconds: Int64
    }

    /// What NOTIFY_SOCKET must say to reach this receiver.
    let name: String
    private let fd: Int32
    private(set) var received: [Datagram] = []

    /// `path` starting with `@`: the abstract namespace.
    init(path: String) throws {
        name = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw XCTSkip("no AF_UNIX datagram socket here: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count + (abstract ? 0 : 1))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw NSError(domain: "bind \(path)", code: Int(code))
        }
    }

    deinit {
        close(fd)
        if !name.hasPrefix("@") { unlink(name) }
    }

    static func monotonicMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }

    /// Reads every datagram that arrives within `timeout` seconds (at least the ones waiting now).
    func drain(for timeout: TimeInterval) {
        let deadline = Self.monotonicMicroseconds() + Int64(timeout * 1_000_000)
        repeat {
            let left = max(0, deadline - Self.monotonicMicroseconds())
            guard readOne(waitingMilliseconds: Int32(left / 1000)) else { continue }
        } while Self.monotonicMicroseconds() < deadline
        while readOne(waitingMilliseconds: 0) {}
    }

    /// Waits (bounded) for a datagram, received after the first `after`, that `matches`.
    func waitFor(after: Int = 0, timeout: TimeInterval = 15, _ matches: (Datagram) -> Bool) -> Datagram? {
        let deadline = Self.monotonicMicroseconds() + Int64(timeout * 1_000_000)
        var checked = after
        while true {
            while checked < received.count {
                if matches(received[checked]) { return received[checked] }
                checked += 1
            }
            let left = deadline - Self.monotonicMicroseconds()
            guard left > 0 else { return nil }
            _ = readOne(waitingMilliseconds: Int32(min(left / 1000, 200)))
        }
    }

    /// Waits for a datagram with `key=value` among its fields.
    func waitFor(_ key: String, _ value: String, after: Int = 0, timeout: TimeInterval = 15) -> Datagram? {
        waitFor(after: after, timeout: timeout) { $0.fields[key] == value }
    }

    private func readOne(waitingMilliseconds: Int32) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, waitingMilliseconds) == 1 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return false }
        let text = String(decoding: buffer[0..<count], as: UTF8.self)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        received.append(
            Datagram(
                index: received.count, fields: fields, text: text, receivedMicroseconds: Self.monotonicMicroseconds()))
        return true
    }
}
