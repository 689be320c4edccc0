import S2S
import XCTest
import XMPPStream

/// Peers that retry without end, XEP-0198 `<resume/>`, stream versions other than "1.0", and a
/// verifying link whose authoritative server never answers (issue 9 items 2 and 3).
final class RepeatsAndVersionsTests: XCTestCase {
    typealias Inbound = InboundStreamTests.Harness
    typealias Outbound = OutboundStreamTests.Harness

    // MARK: Repeated failures (RFC 6120 §6.4.5)

    func testThirdFailedSASLExternalEndsTheStreamWithPolicyViolation() {
        for chunking in Chunking.allCases {
            let harness = Inbound(chunking)
            _ = harness.throughTLS(from: "jabber.org", verdict: InboundStreamTests.verified("jabber.org"))
            // base64("evil.example"): the first refusal is logged (pair-refused), the second only answered.
            let forged = "<auth xmlns='\(saslNS)' mechanism='EXTERNAL'>ZXZpbC5leGFtcGxl</auth>"
            XCTAssertEqual(
                harness.feed(forged),
                [
                    "send <failure xmlns='\(saslNS)'><not-authorized/></failure>",
                    "pair-refused smith.example<-jabber.org",
                ])
            XCTAssertEqual(harness.feed(forged), ["send <failure xmlns='\(saslNS)'><not-authorized/></failure>"])
            XCTAssertEqual(harness.stream.stateName, "auth")
            let third = harness.feedActions("<auth xmlns='\(saslNS)' mechanism='PLAIN'>AGEAYg==</auth>")
            XCTAssertEqual(
                render(third),
                [
                    "send <failure xmlns='\(saslNS)'><invalid-mechanism/></failure>", "stream-error policy-violation",
                    "send </stream:stream>", "close", "state auth -> closed",
                ])
            XCTAssertEqual(harness.stream.stateName, "closed")
            XCTAssertEqual(harness.feed(forged), [], "nothing more is answered")
        }
    }

    func testThirdRefusedDialbackRequestEndsTheStream() {
        for chunking in Chunking.allCases {
            let harness = Inbound(chunking)
            harness.established(from: "jabber.org")
            let refusal =
                "send <db:result from='smith.example' to='evil.example' type='error'><error type='cancel'>"
                + "<not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:result>"
            let request = "<db:result from='evil.example' to='smith.example'>k</db:result>"
            XCTAssertEqual(harness.feed(request), [refusal, "pair-refused smith.example<-evil.example"])
            XCTAssertEqual(harness.feed(request), [refusal], "one log line per link, not one per attempt")
            let third = render(harness.feedActions(request))
            XCTAssertEqual(third.first, refusal)
            XCTAssertEqual(third.dropFirst().first, "stream-error policy-violation")
            XCTAssertFalse(third.contains("pair-refused smith.example<-evil.example"))
            XCTAssertEqual(harness.stream.stateName, "closed")
        }
    }

    func testInvalidDialbackKeysCountTowardsTheLimit() {
        let harness = Inbound(.allAtOnce)
        _ = harness.throughTLS(from: "jones.example", verdict: InboundStreamTests.pkixFailed)
        var last: [Action] = []
        for attempt in 1...3 {
            _ = harness.feed("<db:result from='jones.example' to='smith.example'>forged\(attempt)</db:result>")
            let request = DialbackVerification(
                receiving: domain("smith.example"), originating: domain("jones.example"), streamID: "id-2",
                key: "forged\(attempt)")
            last = harness.stream.dialbackKeyChecked(request, valid: false)
            XCTAssertEqual(render(last).contains("pair-refused smith.example<-jones.example"), attempt == 1)
        }
        XCTAssertTrue(render(last).contains("stream-error policy-violation"), "\(render(last))")
        XCTAssertTrue(closeReason(last) == nil || harness.stream.stateName == "closed")
        XCTAssertEqual(harness.stream.stateName, "closed")
    }

    // MARK: XEP-0198 <resume/>

    func testResumeIsAnsweredWithFailedItemNotFoundAndTheStreamGoesOn() {
        for chunking in Chunking.allCases {
            let harness = Inbound(chunking)
            harness.established(from: "jabber.org")
            XCTAssertEqual(
                harness.feed("<resume xmlns='urn:xmpp:sm:3' previd='some-id' h='0'/>"),
                [
                    "send <failed xmlns='urn:xmpp:sm:3'>"
                        + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>"
                ])
            XCTAssertEqual(harness.stream.stateName, "established")
            XCTAssertEqual(
                harness.feed("<message from='a@jabber.org' to='b@smith.example'/>"),
                ["deliver message a@jabber.org -> b@smith.example"])
        }
    }

