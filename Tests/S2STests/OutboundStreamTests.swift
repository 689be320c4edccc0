import S2S
import XCTest
import XMPPStream

/// Transcripts of the initiating side: smith.example (us) connects to jabber.org.
final class OutboundStreamTests: XCTestCase {
    static let secret = "d1alb4ck-s3cret"
    static let verified = PeerAuthentication(
        method: .pkix, verified: true, names: [domain("jabber.org")], reason: "PKIX chain to a system CA")
    static let pkixFailed = PeerAuthentication(
        method: .pkix, verified: false, reason: "self-signed certificate")
    static let daneMismatch = PeerAuthentication(
        method: .daneEE, verified: false, reason: "certificate does not match TLSA 3 1 1 at _5269._tcp.jabber.org")

    static func configuration(
        external: Bool = false, dialbackAllowed: Bool = false, authenticates: Bool = true,
        settings: LinkSettings = LinkSettings()
    ) -> OutboundConfiguration {
        OutboundConfiguration(
            local: domain("smith.example"), remote: domain("jabber.org"), dialbackSecret: secret,
            certificateCoversLocalDomain: external, dialbackAllowed: dialbackAllowed, authenticates: authenticates,
            settings: settings)
    }

    /// An engine and a parser fed in `chunking`.
    final class Harness {
        var stream: OutboundStream
        var transcript: Transcript!

        init(_ configuration: OutboundConfiguration, _ chunking: Chunking) {
            stream = OutboundStream(configuration: configuration)
            transcript = Transcript(chunking) { [unowned self] event in self.stream.receive(event) }
        }

        func feed(_ text: String) -> [String] { render(transcript.feed(text)) }
        func feedActions(_ text: String) -> [Action] { transcript.feed(text) }

        /// header → features → STARTTLS → TLS with `verdict`; returns the actions of `tlsEstablished`.
        func throughTLS(_ verdict: PeerAuthentication) -> [Action] {
            _ = stream.start()
            _ = feed(
                serverHeader(from: "jabber.org", to: "smith.example", id: "plain-1")
                    + "<stream:features><starttls xmlns='\(tlsNS)'><required/></starttls></stream:features>")
            _ = feed("<proceed xmlns='\(tlsNS)'/>")
            return stream.tlsEstablished(verdict)
        }
    }

    static let dialbackFeatures =
        "<stream:features><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>"

    static func expectedKey(streamID: String) -> String {
        DialbackKey.generate(secret: secret, receiving: "jabber.org", originating: "smith.example", streamID: streamID)
    }

    func testDialbackHappyPathWithStreamManagement() {
        for chunking in Chunking.allCases {
            let harness = Harness(Self.configuration(), chunking)
            XCTAssertEqual(
                render(harness.stream.start()),
                ["timer handshake", "header to=jabber.org from=smith.example", "state initial -> features"])
            XCTAssertEqual(
                harness.feed(
                    serverHeader(from: "jabber.org", to: "smith.example", id: "plain-1")
                        + "<stream:features><starttls xmlns='\(tlsNS)'><required/></starttls></stream:features>"),
                ["send <starttls xmlns='\(tlsNS)'/>", "state features -> starttls"])
            XCTAssertEqual(
                harness.feed("<proceed xmlns='\(tlsNS)'/>"), ["start-tls", "restart", "state starttls -> tls"])
            XCTAssertEqual(
                render(harness.stream.tlsEstablished(Self.verified)),
                ["header to=jabber.org from=smith.example", "state tls -> features-tls"])
            XCTAssertEqual(
                harness.feed(
                    serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2")
                        + "<stream:features><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
                        + "<sm xmlns='urn:xmpp:sm:3'/></stream:features>"),
                [
                    "send <db:result from='smith.example' to='jabber.org'>\(Self.expectedKey(streamID: "tls-2"))</db:result>",
                    "state features-tls -> dialback",
                ], "\(chunking)")
            XCTAssertEqual(
                harness.feed("<db:result from='jabber.org' to='smith.example' type='valid'/>"),
                [
                    "pair smith.example<-jabber.org dialback", "send <enable xmlns='urn:xmpp:sm:3'/>",
                    "state dialback -> sm",
                ])
            XCTAssertEqual(
                harness.feed("<enabled xmlns='urn:xmpp:sm:3'/>"),
                [
                    "state sm -> established", "cancel handshake", "timer keepalive",
                    "link-up smith.example<-jabber.org auth=dialback sm=yes bidi=no",
                ])
            XCTAssertEqual(harness.stream.stateName, "established")
        }
    }

