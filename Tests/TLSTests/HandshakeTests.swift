import TLS
import XCTest

final class HandshakeTests: XCTestCase {
    func testECServerHandshakeAndDataBothWays() throws {
        let server = try TLSConnection(context: try serverContext("a.example"))
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        XCTAssertEqual(try client.handshake(), .needsMoreData)
        try completeHandshake(client, server)

        let info = try XCTUnwrap(client.sessionInfo)
        XCTAssertEqual(info.version, TLSLibrary.supportsTLS13 ? "1.3" : "1.2")
        if info.version == "1.2" {
            XCTAssertTrue(info.cipherSuite.contains("ECDHE-ECDSA"), info.cipherSuite)
        }
        XCTAssertTrue(info.cipherSuite.contains("GCM") || info.cipherSuite.contains("CHACHA"), info.cipherSuite)
        XCTAssertEqual(info.applicationProtocol, "xmpp-server")
        XCTAssertTrue(info.cipherSuiteStandardName.hasPrefix("TLS_"), info.cipherSuiteStandardName)
        XCTAssertFalse(info.cipherSuiteStandardName.contains("-"), info.cipherSuiteStandardName)
        XCTAssertEqual(client.peerCertificateChain.count, 2)
        XCTAssertEqual(client.peerCertificateChain, try pemToDER(fixture("a.example.chain.pem")))
        XCTAssertEqual(server.sessionInfo?.serverNameReceived, "a.example")
        XCTAssertEqual(server.sessionInfo?.peerSentCertificate, false)

        let stanza = Array("<message to='x@a.example'><body>hi</body></message>".utf8)
        XCTAssertEqual(try transfer(stanza, from: client, to: server), stanza)
        // More than one record (16 KB) must arrive whole.
        let big = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        XCTAssertEqual(try transfer(big, from: server, to: client), big)
    }

    /// TLS 1.2: the server's order decides, whatever the client prefers.
    func testTheServersCipherOrderDecidesInTLS12() throws {
        for (order, expected) in [
            (TLSConfiguration.CipherOrder.chachaFirst, "CHACHA20"), (.aesFirst, "AES-256-GCM"),
        ] {
            let suite = try negotiatedSuite(
                server: order, client: order == .aesFirst ? .chachaFirst : .aesFirst, tls12Only: true)
            XCTAssertTrue(suite.contains(expected), "\(order): \(suite)")
        }
    }

    /// Where TLS 1.3 is negotiated, mbedTLS 3.6's server takes the client's first suite it has: two
    /// relays on CPUs without AES instructions (both ChaCha20 first) still agree on ChaCha20.
    func testTwoChaChaFirstEndsUseChaChaWhateverTheVersion() throws {
        let suite = try negotiatedSuite(server: .chachaFirst, client: .chachaFirst, tls12Only: false)
        XCTAssertTrue(suite.contains("CHACHA20"), suite)
    }

    private func negotiatedSuite(
        server serverOrder: TLSConfiguration.CipherOrder, client clientOrder: TLSConfiguration.CipherOrder,
        tls12Only: Bool
    ) throws -> String {
        var serverConfiguration = TLSConfiguration(role: .server, identity: identity("a.example"))
        serverConfiguration.cipherOrder = serverOrder
        var clientConfiguration = TLSConfiguration(role: .client)
        clientConfiguration.cipherOrder = clientOrder
        if tls12Only { clientConfiguration.maximumVersion = .tls12 }
        let server = try TLSConnection(context: try TLSContext(configuration: serverConfiguration))
        let client = try TLSConnection(
            context: try TLSContext(configuration: clientConfiguration), serverName: "a.example")
        try completeHandshake(client, server)
        return try XCTUnwrap(server.sessionInfo).cipherSuite
    }

    func testRSAServerCertificate() throws {
        let server = try TLSConnection(context: try serverContext("b.example"))
        let client = try TLSConnection(context: try clientContext(), serverName: "b.example")
        try completeHandshake(client, server)
        let info = try XCTUnwrap(client.sessionInfo)
        if info.version == "1.2" { XCTAssertTrue(info.cipherSuite.contains("ECDHE-RSA"), info.cipherSuite) }
        XCTAssertEqual(client.peerCertificateChain.first, try pemToDER(fixture("b.example.crt")).first)
    }

    func testSelfSignedPeersHandshakeBothWays() throws {
        // Pins and DANE-EE trust self-signed certificates: the handshake must not judge them.
        let server = try TLSConnection(context: try serverContext("self.example"))
        let client = try TLSConnection(
            context: try clientContext(identity: identity("self.example")), serverName: "self.example")
        try completeHandshake(client, server)
        let selfSigned = try pemToDER(fixture("self.example.crt"))
        XCTAssertEqual(client.peerCertificateChain, selfSigned)
        XCTAssertEqual(server.peerCertificateChain, selfSigned)
        let spki = try TLSCertificate.subjectPublicKeyInfo(der: selfSigned[0])
        XCTAssertEqual(TLSDigest.sha256(spki).count, 32)
        XCTAssertFalse(try TLSTrustStore(caFile: fixture("root-ca.crt")).verify(chain: selfSigned).isTrusted)
        XCTAssertTrue(try TLSTrustStore(anchorsDER: selfSigned).verify(chain: selfSigned).isTrusted)
    }