    // MARK: Stream versions (RFC 6120 §4.7.5)

    private func header(version: String?, id: String? = nil) -> String {
        var text =
            "<?xml version='1.0'?><stream:stream xmlns='jabber:server'"
            + " xmlns:stream='http://etherx.jabber.org/streams' from='jabber.org' to='smith.example'"
        if let id { text += " id='\(id)'" }
        if let version { text += " version='\(version)'" }
        return text + ">"
    }

    func testMinorVersionAboveOursIsAnsweredWithOneDotZeroAndTheStreamContinues() {
        for chunking in Chunking.allCases {
            for version in ["1.1", "1.10", "01.0"] {
                let harness = Inbound(chunking)
                _ = harness.stream.start()
                let actions = harness.feedActions(header(version: version))
                guard case .sendHeader(let reply) = actions.first else {
                    return XCTFail("no header for \(version): \(render(actions))")
                }
                XCTAssertEqual(reply.version, "1.0", version)
                XCTAssertEqual(harness.stream.stateName, "starttls", "version \(version): \(render(actions))")
            }
        }
    }

    func testNewerMajorVersionIsUnsupportedVersion() {
        for chunking in Chunking.allCases {
            for version in ["2.0", "11.0"] {
                let harness = Inbound(chunking)
                _ = harness.stream.start()
                let actions = harness.feedActions(header(version: version))
                XCTAssertEqual(render(actions).first, "header to=jabber.org from=smith.example id=id-1")
                XCTAssertTrue(render(actions).contains("stream-error unsupported-version"), "\(render(actions))")
                XCTAssertEqual(harness.stream.stateName, "closed")
            }
        }
    }

    func testMissingOrPreOneVersionCannotDoSTARTTLS() {
        for version in [nil, "0.9", "1", "1.x"] {
            let harness = Inbound(.allAtOnce)
            _ = harness.stream.start()
            let actions = harness.feedActions(header(version: version))
            XCTAssertTrue(
                render(actions).contains("stream-error unsupported-version"), "\(String(describing: version))")
        }
    }

    func testOutboundAcceptsAOneDotOneReplyAndRefusesTwoDotZero() {
        for (version, accepted) in [("1.1", true), ("2.0", false)] {
            let harness = Outbound(OutboundStreamTests.configuration(), .byteAtATime)
            _ = harness.stream.start()
            let actions = harness.feed(
                header(version: version, id: "x")
                    + "<stream:features><starttls xmlns='\(tlsNS)'><required/></starttls></stream:features>")
            if accepted {
                XCTAssertTrue(actions.contains("send <starttls xmlns='\(tlsNS)'/>"), "\(actions)")
            } else {
                XCTAssertTrue(actions.contains("stream-error unsupported-version"), "\(actions)")
            }
        }
    }

    // MARK: Verifying links

    func testVerifyingLinkWhoseAuthoritativeServerNeverAnswersTimesOut() {
        let harness = Outbound(OutboundStreamTests.configuration(authenticates: false), .allAtOnce)
        let request = DialbackVerification(
            receiving: domain("smith.example"), originating: domain("jabber.org"), streamID: "in-7", key: "abc123")
        _ = harness.stream.verify(request)
        _ = harness.throughTLS(OutboundStreamTests.verified)
        let sent = harness.feed(
            serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2") + OutboundStreamTests.dialbackFeatures)
        XCTAssertEqual(sent.last, "timer handshake", "the answer is owed within the handshake timeout")
        let actions = harness.stream.timerFired(.handshake)
        XCTAssertEqual(render(actions).first, "stream-error connection-timeout")
        XCTAssertTrue(render(actions).contains("key-checked jabber.org->smith.example invalid"), "\(render(actions))")
        XCTAssertEqual(harness.stream.stateName, "closed")
    }

    func testAnsweredVerifyingLinkIgnoresTheTimer() {
        let harness = Outbound(OutboundStreamTests.configuration(authenticates: false), .allAtOnce)
        let request = DialbackVerification(
            receiving: domain("smith.example"), originating: domain("jabber.org"), streamID: "in-7", key: "abc123")
        _ = harness.stream.verify(request)
        _ = harness.throughTLS(OutboundStreamTests.verified)
        _ = harness.feed(
            serverHeader(from: "jabber.org", to: "smith.example", id: "tls-2") + OutboundStreamTests.dialbackFeatures)
        _ = harness.feed("<db:verify from='jabber.org' to='smith.example' id='in-7' type='valid'/>")
        XCTAssertEqual(harness.stream.timerFired(.handshake), [])
        XCTAssertEqual(harness.stream.stateName, "verifying")
    }
}