    func testSASLExternalWithRestartInTheSameReadAndBidi() {
        for chunking in Chunking.allCases {
            let harness = Harness(Self.configuration(external: true), chunking)
            _ = harness.throughTLS(Self.verified)
            XCTAssertEqual(
                harness.feed(
                    serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2")
                        + "<stream:features><mechanisms xmlns='\(saslNS)'><mechanism>EXTERNAL</mechanism></mechanisms>"
                        + "<dialback xmlns='urn:xmpp:features:dialback'/></stream:features>"),
                [
                    "send <auth xmlns='\(saslNS)' mechanism='EXTERNAL'>c21pdGguZXhhbXBsZQ==</auth>",
                    "state features-tls -> sasl",
                ])
            // <success/>, the new header and its features arrive in one read: the parser keeps the rest.
            XCTAssertEqual(
                harness.feed(
                    "<success xmlns='\(saslNS)'/>" + serverHeader(from: "jabber.org", to: "smith.example", id: "auth-3")
                        + "<stream:features><bidi xmlns='urn:xmpp:features:bidi'/></stream:features>"),
                [
                    "restart", "header to=jabber.org from=smith.example", "state sasl -> features-auth",
                    "send <bidi xmlns='urn:xmpp:bidi'/>", "pair smith.example<-jabber.org sasl-external",
                    "state features-auth -> established", "cancel handshake", "timer keepalive",
                    "link-up smith.example<-jabber.org auth=sasl-external sm=no bidi=yes",
                ], "\(chunking)")
            // Bidi: the peer may now send stanzas to us over this link.
            XCTAssertEqual(
                harness.feed(
                    "<message from='juliet@jabber.org/b' to='romeo@smith.example' id='m1'><body>hi</body></message>"),
                ["deliver message juliet@jabber.org/b -> romeo@smith.example"])
        }
    }

    func testSASLFailureFallsBackToDialback() {
        let harness = Harness(Self.configuration(external: true), .allAtOnce)
        _ = harness.throughTLS(Self.verified)
        _ = harness.feed(
            serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2")
                + "<stream:features><mechanisms xmlns='\(saslNS)'><mechanism>EXTERNAL</mechanism></mechanisms>"
                + "<dialback xmlns='urn:xmpp:features:dialback'/></stream:features>")
        XCTAssertEqual(
            harness.feed("<failure xmlns='\(saslNS)'><not-authorized/></failure>"),
            [
                "send <db:result from='smith.example' to='jabber.org'>\(Self.expectedKey(streamID: "tls-2"))</db:result>",
                "state sasl -> dialback",
            ])
    }

    /// ejabberd 23.01 closes the stream when its check of our certificate crashes (an XmppAddr):
    /// the engine says so, and the relay retries by dialback on a fresh connection.
    func testStreamClosedDuringSASLExternalWithDialbackOnOfferIsACutOff() {
        for dialback in [true, false] {
            let harness = Harness(Self.configuration(external: true), .allAtOnce)
            _ = harness.throughTLS(Self.verified)
            // Without the feature and the xmlns:db declaration, dialback is not on offer.
            let header =
                dialback
                ? serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2")
                : "<?xml version='1.0'?><stream:stream xmlns='jabber:server'"
                    + " xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='jabber.org'"
                    + " to='smith.example' id='tls-2'>"
            _ = harness.feed(
                header
                    + "<stream:features><mechanisms xmlns='\(saslNS)'><mechanism>EXTERNAL</mechanism></mechanisms>"
                    + (dialback ? "<dialback xmlns='urn:xmpp:features:dialback'/>" : "") + "</stream:features>")
            XCTAssertEqual(harness.stream.stateName, "sasl")
            XCTAssertFalse(harness.stream.externalCutOff)
            let actions = harness.feedActions("</stream:stream>")
            XCTAssertEqual(render(actions), ["send </stream:stream>", "close", "state sasl -> closed"])
            XCTAssertEqual(harness.stream.externalCutOff, dialback)
            XCTAssertEqual(
                closeReason(actions),
                "jabber.org closed the stream"
                    + (dialback ? " during SASL EXTERNAL; it offers dialback, which a fresh connection will use" : ""))
        }
        // A dropped connection counts the same; one after EXTERNAL succeeded does not.
        let harness = Harness(Self.configuration(external: true), .allAtOnce)
        _ = harness.throughTLS(Self.verified)
        _ = harness.feed(
            serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2")
                + "<stream:features><mechanisms xmlns='\(saslNS)'><mechanism>EXTERNAL</mechanism></mechanisms>"
                + "<dialback xmlns='urn:xmpp:features:dialback'/></stream:features>")
        _ = harness.stream.connectionLost(reason: "the peer closed the connection")
        XCTAssertTrue(harness.stream.externalCutOff)
    }