    func testSNISelectsPerDomainCertificate() throws {
        let context = try serverContext("a.example", byDomain: ["B.Example.": identity("b.example")])
        for (name, expectedLeaf) in [
            ("b.example", "b.example.crt"), ("a.example", "a.example.crt"), ("c.example", "a.example.crt"),
        ] {
            let server = try TLSConnection(context: context)
            let client = try TLSConnection(context: try clientContext(), serverName: name)
            try completeHandshake(client, server)
            XCTAssertEqual(
                client.peerCertificateChain.first, try pemToDER(fixture(expectedLeaf)).first, name)
            XCTAssertEqual(server.sessionInfo?.serverNameReceived, name)
        }
        XCTAssertEqual(
            context.certificateChainDER(forDomain: "b.example").first, try pemToDER(fixture("b.example.crt")).first)
    }

    func testSNIWithoutMatchingCertificateAndNoDefaultFails() throws {
        let context = try TLSContext(
            configuration: TLSConfiguration(role: .server, identitiesByDomain: ["b.example": identity("b.example")]))
        let server = try TLSConnection(context: context)
        let client = try TLSConnection(context: try clientContext(), serverName: "nobody.example")
        XCTAssertThrowsError(try completeHandshake(client, server)) { error in
            XCTAssertEqual((error as? TLSError)?.code, .noCertificateForName, "\(error)")
        }
    }

    func testClientCertificateSeenByServer() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(
            context: try clientContext(identity: identity("client.example")), serverName: "a.example")
        try completeHandshake(client, server)
        let info = try XCTUnwrap(server.sessionInfo)
        XCTAssertTrue(info.peerSentCertificate)
        XCTAssertEqual(server.peerCertificateChain, try pemToDER(fixture("client.example.chain.pem")))
        XCTAssertNoThrow(try server.requirePeerCertificate())
    }

    func testMissingClientCertificateIsReportedNotFatal() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        try completeHandshake(client, server)
        XCTAssertThrowsError(try server.requirePeerCertificate()) { error in
            XCTAssertEqual((error as? TLSError)?.code, .peerCertificateMissing)
            XCTAssertTrue("\(error)".contains("peer certificate missing"))
        }
    }

    func testNoALPNWhenClientOffersNone() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(context: try clientContext(alpn: []), serverName: "a.example")
        try completeHandshake(client, server)
        XCTAssertNil(client.sessionInfo?.applicationProtocol)
        XCTAssertNil(server.sessionInfo?.applicationProtocol)
    }

    func testCloseNotifyIsDistinctFromEndOfStream() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        try completeHandshake(client, server)
        try client.write(plaintext: Array("last words".utf8))
        client.close()
        server.feed(ciphertext: client.takeCiphertext())
        XCTAssertEqual(try server.readPlaintext(), Array("last words".utf8))
        XCTAssertEqual(server.peerClosure, .closeNotify)
        XCTAssertThrowsError(try client.write(plaintext: [1])) { error in
            XCTAssertEqual((error as? TLSError)?.code, .connectionClosed)
        }

        let server2 = try TLSConnection(context: try serverContext())
        let client2 = try TLSConnection(context: try clientContext(), serverName: "a.example")
        try completeHandshake(client2, server2)
        XCTAssertEqual(try server2.readPlaintext(), [])
        XCTAssertNil(server2.peerClosure)
        server2.feedEndOfStream()
        XCTAssertEqual(try server2.readPlaintext(), [])
        XCTAssertEqual(server2.peerClosure, .endOfStreamWithoutCloseNotify)
    }

    func testWriteBeforeHandshakeIsAnError() throws {
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        XCTAssertThrowsError(try client.write(plaintext: [1, 2, 3])) { error in
            XCTAssertEqual((error as? TLSError)?.code, .notEstablished)
        }
    }

    func testTLS13HandshakeWhereTheLibraryHasIt() throws {
        guard TLSLibrary.supportsTLS13 else {
            throw XCTSkip(
                "mbedTLS \(TLSLibrary.versionMajor).x here has no TLS 1.3 (needs 3.x with MBEDTLS_SSL_PROTO_TLS1_3, e.g. Debian 13)"
            )
        }
        let server = try TLSConnection(context: try serverContext(minimumVersion: .tls13))
        let client = try TLSConnection(
            context: try clientContext(identity: identity("client.example"), minimumVersion: .tls13),
            serverName: "a.example")
        try completeHandshake(client, server)
        XCTAssertEqual(client.sessionInfo?.version, "1.3")
        XCTAssertEqual(server.sessionInfo?.version, "1.3")
        XCTAssertEqual(server.sessionInfo?.serverNameReceived, "a.example")
        XCTAssertEqual(server.peerCertificateChain.count, 2)
        XCTAssertEqual(client.sessionInfo?.applicationProtocol, "xmpp-server")
        let payload = Array("<stream:stream>".utf8)
        XCTAssertEqual(try transfer(payload, from: client, to: server), payload)
        XCTAssertEqual(try transfer(payload, from: server, to: client), payload)
    }

    func testMaxFragmentLengthNegotiationStillWorks() throws {
        let server = try TLSConnection(context: try serverContext())
        let client = try TLSConnection(
            context: try clientContext(maxFragmentLength: .bytes4096), serverName: "a.example")
        try completeHandshake(client, server)
        let big = [UInt8](repeating: 0x41, count: 20_000)
        XCTAssertEqual(try transfer(big, from: server, to: client), big)
    }
}
