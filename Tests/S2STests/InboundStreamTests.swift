import S2S
import XCTest
import XMPPStream

/// Transcripts of the receiving side: we serve smith.example and kids.example.
final class InboundStreamTests: XCTestCase {
    static let secret = "d1alb4ck-s3cret"
    static let served: Set<DomainName> = [domain("smith.example"), domain("kids.example")]
    static let dialbackDomains: Set<DomainName> = [domain("jones.example")]

    static func verified(_ name: String) -> PeerAuthentication {
        PeerAuthentication(method: .pkix, verified: true, names: [domain(name)], reason: "PKIX chain to a system CA")
    }
    static let pkixFailed = PeerAuthentication(method: .pkix, verified: false, reason: "self-signed certificate")

    final class Harness {
        var stream: InboundStream
        var transcript: Transcript!

        init(_ chunking: Chunking, settings: LinkSettings = LinkSettings()) {
            let counter = Counter()
            stream = InboundStream(
                configuration: InboundConfiguration(
                    serves: { InboundStreamTests.served.contains($0) },
                    dialbackAllowed: { InboundStreamTests.dialbackDomains.contains($0) },
                    dialbackSecret: InboundStreamTests.secret,
                    makeStreamID: { counter.next() }, settings: settings))
            transcript = Transcript(chunking) { [unowned self] event in self.stream.receive(event) }
        }

        func feed(_ text: String) -> [String] { render(transcript.feed(text)) }
        func feedActions(_ text: String) -> [Action] { transcript.feed(text) }

        /// Through STARTTLS and the TLS stream's header from `from`; returns the `peerVerified` actions.
        func throughTLS(from: String, verdict: PeerAuthentication) -> [Action] {
            _ = stream.start()
            _ = feed(serverHeader(from: from, to: "smith.example"))
            _ = feed("<starttls xmlns='\(tlsNS)'/>")
            _ = stream.tlsEstablished()
            _ = feed(serverHeader(from: from, to: "smith.example"))
            return stream.peerVerified(verdict)
        }

        /// Authenticated by SASL EXTERNAL as `from`, stream restarted, established.
        func established(from: String) {
            _ = throughTLS(from: from, verdict: InboundStreamTests.verified(from))
            _ = feed("<auth xmlns='\(saslNS)' mechanism='EXTERNAL'>=</auth>")
            _ = feed(serverHeader(from: from, to: "smith.example"))
        }
    }

    final class Counter {
        var value = 0
        func next() -> String {
            value += 1
            return "id-\(value)"
        }
    }

    static let postAuthFeatures = "<sm xmlns='urn:xmpp:sm:3'/><bidi xmlns='urn:xmpp:features:bidi'/>"
    static let dialbackFeature = "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"

