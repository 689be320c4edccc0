import X509
import XCTest

@testable import Trust

final class PinDecisionTests: XCTestCase {
    private let verifier = OpenSSLChainVerifier()

    private func decide(
        _ chain: [Certificate], _ domain: String, pins: [TLSARecord], dane: TLSALookup = .notLookedUp
    ) -> AuthOutcome {
        PeerVerifier(chainVerifier: verifier, systemAnchors: TrustFixtures.systemAnchors)
            .decide(
                AuthRequest(
                    chain: chain, peerDomain: domain, role: .client, pins: pins, dane: dane, now: TrustFixtures.now))
    }

    func testSelfSignedFriendWithPin() throws {
        let pin = try TrustFixtures.record(3, 1, 1, of: "self-signed")
        let outcome = decide(try TrustFixtures.chain("self-signed"), "jones.example", pins: [pin])
        XCTAssertEqual(outcome.method, .pin)
        XCTAssertTrue(outcome.verified)
        XCTAssertEqual(outcome.detail, pin.description)
        XCTAssertEqual(outcome.reason, "certificate matches pin 3 1 1 for jones.example")
        for (selector, matching) in [(0, 1), (1, 2), (1, 0), (0, 0)] as [(UInt8, UInt8)] {
            let other = try TrustFixtures.record(3, selector, matching, of: "self-signed")
            XCTAssertTrue(
                decide(try TrustFixtures.chain("self-signed"), "jones.example", pins: [other]).verified,
                other.parameters)
        }
    }

    func testWrongDigestRefusesAndShowsTheActualPin() throws {
        let wrong = try TrustFixtures.record(3, 1, 1, of: "leaf-xmpp")
        let outcome = decide(try TrustFixtures.chain("self-signed"), "jones.example", pins: [wrong])
        XCTAssertEqual(outcome.method, .pin)
        XCTAssertFalse(outcome.verified)
        XCTAssertFalse(outcome.fallbackAllowed)
        let actual = try TrustFixtures.record(3, 1, 1, of: "self-signed")
        XCTAssertEqual(
            outcome.reason,
            "certificate does not match the pins for jones.example (it has \(actual)); if the peer changed its key, update the pin with xmpp-relay pin"
        )
    }

    /// A pinned domain is not let in by PKIX or DANE, however good.
    func testPinsAreTheOnlyWay() throws {
        let wrong = try TrustFixtures.record(3, 1, 1, of: "self-signed")
        let goodTLSA = try TrustFixtures.record(3, 1, 1, of: "leaf-xmpp")
        let outcome = decide(
            try TrustFixtures.chain("leaf-xmpp"), "xmpp.example", pins: [wrong],
            dane: .secure([goodTLSA], at: "_5269._tcp.xmpp.example"))
        XCTAssertEqual(outcome.method, .pin)
        XCTAssertFalse(outcome.verified)
    }

    /// Pins do not depend on DNS: a bogus answer does not block a pinned friend.
    func testPinsIgnoreBogusDNS() throws {
        let pin = try TrustFixtures.record(3, 1, 1, of: "self-signed")
        let outcome = decide(
            try TrustFixtures.chain("self-signed"), "jones.example", pins: [pin],
            dane: .bogus("signature expired", at: "_5269._tcp.jones.example"))
        XCTAssertTrue(outcome.verified)
        XCTAssertEqual(outcome.method, .pin)
    }

    func testTrustAnchorPin() throws {
        let pin = try TrustFixtures.record(2, 0, 1, of: "dane-ta")
        let named = decide(try TrustFixtures.chain("dane-leaf-named", "dane-ta"), "dane.example", pins: [pin])
        XCTAssertTrue(named.verified)
        XCTAssertEqual(named.reason, "certificate chains to pinned trust anchor 2 0 1 for dane.example")
        let unnamed = decide(try TrustFixtures.chain("dane-leaf-unnamed", "dane-ta"), "dane.example", pins: [pin])
        XCTAssertFalse(unnamed.verified)
        XCTAssertEqual(
            unnamed.reason,
            "certificate is not valid for dane.example (names: DNS:unrelated.example) (pinned for dane.example)")
    }

    func testPinnedButNoCertificate() throws {
        let outcome = decide([], "jones.example", pins: [try TrustFixtures.record(3, 1, 1, of: "self-signed")])
        XCTAssertFalse(outcome.verified)
        XCTAssertEqual(outcome.reason, "peer sent no certificate, but jones.example is pinned")
    }
}
