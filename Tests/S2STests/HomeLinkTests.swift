import S2S
import XCTest
import XMPPStream

/// Transcripts of both ends of the home link (DESIGN.md §2): the home server smith.example (with
/// conference.smith.example) connecting to the relay's home listener, and the relay connecting to
/// the home server speaking for jabber.org, which it authenticated on the public side.
final class HomeLinkTests: XCTestCase {
    static let secret = "d1alb4ck-s3cret"
    static let homeDomains: Set<DomainName> = [domain("smith.example"), domain("conference.smith.example")]
    static let pinMatched = PeerAuthentication(
        method: .pin, verified: true, names: [domain("smith.example")], reason: "pin 3 1 1 matched")
    static let pinFailed = PeerAuthentication(
        method: .pin, verified: false, reason: "certificate matches none of the pins for smith.example")
    static let dialbackFeature = "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
    static let postAuthFeatures = "<sm xmlns='urn:xmpp:sm:3'/><bidi xmlns='urn:xmpp:features:bidi'/>"

    /// The relay's home listener end, for one connection.
    final class Listener {
        var stream: InboundStream
        var transcript: Transcript!
        /// The pairs the relay opened towards the home server: (home domain receiving, domain claimed).
        var opened: Set<DomainPair> = []

        init(_ chunking: Chunking, plaintext: Bool) {
            var ids = 0
            var configuration = InboundConfiguration(
                serves: { _ in true }, dialbackAllowed: { _ in false }, dialbackSecret: HomeLinkTests.secret,
                makeStreamID: {
                    ids += 1
                    return "home-\(ids)"
                })
            let source = HomeSource(domains: HomeLinkTests.homeDomains, plaintext: plaintext) { _ in false }
            configuration.home = source
            stream = InboundStream(configuration: configuration)
            transcript = Transcript(chunking) { [unowned self] event in self.stream.receive(event) }
        }

        /// A listener whose `speaksFor` answers from `opened`.
        static func withClaims(_ chunking: Chunking, _ opened: Set<DomainPair>) -> Listener {
            let listener = Listener(chunking, plaintext: true)
            var configuration = listener.stream.configuration
            configuration.home?.speaksFor = { opened.contains($0) }
            listener.stream = InboundStream(configuration: configuration)
            return listener
        }

        func feed(_ text: String) -> [String] { render(transcript.feed(text)) }
    }

    func testPlaintextHomeServerAuthenticatesItsDomainWithoutACallbackAndSendsOut() {
        for chunking in Chunking.allCases {
            let home = Listener(chunking, plaintext: true)
            XCTAssertEqual(render(home.stream.start()), ["timer handshake"])
            XCTAssertEqual(
                home.feed(serverHeader(from: "smith.example", to: "jabber.org")),
                [
                    "header to=smith.example from=jabber.org id=home-1",
                    "send <stream:features>" + Self.dialbackFeature + Self.postAuthFeatures + "</stream:features>",
                    "state header -> auth",
                ], "\(chunking)")
            XCTAssertEqual(
                home.feed("<db:result from='smith.example' to='jabber.org'>any-key</db:result>"),
                [
                    "send <db:result from='jabber.org' to='smith.example' type='valid'/>",
                    "pair jabber.org<-smith.example home-server", "state auth -> established", "cancel handshake",
                    "timer keepalive", "link-up jabber.org<-smith.example auth=home-server sm=no bidi=no",
                ], "\(chunking)")
            XCTAssertEqual(
                home.feed(
                    "<message from='alice@smith.example/pc' to='bob@jabber.org' id='m1'><body>hi</body></message>"),
                ["deliver message alice@smith.example/pc -> bob@jabber.org"])
            // A stanza as a domain the stream did not authenticate ends the link.
            let forged = home.feed(
                "<message from='mallory@kids.example' to='bob@jabber.org' id='m2'><body>x</body></message>")
            XCTAssertTrue(forged.contains("stream-error invalid-from"), "\(forged)")
        }
    }