    func testPeerWithoutStartTLSIsDropped() {
        for chunking in Chunking.allCases {
            let harness = Harness(Self.configuration(), chunking)
            _ = harness.stream.start()
            let actions = harness.feedActions(
                serverHeader(from: "jabber.org", to: "smith.example", id: "p")
                    + "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>")
            XCTAssertEqual(
                render(actions),
                ["stream-error policy-violation", "send </stream:stream>", "close", "state features -> closed"])
            XCTAssertTrue(closeReason(actions)!.contains("jabber.org does not offer STARTTLS"), closeReason(actions)!)
        }
    }

    func testUnverifiedPeerWithoutDialbackPermissionIsRefused() {
        let harness = Harness(Self.configuration(dialbackAllowed: false), .allAtOnce)
        let actions = harness.throughTLS(Self.pkixFailed)
        XCTAssertEqual(
            render(actions), ["stream-error policy-violation", "send </stream:stream>", "close", "state tls -> closed"])
        XCTAssertEqual(
            closeReason(actions),
            "policy-violation: jabber.org is not authenticated (pkix: self-signed certificate) and dialback is not allowed for it"
        )
    }

    /// Found by the interop tests: a secure TLSA that does not match rules out dialback even where
    /// the policy allows it, and the refusal must say so rather than blame the policy.
    func testMismatchedDANEIsRefusedEvenWhereDialbackIsAllowedAndSaysWhy() {
        let harness = Harness(Self.configuration(dialbackAllowed: true), .allAtOnce)
        let actions = harness.throughTLS(Self.daneMismatch)
        XCTAssertEqual(
            render(actions), ["stream-error policy-violation", "send </stream:stream>", "close", "state tls -> closed"])
        XCTAssertEqual(
            closeReason(actions),
            "policy-violation: jabber.org is not authenticated (dane-ee: certificate does not match TLSA 3 1 1 at"
                + " _5269._tcp.jabber.org) and a failed dane-ee check rules out dialback")
    }

    func testUnverifiedPeerMayUseDialbackWhereAllowed() {
        let harness = Harness(Self.configuration(dialbackAllowed: true), .allAtOnce)
        XCTAssertEqual(
            render(harness.throughTLS(Self.pkixFailed)),
            ["header to=jabber.org from=smith.example", "state tls -> features-tls"])
    }

    /// The refused server learns that its certificate was not accepted, not which TLSA record or
    /// pin we expected; the whole diagnosis stays in our close reason (the log).
    func testRefusedPeerIsToldAShortTextAndTheLogKeepsTheDetail() throws {
        let harness = Harness(Self.configuration(dialbackAllowed: true), .allAtOnce)
        let actions = harness.throughTLS(Self.daneMismatch)
        let sent = try XCTUnwrap(
            actions.lazy.compactMap { action -> StreamError? in
                if case .sendStreamError(let error) = action { return error }
                return nil
            }.first)
        let wire = String(decoding: StreamHeader.serializedError(sent), as: UTF8.self)
        XCTAssertTrue(wire.contains(">certificate not accepted for jabber.org</text>"), wire)
        XCTAssertFalse(wire.contains("TLSA") || wire.contains("dane") || wire.contains("dialback"), wire)
        XCTAssertTrue(closeReason(actions)!.contains("does not match TLSA 3 1 1"), closeReason(actions)!)
    }

    func testFailedDANEHasNoDialbackFallback() {
        let harness = Harness(Self.configuration(dialbackAllowed: true), .allAtOnce)
        let actions = harness.throughTLS(Self.daneMismatch)
        XCTAssertEqual(render(actions).first, "stream-error policy-violation")
        XCTAssertTrue(closeReason(actions)!.contains("does not match TLSA"))
    }

