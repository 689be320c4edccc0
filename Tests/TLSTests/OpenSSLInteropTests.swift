import Foundation
import TLS
import XCTest

/// Our code against a TLS stack nobody here wrote: openssl s_client / s_server on 127.0.0.1.
final class OpenSSLInteropTests: XCTestCase {
    /// Runs `openssl s_client` with `options` against our server; returns our connection (or the
    /// handshake error) and what s_client printed.
    private func serveOpenSSLClient(_ options: [String], server domain: String = "b.example") throws -> (
        TLSConnection, Error?, String
    ) {
        let (listener, port) = try LoopbackSocket.listen()
        let client = try OpenSSLProcess(
            ["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "a.example", "-alpn", "xmpp-server"] + options)
        let socket = try listener.accept(within: 10)
        let connection = try TLSConnection(context: try serverContext(domain))
        var failure: Error?
        do {
            try socket.pump(connection) { try connection.handshake() == .complete }
            // s_client sends what arrives on its stdin; we answer and close properly.
            client.input.fileHandleForWriting.write(Data("ping from openssl\n".utf8))
            var received: [UInt8] = []
            try socket.pump(connection) {
                received += try connection.readPlaintext()
                return received.contains(UInt8(ascii: "\n"))
            }
            XCTAssertEqual(String(decoding: received, as: UTF8.self), "ping from openssl\n")
            try connection.write(plaintext: Array("pong from relay\n".utf8))
            connection.close()
            try socket.sendAll(connection.takeCiphertext())
            try? client.input.fileHandleForWriting.close()
        } catch {
            failure = error
        }
        client.process.waitUntilExit()
        return (connection, failure, client.stop())
    }

    func testOurServerWithOpenSSLClientTLS12AEAD() throws {
        let (connection, failure, output) = try serveOpenSSLClient(["-tls1_2"])
        XCTAssertNil(failure, "\(String(describing: failure))\n\(output)")
        let info = try XCTUnwrap(connection.sessionInfo)
        XCTAssertEqual(info.version, "1.2")
        XCTAssertTrue(info.cipherSuite.hasPrefix("TLS-ECDHE-RSA-WITH-"), info.cipherSuite)
        XCTAssertEqual(info.serverNameReceived, "a.example")
        XCTAssertEqual(info.applicationProtocol, "xmpp-server")
        XCTAssertTrue(output.contains("ALPN protocol: xmpp-server"), output)
        XCTAssertTrue(output.contains("pong from relay"), output)
        XCTAssertTrue(
            output.range(
                of: "Cipher is ECDHE-RSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)", options: .regularExpression
            ) != nil, output)
    }

    func testOurServerPrefersX25519OverTheP521OpenSSLAlsoOffers() throws {
        // mbedTLS 2.28's own default order starts with secp521r1, which its server then chose.
        let (_, failure, output) = try serveOpenSSLClient(["-tls1_2", "-groups", "P-521:P-384:P-256:X25519"])
        XCTAssertNil(failure, "\(String(describing: failure))\n\(output)")
        // OpenSSL 3.0 says "Server Temp Key", 3.5 "Peer Temp Key".
        XCTAssertTrue(output.contains(" Temp Key: X25519"), output)
    }

    func testOurServerWithOpenSSLClientDefaultVersion() throws {
        let (connection, failure, output) = try serveOpenSSLClient([], server: "a.example")
        XCTAssertNil(failure, "\(String(describing: failure))\n\(output)")
        XCTAssertEqual(connection.sessionInfo?.version, TLSLibrary.supportsTLS13 ? "1.3" : "1.2")
    }

    func testOurServerRefusesTLS10AndTLS11() throws {
        for (flag, name) in [("-tls1", "TLS 1.0"), ("-tls1_1", "TLS 1.1")] {
            // OpenSSL 3 itself refuses old versions at its default security level: lower it.
            let (connection, failure, output) = try serveOpenSSLClient([flag, "-cipher", "DEFAULT@SECLEVEL=0"])
            XCTAssertNil(connection.sessionInfo, flag)
            let error = try XCTUnwrap(failure as? TLSError, "\(String(describing: failure))\n\(output)")
            XCTAssertEqual(error.code, .unsupportedProtocolVersion, error.message)
            XCTAssertTrue(error.message.contains("peer offered only \(name)"), error.message)
        }
    }

    func testOurServerRefusesCBCSuite() throws {
        let (connection, failure, output) = try serveOpenSSLClient(["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"])
        XCTAssertNil(connection.sessionInfo)
        let error = try XCTUnwrap(failure as? TLSError, "\(String(describing: failure))\n\(output)")
        XCTAssertEqual(error.code, .noSharedCipherSuite, error.message)
        XCTAssertTrue(error.message.contains("no shared cipher suite"), error.message)
    }

    /// Starts `openssl s_server` on a free loopback port and connects our client to it.
    private func connectToOpenSSLServer(
        _ options: [String], clientIdentity: TLSIdentity? = nil, switchCertificateOnSNI: Bool = false
    ) throws -> (
        TLSConnection, LoopbackSocket, OpenSSLProcess
    ) {
        let port = try { () throws -> UInt16 in
            let (probe, port) = try LoopbackSocket.listen()
            _ = probe
            return port
        }()
        let server = try OpenSSLProcess(
            [
                "s_server", "-accept", "127.0.0.1:\(port)", "-naccept", "1",
                "-cert", fixture("b.example.crt"), "-key", fixture("b.example.key"),
                "-cert_chain", fixture("intermediate-ca.crt"), "-alpn", "xmpp-server", "-Verify", "1",
            ]
                // With SNI a.example s_server switches to the a.example certificate: proves we sent SNI.
                // (Its second context has no ALPN, so ALPN is checked without this switch.)
                + (switchCertificateOnSNI
                    ? [
                        "-servername", "a.example", "-cert2", fixture("a.example.crt"), "-key2",
                        fixture("a.example.key"),
                    ]
                    : []) + options)
        _ = try server.waitForOutput("ACCEPT")
        let socket = try LoopbackSocket.connect(port: port)
        let connection = try TLSConnection(
            context: try clientContext(identity: clientIdentity), serverName: "a.example")
        return (connection, socket, server)
    }

    func testOurClientWithOpenSSLServer() throws {
        let (connection, socket, server) = try connectToOpenSSLServer(
            ["-tls1_2"], clientIdentity: identity("client.example"), switchCertificateOnSNI: true)
        try socket.pump(connection) { try connection.handshake() == .complete }
        let info = try XCTUnwrap(connection.sessionInfo)
        XCTAssertEqual(info.version, "1.2")
        XCTAssertTrue(info.cipherSuite.hasPrefix("TLS-ECDHE-ECDSA-WITH-"), info.cipherSuite)
        XCTAssertEqual(connection.peerCertificateChain.first, try pemToDER(fixture("a.example.crt")).first)
        try connection.write(plaintext: Array("<stream:stream xmlns='jabber:server'>\n".utf8))
        connection.close()
        try socket.sendAll(connection.takeCiphertext())
        server.process.waitUntilExit()  // -naccept 1: it exits when we close
        let output = server.stop()
        XCTAssertTrue(output.contains("<stream:stream xmlns='jabber:server'>"), output)
        XCTAssertTrue(output.contains("client.example"), output)  // s_server prints the client certificate subject
    }

    func testOurClientGetsALPNFromOpenSSLServer() throws {
        let (connection, socket, server) = try connectToOpenSSLServer([], clientIdentity: identity("client.example"))
        try socket.pump(connection) { try connection.handshake() == .complete }
        XCTAssertEqual(connection.sessionInfo?.applicationProtocol, "xmpp-server")
        XCTAssertEqual(connection.peerCertificateChain.first, try pemToDER(fixture("b.example.crt")).first)
        XCTAssertEqual(connection.peerCertificateChain.count, 2)
        // s_server sends its stdin; under TLS 1.3 session tickets arrive first and must be absorbed.
        server.input.fileHandleForWriting.write(Data("hello from openssl\n".utf8))
        var received: [UInt8] = []
        try socket.pump(connection) {
            received += try connection.readPlaintext()
            return received.contains(UInt8(ascii: "\n"))
        }
        XCTAssertEqual(String(decoding: received, as: UTF8.self), "hello from openssl\n")
        connection.close()
        try socket.sendAll(connection.takeCiphertext())
        _ = server.stop()
    }

    func testOurClientRefusesTLS11Server() throws {
        let (connection, socket, server) = try connectToOpenSSLServer(["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        XCTAssertThrowsError(try socket.pump(connection) { try connection.handshake() == .complete }) { error in
            // OpenSSL answers a 1.2-only ClientHello with handshake_failure (none of our AEAD suites
            // exist in TLS 1.1) and a 1.2+1.3 one (mbedTLS 3.x) with protocol_version.
            let tlsError = error as? TLSError
            XCTAssertTrue(
                tlsError?.code == .peerSentAlert || tlsError?.code == .unsupportedProtocolVersion, "\(error)")
            XCTAssertTrue(
                tlsError?.message.contains("handshake_failure") == true
                    || tlsError?.message.contains("protocol_version") == true, "\(error)")
        }
        _ = server.stop()
    }
}