    func testHomeServerMaySendOnlyAsItsOwnDomains() {
        for chunking in Chunking.allCases {
            let home = Listener(chunking, plaintext: true)
            _ = home.stream.start()
            let actions = home.transcript.feed(serverHeader(from: "kids.example", to: "jabber.org"))
            XCTAssertTrue(render(actions).contains("stream-error invalid-from"), "\(render(actions))")
            XCTAssertEqual(closeReason(actions), "invalid-from: 'kids.example' is not a domain of this home server")

            let other = Listener(chunking, plaintext: true)
            _ = other.stream.start()
            _ = other.feed(serverHeader(from: "smith.example", to: "jabber.org"))
            XCTAssertEqual(
                other.feed("<db:result from='kids.example' to='jabber.org'>k</db:result>"),
                [
                    "send <db:result from='jabber.org' to='kids.example' type='error'><error type='cancel'>"
                        + "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:result>",
                    "pair-refused jabber.org<-kids.example",
                ])
        }
    }

    func testDialbackVerificationIsValidOnlyForPairsTheRelayOpened() {
        let opened: Set<DomainPair> = [DomainPair(local: domain("smith.example"), remote: domain("jabber.org"))]
        let key = DialbackKey.generate(
            secret: Self.secret, receiving: "smith.example", originating: "jabber.org", streamID: "s-1")
        let forOther = DialbackKey.generate(
            secret: Self.secret, receiving: "smith.example", originating: "jones.example", streamID: "s-1")
        for chunking in Chunking.allCases {
            let home = Listener.withClaims(chunking, opened)
            _ = home.stream.start()
            _ = home.feed(serverHeader(from: "smith.example", to: "jabber.org"))
            XCTAssertEqual(
                home.feed("<db:verify from='smith.example' to='jabber.org' id='s-1'>\(key)</db:verify>"),
                ["send <db:verify from='jabber.org' to='smith.example' id='s-1' type='valid'/>"])
            // Our own key, but for a pair the relay never opened: invalid, and logged.
            XCTAssertEqual(
                home.feed("<db:verify from='smith.example' to='jones.example' id='s-1'>\(forOther)</db:verify>"),
                [
                    "send <db:verify from='jones.example' to='smith.example' id='s-1' type='invalid'/>",
                    "pair-refused smith.example<-jones.example",
                ])
            // The right pair with a key the relay did not make.
            XCTAssertEqual(
                home.feed("<db:verify from='smith.example' to='jabber.org' id='s-1'>0badc0ffee</db:verify>"),
                [
                    "send <db:verify from='jabber.org' to='smith.example' id='s-1' type='invalid'/>",
                    "pair-refused smith.example<-jabber.org",
                ])
        }
    }

    func testPinnedHomeServerNeedsTLSAndItsPin() {
        for chunking in Chunking.allCases {
            let home = Listener(chunking, plaintext: false)
            _ = home.stream.start()
            XCTAssertEqual(
                home.feed(serverHeader(from: "smith.example", to: "jabber.org")),
                [
                    "header to=smith.example from=jabber.org id=home-1",
                    "send <stream:features><starttls xmlns='\(tlsNS)'><required/></starttls></stream:features>",
                    "state header -> starttls",
                ])
            _ = home.feed("<starttls xmlns='\(tlsNS)'/>")
            _ = home.stream.tlsEstablished()
            XCTAssertEqual(
                home.feed(serverHeader(from: "smith.example", to: "jabber.org")),
                [
                    "header to=smith.example from=jabber.org id=home-2", "verify-peer smith.example",
                    "state header-tls -> trust",
                ])
            XCTAssertEqual(
                render(home.stream.peerVerified(Self.pinMatched)),
                [
                    "send <stream:features><mechanisms xmlns='\(saslNS)'><mechanism>EXTERNAL</mechanism></mechanisms>"
                        + Self.dialbackFeature + Self.postAuthFeatures + "</stream:features>",
                    "state trust -> auth",
                ])
            XCTAssertEqual(
                home.feed("<db:result from='smith.example' to='jabber.org'>k</db:result>").first,
                "send <db:result from='jabber.org' to='smith.example' type='valid'/>")

            // The wrong key: no dialback in its place, whatever the policy.
            let wrong = Listener(chunking, plaintext: false)
            _ = wrong.stream.start()
            _ = wrong.feed(serverHeader(from: "smith.example", to: "jabber.org"))
            _ = wrong.feed("<starttls xmlns='\(tlsNS)'/>")
            _ = wrong.stream.tlsEstablished()
            _ = wrong.feed(serverHeader(from: "smith.example", to: "jabber.org"))
            let refused = wrong.stream.peerVerified(Self.pinFailed)
            XCTAssertTrue(render(refused).contains("stream-error policy-violation"), "\(render(refused))")
            XCTAssertEqual(
                closeReason(refused),
                "policy-violation: smith.example is not authenticated (pin: certificate matches none of the pins for"
                    + " smith.example) and a failed pin check rules out dialback")
        }
    }

