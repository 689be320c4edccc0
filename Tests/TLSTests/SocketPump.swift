import Foundation
import TLS
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Test-only plumbing: a blocking loopback TCP socket that shuttles bytes between the kernel and a
/// memory-buffer `TLSConnection`, and helpers to run openssl next to it.
final class LoopbackSocket {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }
    deinit { Glibc.close(fd) }

    /// Listens on 127.0.0.1 with a kernel-chosen port.
    static func listen() throws -> (socket: LoopbackSocket, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket: \(errno)") }
        let listener = LoopbackSocket(fd: fd)
        var address = loopbackAddress(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(fd, 4) == 0 else { throw SocketError("bind/listen: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (listener, UInt16(bigEndian: address.sin_port))
    }

    /// Accepts one connection, waiting at most `seconds`.
    func accept(within seconds: Int32) throws -> LoopbackSocket {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, seconds * 1000) == 1 else { throw SocketError("nobody connected within \(seconds) s") }
        let client = Glibc.accept(fd, nil, nil)
        guard client >= 0 else { throw SocketError("accept: \(errno)") }
        return LoopbackSocket(fd: client)
    }

    static func connect(port: UInt16) throws -> LoopbackSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket: \(errno)") }
        let result = LoopbackSocket(fd: fd)
        var address = loopbackAddress(port: port)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else { throw SocketError("connect to 127.0.0.1:\(port): \(errno)") }
        return result
    }

    private static func loopbackAddress(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    func sendAll(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            guard sent > 0 else { throw SocketError("send: \(errno)") }
            offset += sent
        }
    }

    /// Moves bytes both ways until `step` (which drives the connection) returns true. Errors thrown
    /// by `step` propagate after whatever the connection queued (an alert) has been sent.
    func pump(_ connection: TLSConnection, seconds: Double = 10, until step: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let done: Bool
            do {
                done = try step()
            } catch {
                try? sendAll(connection.takeCiphertext())
                throw error
            }
            try sendAll(connection.takeCiphertext())
            if done { return }
            guard Date() < deadline else { throw SocketError("timed out after \(seconds) s") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 100) == 1 {
                var buffer = [UInt8](repeating: 0, count: 16384)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    connection.feed(ciphertext: Array(buffer[0..<count]))
                } else if count == 0 {
                    connection.feedEndOfStream()
                }
            }
        }
    }
}

struct SocketError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// An openssl child process on loopback, stopped by PID when the test ends.
final class OpenSSLProcess {
    let process = Process()
    let input = Pipe()
    let output = Pipe()

    static var executable: String? {
        ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init(_ arguments: [String]) throws {
        guard let path = OpenSSLProcess.executable else {
            throw XCTSkip("openssl is not installed (Debian package openssl)")
        }
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    /// Blocks until the output contains `marker` (s_server prints ACCEPT when listening).
    func waitForOutput(_ marker: String) throws -> String {
        var seen = ""
        while !seen.contains(marker) {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { throw SocketError("openssl exited before printing \(marker): \(seen)") }
            seen += String(decoding: data, as: UTF8.self)
        }
        return seen
    }

    /// Stops the process (SIGTERM to its PID) and returns everything it printed.
    func stop() -> String {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