    func testDialbackInvalidClosesWithAnOperatorReason() {
        let harness = Harness(Self.configuration(), .byteAtATime)
        _ = harness.throughTLS(Self.verified)
        _ = harness.feed(serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2") + Self.dialbackFeatures)
        let actions = harness.feedActions("<db:result from='jabber.org' to='smith.example' type='invalid'/>")
        XCTAssertEqual(render(actions), ["send </stream:stream>", "close", "state dialback -> closed"])
        XCTAssertTrue(closeReason(actions)!.contains("rejected our dialback key"))
    }

    func testNeitherUsableSASLNorDialback() {
        let harness = Harness(Self.configuration(external: false), .allAtOnce)
        _ = harness.throughTLS(Self.verified)
        let actions = harness.feedActions(
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' version='1.0' id='x'>"
                + "<stream:features><mechanisms xmlns='\(saslNS)'><mechanism>EXTERNAL</mechanism></mechanisms>"
                + "</stream:features>")
        XCTAssertEqual(render(actions).first, "stream-error unsupported-feature")
    }

    func testHandshakeTimeout() {
        let harness = Harness(Self.configuration(), .allAtOnce)
        _ = harness.stream.start()
        let actions = harness.stream.timerFired(.handshake)
        XCTAssertEqual(
            render(actions),
            ["stream-error connection-timeout", "send </stream:stream>", "close", "state features -> closed"])
        XCTAssertTrue(closeReason(actions)!.contains("stuck in state features"))
        XCTAssertEqual(harness.stream.timerFired(.handshake), [], "nothing after closing")
    }

    func testPeerStreamErrorEndsTheLink() {
        let harness = Harness(Self.configuration(), .allAtOnce)
        _ = harness.stream.start()
        let actions = harness.feedActions(
            serverHeader(from: "jabber.org", to: "smith.example", id: "p")
                + "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")
        XCTAssertEqual(render(actions), ["send </stream:stream>", "close", "state features -> closed"])
        XCTAssertEqual(closeReason(actions), "jabber.org sent a stream error: host-unknown")
    }

    func testSendBeforeEstablishedHandsTheStanzaBack() {
        var stream = OutboundStream(configuration: Self.configuration())
        _ = stream.start()
        let message = Element("message", namespace: XMPPNamespace.server, attributes: [Attribute("id", "early")])
        XCTAssertEqual(render(stream.send(message)), ["returned early"])
    }

    func testVerificationOnlyLinkAsksTheAuthoritativeServer() {
        let harness = Harness(Self.configuration(authenticates: false), .allAtOnce)
        let request = DialbackVerification(
            receiving: domain("smith.example"), originating: domain("jabber.org"), streamID: "in-7", key: "abc123")
        XCTAssertEqual(harness.stream.verify(request), [], "queued until the TLS stream is ready")
        _ = harness.throughTLS(Self.verified)
        XCTAssertEqual(
            harness.feed(serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2") + Self.dialbackFeatures),
            [
                "state features-tls -> verifying",
                "send <db:verify from='smith.example' to='jabber.org' id='in-7'>abc123</db:verify>",
                "timer handshake",
            ])
        XCTAssertEqual(
            harness.feed("<db:verify from='jabber.org' to='smith.example' id='in-7' type='valid'/>"),
            ["key-checked jabber.org->smith.example valid"])
        XCTAssertEqual(render(harness.stream.send(Element("message", namespace: XMPPNamespace.server))), ["returned ?"])
    }

    func testDialbackErrorNamesTheCondition() {
        let harness = Harness(Self.configuration(), .allAtOnce)
        _ = harness.throughTLS(Self.verified)
        _ = harness.feed(serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2") + Self.dialbackFeatures)
        let actions = harness.feedActions(
            "<db:result from='jabber.org' to='smith.example' type='error'><error type='cancel'>"
                + "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:result>")
        XCTAssertEqual(
            closeReason(actions), "jabber.org could not check our dialback key (remote-server-not-found)")
    }

    func testStanzaOnANonBidiOutboundLinkIsRefused() {
        let harness = StreamManagementTests.established(features: Self.dialbackFeatures)
        XCTAssertEqual(
            harness.feed("<message from='juliet@jabber.org' to='romeo@smith.example'/>").first,
            "stream-error policy-violation")
    }
}