    /// The public listeners refuse anyone claiming a domain the relay serves.
    func testPublicPeerClaimingAHomeDomainIsRefused() {
        for chunking in Chunking.allCases {
            var ids = 0
            var stream = InboundStream(
                configuration: InboundConfiguration(
                    serves: { HomeLinkTests.homeDomains.contains($0) || $0 == domain("iot.smith.example") },
                    dialbackAllowed: { _ in true }, dialbackSecret: Self.secret,
                    makeStreamID: {
                        ids += 1
                        return "pub-\(ids)"
                    }))
            let transcript = Transcript(chunking) { stream.receive($0) }
            _ = stream.start()
            let actions = transcript.feed(serverHeader(from: "smith.example", to: "iot.smith.example"))
            XCTAssertEqual(
                closeReason(actions),
                "invalid-from: 'smith.example' is served by this relay and cannot connect from outside")
        }
    }

    // MARK: The relay's end

    static func outbound(plaintext: Bool) -> OutboundStream {
        OutboundStream(
            configuration: OutboundConfiguration(
                local: domain("jabber.org"), remote: domain("smith.example"), dialbackSecret: secret,
                certificateCoversLocalDomain: false, dialbackAllowed: false, plaintext: plaintext))
    }

    func testRelaySpeaksForAnAuthenticatedRemoteOnThePlaintextHomeLinkByDialback() {
        let key = DialbackKey.generate(
            secret: Self.secret, receiving: "smith.example", originating: "jabber.org", streamID: "p-1")
        for chunking in Chunking.allCases {
            var stream = Self.outbound(plaintext: true)
            let transcript = Transcript(chunking) { stream.receive($0) }
            XCTAssertEqual(
                render(stream.start()),
                ["timer handshake", "header to=smith.example from=jabber.org", "state initial -> features"])
            // Prosody offers STARTTLS (not required on this link) and dialback: no TLS on loopback.
            XCTAssertEqual(
                render(
                    transcript.feed(
                        serverHeader(from: "smith.example", to: "jabber.org", id: "p-1")
                            + "<stream:features><starttls xmlns='\(tlsNS)'/>" + Self.dialbackFeature
                            + "</stream:features>")),
                [
                    "send <db:result from='jabber.org' to='smith.example'>\(key)</db:result>",
                    "state features -> dialback",
                ], "\(chunking)")
            XCTAssertEqual(
                render(transcript.feed("<db:result from='smith.example' to='jabber.org' type='valid'/>")),
                [
                    "pair jabber.org<-smith.example dialback", "state dialback -> established", "cancel handshake",
                    "timer keepalive", "link-up jabber.org<-smith.example auth=dialback sm=no bidi=no",
                ])
            XCTAssertEqual(stream.peer?.method, PeerAuthenticationMethod.none)
        }
    }

    func testTLSHomeLinkRequiresStartTLSAndAcceptsOnlyThePin() {
        for chunking in Chunking.allCases {
            var stream = Self.outbound(plaintext: false)
            let transcript = Transcript(chunking) { stream.receive($0) }
            _ = stream.start()
            XCTAssertEqual(
                render(transcript.feed(serverHeader(from: "smith.example", to: "jabber.org", id: "p-1") + Self.noTLS)),
                ["stream-error policy-violation", "send </stream:stream>", "close", "state features -> closed"])

            var pinned = Self.outbound(plaintext: false)
            let pinnedTranscript = Transcript(chunking) { pinned.receive($0) }
            _ = pinned.start()
            _ = pinnedTranscript.feed(
                serverHeader(from: "smith.example", to: "jabber.org", id: "p-1")
                    + "<stream:features><starttls xmlns='\(tlsNS)'/></stream:features>")
            _ = pinnedTranscript.feed("<proceed xmlns='\(tlsNS)'/>")
            let refused = pinned.tlsEstablished(Self.pinFailed)
            XCTAssertEqual(
                closeReason(refused),
                "policy-violation: smith.example is not authenticated (pin: certificate matches none of the pins for"
                    + " smith.example) and a failed pin check rules out dialback")
        }
    }

    static let noTLS = "<stream:features>" + dialbackFeature + "</stream:features>"
}
