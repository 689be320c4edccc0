import TLS
import XCTest

final class FailureTests: XCTestCase {
    func testGarbageInsteadOfClientHelloIsAnErrorNotACrash() throws {
        let server = try TLSConnection(context: try serverContext())
        server.feed(ciphertext: Array("<?xml version='1.0'?><stream:stream to='a.example'>".utf8))
        XCTAssertThrowsError(try server.handshake()) { error in
            let tlsError = error as? TLSError
            XCTAssertEqual(tlsError?.code, .malformedInput, "\(error)")
            XCTAssertTrue(tlsError?.message.contains("not speaking TLS") ?? false, "\(error)")
        }
        // The failure sticks; later calls report it again instead of touching mbedTLS.
        XCTAssertThrowsError(try server.readPlaintext())
    }

    func testRandomBytesAfterHandshakeAreRejected() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        try completeHandshake(client, server)
        server.feed(ciphertext: [23, 3, 3, 0, 40] + [UInt8](repeating: 0xAB, count: 40))
        XCTAssertThrowsError(try server.readPlaintext()) { error in
            XCTAssertEqual((error as? TLSError)?.code, .malformedInput, "\(error)")
        }
    }

    func testTruncatedHandshakeStream() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        try client.handshake()
        let hello = client.takeCiphertext()
        server.feed(ciphertext: Array(hello.prefix(hello.count / 2)))
        XCTAssertEqual(try server.handshake(), .needsMoreData)
        server.feedEndOfStream()
        XCTAssertThrowsError(try server.handshake()) { error in
            XCTAssertEqual((error as? TLSError)?.code, .truncatedStream, "\(error)")
        }
    }

    func testByteAtATimeHandshake() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        for _ in 0..<20 where !(client.isHandshakeComplete && server.isHandshakeComplete) {
            try client.handshake()
            for byte in client.takeCiphertext() {
                server.feed(ciphertext: [byte])
                try server.handshake()
            }
            for byte in server.takeCiphertext() {
                client.feed(ciphertext: [byte])
                try client.handshake()
            }
        }
        XCTAssertTrue(client.isHandshakeComplete && server.isHandshakeComplete)
    }

    func testTLS13OnlyServerRefusesTLS12OnlyClientWhereTLS13Exists() throws {
        guard TLSLibrary.supportsTLS13 else {
            throw XCTSkip(
                "mbedTLS \(TLSLibrary.versionMajor).x here has no TLS 1.3; the openssl interop tests cover old versions"
            )
        }
        // Not possible from our own client (it always offers 1.3 when it can); see OpenSSLInteropTests.
        let server = try TLSConnection(context: try serverContext(minimumVersion: .tls13))
        let client = try TLSConnection(context: try clientContext(minimumVersion: .tls13), serverName: "a.example")
        try completeHandshake(client, server)
        XCTAssertEqual(server.sessionInfo?.version, "1.3")
    }
}