    func testSASLExternalHappyPathWithStreamManagement() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            XCTAssertEqual(render(harness.stream.start()), ["timer handshake"])
            XCTAssertEqual(
                harness.feed(serverHeader(from: "jabber.org", to: "smith.example")),
                [
                    "header to=jabber.org from=smith.example id=id-1",
                    "send <stream:features><starttls xmlns='\(tlsNS)'><required/></starttls></stream:features>",
                    "state header -> starttls",
                ])
            XCTAssertEqual(
                harness.feed("<starttls xmlns='\(tlsNS)'/>"),
                ["send <proceed xmlns='\(tlsNS)'/>", "start-tls", "restart", "state starttls -> tls"])
            XCTAssertEqual(render(harness.stream.tlsEstablished()), ["state tls -> header-tls"])
            XCTAssertEqual(
                harness.feed(serverHeader(from: "jabber.org", to: "smith.example")),
                [
                    "header to=jabber.org from=smith.example id=id-2", "verify-peer jabber.org",
                    "state header-tls -> trust",
                ])
            XCTAssertEqual(
                render(harness.stream.peerVerified(Self.verified("jabber.org"))),
                [
                    "send <stream:features><mechanisms xmlns='\(saslNS)'><mechanism>EXTERNAL</mechanism></mechanisms>"
                        + Self.dialbackFeature + Self.postAuthFeatures + "</stream:features>",
                    "state trust -> auth",
                ])
            XCTAssertEqual(
                harness.feed("<auth xmlns='\(saslNS)' mechanism='EXTERNAL'>amFiYmVyLm9yZw==</auth>"),
                [
                    "send <success xmlns='\(saslNS)'/>", "restart", "pair smith.example<-jabber.org sasl-external",
                    "state auth -> header-auth",
                ])
            XCTAssertEqual(
                harness.feed(serverHeader(from: "jabber.org", to: "smith.example")),
                [
                    "header to=jabber.org from=smith.example id=id-3",
                    "send <stream:features>" + Self.postAuthFeatures + "</stream:features>",
                    "state header-auth -> established", "cancel handshake", "timer keepalive",
                    "link-up smith.example<-jabber.org auth=sasl-external sm=no bidi=no",
                ])
            XCTAssertEqual(
                harness.feed("<enable xmlns='urn:xmpp:sm:3'/><bidi xmlns='urn:xmpp:bidi'/>"),
                ["send <enabled xmlns='urn:xmpp:sm:3'/>"])
            XCTAssertTrue(harness.stream.isBidirectional)
            XCTAssertEqual(
                harness.feed(
                    "<message from='juliet@jabber.org/balcony' to='romeo@smith.example' id='m1'><body>hi</body></message>"
                ),
                ["deliver message juliet@jabber.org/balcony -> romeo@smith.example"])
            // Custody: h counts only what the relay has taken over.
            XCTAssertEqual(harness.feed("<r xmlns='urn:xmpp:sm:3'/>"), ["send <a xmlns='urn:xmpp:sm:3' h='0'/>"])
            XCTAssertEqual(render(harness.stream.custodyTaken()), ["send <a xmlns='urn:xmpp:sm:3' h='1'/>"])
            XCTAssertEqual(harness.feed("<r xmlns='urn:xmpp:sm:3'/>"), ["send <a xmlns='urn:xmpp:sm:3' h='1'/>"])
            XCTAssertEqual(render(harness.stream.custodyTaken()), [], "nothing more was delivered")
            // Closing acknowledges what we hold first, so the peer does not resend it elsewhere.
            XCTAssertEqual(
                Array(render(harness.stream.shutdown(reason: "relay stopping")).prefix(2)),
                ["send <a xmlns='urn:xmpp:sm:3' h='1'/>", "send </stream:stream>"])
        }
    }

    func testStanzaBeforeTLSIsAPolicyViolation() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            _ = harness.stream.start()
            _ = harness.feed(serverHeader(from: "jabber.org", to: "smith.example"))
            let actions = harness.feedActions("<message from='a@jabber.org' to='b@smith.example'/>")
            XCTAssertEqual(
                render(actions),
                ["stream-error policy-violation", "send </stream:stream>", "close", "state starttls -> closed"])
            XCTAssertEqual(closeReason(actions), "policy-violation: a stanza before TLS: this relay requires STARTTLS")
        }
    }

    func testHeaderForADomainWeDoNotServe() {
        let harness = Harness(.allAtOnce)
        _ = harness.stream.start()
        XCTAssertEqual(
            harness.feed(serverHeader(from: "jabber.org", to: "nobody.example")),
            [
                "header to=jabber.org from=nobody.example id=id-1", "stream-error host-unknown",
                "send </stream:stream>", "close", "state header -> closed",
            ])
    }

    func testExternalForAnotherIdentityIsRefused() {
        let harness = Harness(.byteAtATime)
        _ = harness.throughTLS(from: "jabber.org", verdict: Self.verified("jabber.org"))
        // base64("evil.example")
        XCTAssertEqual(
            harness.feed("<auth xmlns='\(saslNS)' mechanism='EXTERNAL'>ZXZpbC5leGFtcGxl</auth>"),
            ["send <failure xmlns='\(saslNS)'><not-authorized/></failure>", "pair-refused smith.example<-jabber.org"])
        XCTAssertEqual(harness.stream.stateName, "auth", "the peer may still try dialback")
    }

    func testExternalWithoutAValidCertificateIsRefused() {
        let harness = Harness(.allAtOnce)
        XCTAssertEqual(
            render(harness.throughTLS(from: "jones.example", verdict: Self.pkixFailed)),
            [
                "send <stream:features>" + Self.dialbackFeature + Self.postAuthFeatures + "</stream:features>",
                "state trust -> auth",
            ], "no EXTERNAL offered")
        XCTAssertEqual(
            harness.feed("<auth xmlns='\(saslNS)' mechanism='EXTERNAL'>=</auth>"),
            ["send <failure xmlns='\(saslNS)'><not-authorized/></failure>"])
    }

    func testRefusedPeerIsToldAShortTextAndTheLogKeepsTheDetail() throws {
        let harness = Harness(.allAtOnce)
        let actions = harness.throughTLS(from: "jabber.org", verdict: Self.pkixFailed)
        let sent = try XCTUnwrap(
            actions.lazy.compactMap { action -> StreamError? in
                if case .sendStreamError(let error) = action { return error }
                return nil
            }.first)
        XCTAssertEqual(sent.text, "certificate not accepted for jabber.org")
        let wire = String(decoding: StreamHeader.serializedError(sent), as: UTF8.self)
        XCTAssertFalse(wire.contains("self-signed") || wire.contains("dialback"), wire)
        XCTAssertEqual(
            closeReason(actions),
            "policy-violation: jabber.org is not authenticated (pkix: self-signed certificate) and dialback is not"
                + " allowed for it")
    }

    func testUnverifiedPeerWithoutDialbackPermissionIsDropped() {
        let harness = Harness(.allAtOnce)
        let actions = harness.throughTLS(from: "jabber.org", verdict: Self.pkixFailed)
        XCTAssertEqual(
            render(actions),
            ["stream-error policy-violation", "send </stream:stream>", "close", "state trust -> closed"])
        XCTAssertTrue(closeReason(actions)!.contains("dialback is not allowed for it"))
    }

    func testDialbackReceivingRoleWithTwoPairs() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            _ = harness.throughTLS(from: "jones.example", verdict: Self.pkixFailed)
            XCTAssertEqual(
                harness.feed("<db:result from='jones.example' to='smith.example'>k3y</db:result>"),
                ["verify-key jones.example->smith.example id=id-2"])
            let first = DialbackVerification(
                receiving: domain("smith.example"), originating: domain("jones.example"), streamID: "id-2", key: "k3y")
            XCTAssertEqual(
                render(harness.stream.dialbackKeyChecked(first, valid: true)),
                [
                    "send <db:result from='smith.example' to='jones.example' type='valid'/>",
                    "pair smith.example<-jones.example dialback", "state auth -> established", "cancel handshake",
                    "timer keepalive", "link-up smith.example<-jones.example auth=dialback sm=no bidi=no",
                ])
            XCTAssertEqual(
                harness.feed("<db:result from='jones.example' to='kids.example'>k4y</db:result>"),
                ["verify-key jones.example->kids.example id=id-2"])
            let second = DialbackVerification(
                receiving: domain("kids.example"), originating: domain("jones.example"), streamID: "id-2", key: "k4y")
            XCTAssertEqual(
                render(harness.stream.dialbackKeyChecked(second, valid: true)),
                [
                    "send <db:result from='kids.example' to='jones.example' type='valid'/>",
                    "pair kids.example<-jones.example dialback",
                ])
            XCTAssertEqual(
                harness.feed(
                    "<message from='ann@jones.example' to='tim@kids.example' id='1'/>"
                        + "<presence from='ann@jones.example' to='bob@smith.example'/>"),
                [
                    "deliver message ann@jones.example -> tim@kids.example",
                    "deliver presence ann@jones.example -> bob@smith.example",
                ])
        }
    }

    func testDialbackInvalidKeyRefusesThePair() {
        let harness = Harness(.allAtOnce)
        _ = harness.throughTLS(from: "jones.example", verdict: Self.pkixFailed)
        _ = harness.feed("<db:result from='jones.example' to='smith.example'>forged</db:result>")
        let request = DialbackVerification(
            receiving: domain("smith.example"), originating: domain("jones.example"), streamID: "id-2", key: "forged")
        XCTAssertEqual(
            render(harness.stream.dialbackKeyChecked(request, valid: false)),
            [
                "send <db:result from='smith.example' to='jones.example' type='invalid'/>",
                "pair-refused smith.example<-jones.example",
            ])
        XCTAssertEqual(harness.stream.stateName, "auth")
        let actions = harness.feedActions("<message from='ann@jones.example' to='bob@smith.example'/>")
        XCTAssertEqual(render(actions).first, "stream-error not-authorized")
    }

    func testDialbackForADomainWithoutPermission() {
        let harness = Harness(.allAtOnce)
        harness.established(from: "jabber.org")
        XCTAssertEqual(
            harness.feed("<db:result from='evil.example' to='smith.example'>k</db:result>"),
            [
                "send <db:result from='smith.example' to='evil.example' type='error'><error type='cancel'>"
                    + "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:result>",
                "pair-refused smith.example<-evil.example",
            ])
    }

    func testDialbackShortcutWhenTheCertificateCoversTheDomain() {
        let harness = Harness(.allAtOnce)
        _ = harness.throughTLS(from: "jabber.org", verdict: Self.verified("jabber.org"))
        XCTAssertEqual(
            Array(harness.feed("<db:result from='jabber.org' to='smith.example'>k</db:result>").prefix(3)),
            [
                "send <db:result from='smith.example' to='jabber.org' type='valid'/>",
                "pair smith.example<-jabber.org certificate", "state auth -> established",
            ])
    }

    func testSpoofedFromIsInvalidFrom() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            harness.established(from: "jabber.org")
            let actions = harness.feedActions("<message from='eve@evil.example' to='bob@smith.example'/>")
            XCTAssertEqual(
                render(actions),
                [
                    "stream-error invalid-from", "send </stream:stream>", "close", "state established -> closed",
                    "link-down",
                ])
            XCTAssertEqual(closeReason(actions), "invalid-from: 'evil.example' is not authenticated on this link")
        }
    }

    func testUnknownToIsHostUnknown() {
        let harness = Harness(.allAtOnce)
        harness.established(from: "jabber.org")
        let actions = harness.feedActions("<message from='a@jabber.org' to='bob@nobody.example'/>")
        XCTAssertEqual(render(actions).first, "stream-error host-unknown")
    }

    func testMissingAddressesAreImproperAddressing() {
        let harness = Harness(.allAtOnce)
        harness.established(from: "jabber.org")
        XCTAssertEqual(
            render(harness.feedActions("<message to='bob@smith.example'/>")).first, "stream-error improper-addressing")
    }

    func testStanzaAfterTLSBeforeAuthenticationIsNotAuthorized() {
        let harness = Harness(.allAtOnce)
        _ = harness.throughTLS(from: "jabber.org", verdict: Self.verified("jabber.org"))
        XCTAssertEqual(
            render(harness.feedActions("<message from='a@jabber.org' to='b@smith.example'/>")).first,
            "stream-error not-authorized")
    }

    func testAuthoritativeRoleAnswersVerify() {
        let harness = Harness(.allAtOnce)
        _ = harness.throughTLS(from: "jabber.org", verdict: Self.verified("jabber.org"))
        let key = DialbackKey.generate(
            secret: Self.secret, receiving: "jabber.org", originating: "smith.example", streamID: "s-9")
        XCTAssertFalse(harness.stream.answeredDialbackVerify)
        XCTAssertEqual(
            harness.feed("<db:verify from='jabber.org' to='smith.example' id='s-9'>\(key)</db:verify>"),
            ["send <db:verify from='smith.example' to='jabber.org' id='s-9' type='valid'/>"])
        XCTAssertEqual(
            harness.feed("<db:verify from='jabber.org' to='smith.example' id='s-10'>\(key)</db:verify>"),
            ["send <db:verify from='smith.example' to='jabber.org' id='s-10' type='invalid'/>"],
            "bound to the stream id")
        XCTAssertEqual(
            harness.feed("<db:verify from='jabber.org' to='nobody.example' id='s-9'>\(key)</db:verify>"),
            [
                "send <db:verify from='nobody.example' to='jabber.org' id='s-9' type='error'><error type='cancel'>"
                    + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:verify>"
            ])
        // The relay logs no link.refused when such a verify-only stream closes.
        XCTAssertTrue(harness.stream.answeredDialbackVerify)
        XCTAssertTrue(harness.stream.pairs.isEmpty)
    }

    func testHandshakeTimeout() {
        let harness = Harness(.allAtOnce)
        _ = harness.throughTLS(from: "jones.example", verdict: Self.pkixFailed)
        let actions = harness.stream.timerFired(.handshake)
        XCTAssertEqual(
            render(actions),
            ["stream-error connection-timeout", "send </stream:stream>", "close", "state auth -> closed"])
        XCTAssertTrue(closeReason(actions)!.contains("stuck in state auth"))
    }

    func testMalformedOpeningStillGetsOurHeaderBeforeTheError() {
        for chunking in Chunking.allCases {
            let harness = Harness(chunking)
            _ = harness.stream.start()
            // Not even a stream header: the parser fails before reporting one.
            let actions = harness.feedActions("<?xml version='1.0'?><!DOCTYPE x>")
            XCTAssertEqual(
                render(actions),
                [
                    "header id=id-1", "stream-error restricted-xml", "send </stream:stream>", "close",
                    "state header -> closed",
                ], "\(chunking)")
        }
    }

    func testCustodyOfStanzasDeliveredBeforeEnableDoesNotCountTowardsH() {
        let harness = Harness(.allAtOnce)
        harness.established(from: "jabber.org")
        XCTAssertEqual(harness.feed("<message from='a@jabber.org' to='b@smith.example' id='m0'/>").count, 1)
        XCTAssertEqual(harness.feed("<enable xmlns='urn:xmpp:sm:3'/>"), ["send <enabled xmlns='urn:xmpp:sm:3'/>"])
        XCTAssertEqual(harness.feed("<message from='a@jabber.org' to='b@smith.example' id='m1'/>").count, 1)
        XCTAssertEqual(render(harness.stream.custodyTaken()), [], "that was m0, delivered before enabling")
        XCTAssertEqual(harness.feed("<r xmlns='urn:xmpp:sm:3'/>"), ["send <a xmlns='urn:xmpp:sm:3' h='0'/>"])
        XCTAssertEqual(render(harness.stream.custodyTaken()), ["send <a xmlns='urn:xmpp:sm:3' h='1'/>"])
    }

    func testOtherSASLMechanismsAreRefused() {
        let harness = Harness(.allAtOnce)
        _ = harness.throughTLS(from: "jabber.org", verdict: Self.verified("jabber.org"))
        XCTAssertEqual(
            harness.feed("<auth xmlns='\(saslNS)' mechanism='PLAIN'>AGEAYg==</auth>"),
            ["send <failure xmlns='\(saslNS)'><invalid-mechanism/></failure>"])
    }
}
