import X509
import XCTest

@testable import Trust

/// PKIX branches with real signatures checked by openssl.
final class PKIXDecisionTests: XCTestCase {
    private let verifier = OpenSSLChainVerifier()

    private func decide(_ chain: [Certificate], _ domain: String, role: PeerRole = .server) -> AuthOutcome {
        PeerVerifier(chainVerifier: verifier, systemAnchors: TrustFixtures.systemAnchors)
            .decide(AuthRequest(chain: chain, peerDomain: domain, role: role, now: TrustFixtures.now))
    }

    func testAcceptsEachXMPPIdentityKind() throws {
        let leaf = try TrustFixtures.chain("leaf-xmpp")
        let outcome = decide(leaf, "xmpp.example")
        XCTAssertEqual(outcome.method, .pkix)
        XCTAssertTrue(outcome.verified)
        XCTAssertEqual(outcome.detail, "SRV:_xmpp-server.xmpp.example")
        XCTAssertEqual(decide(leaf, "muc.wild.example").detail, "DNS:*.wild.example")
        XCTAssertEqual(
            decide(try TrustFixtures.chain("leaf-srv-only"), "srv.example").detail, "SRV:_xmpp-server.srv.example")
        XCTAssertEqual(
            decide(try TrustFixtures.chain("leaf-xmppaddr-only"), "addr.example").detail, "XmppAddr:addr.example")
    }

    func testWrongNameNamesWhatTheCertificateHas() throws {
        let outcome = decide(try TrustFixtures.chain("leaf-xmpp"), "jabber.org")
        XCTAssertEqual(outcome.method, .none)
        XCTAssertFalse(outcome.verified)
        XCTAssertTrue(outcome.fallbackAllowed)
        XCTAssertEqual(
            outcome.reason,
            "certificate is not valid for jabber.org (names: SRV:_xmpp-server.xmpp.example, XmppAddr:xmpp.example, DNS:xmpp.example, DNS:*.wild.example)"
        )
        XCTAssertFalse(decide(try TrustFixtures.chain("leaf-xmpp"), "a.b.wild.example").verified)
        XCTAssertFalse(decide(try TrustFixtures.chain("leaf-xmpp"), "wild.example").verified)
    }

    func testNoCommonNameFallback() throws {
        let outcome = decide(try TrustFixtures.chain("leaf-cn-only"), "cn.example")
        XCTAssertFalse(outcome.verified)
        XCTAssertEqual(
            outcome.reason, "certificate is not valid for cn.example (names: no subjectAltName (subject CN=cn.example))"
        )
    }

    func testExpiredAndNotYetValid() throws {
        let expired = decide(try TrustFixtures.chain("leaf-expired"), "old.example")
        XCTAssertFalse(expired.verified)
        XCTAssertEqual(expired.reason, "certificate expired 2026-10-01T00:00:00Z")
        let future = decide(try TrustFixtures.chain("leaf-not-yet-valid"), "future.example")
        XCTAssertEqual(future.reason, "certificate is not valid before 2030-01-01T00:00:00Z")
    }

    func testSelfSignedWithoutPinSaysHowToPin() throws {
        let outcome = decide(try TrustFixtures.chain("self-signed"), "jones.example")
        XCTAssertEqual(outcome.method, .none)
        XCTAssertFalse(outcome.verified)
        XCTAssertEqual(
            outcome.reason,
            "self-signed certificate and no pin or DANE record for jones.example: add a pin with xmpp-relay pin")
    }

    func testIntermediateMustBeSent() throws {
        XCTAssertTrue(
            decide(try TrustFixtures.chain("leaf-via-intermediate", "intermediate"), "chain.example").verified)
        let missing = decide(try TrustFixtures.chain("leaf-via-intermediate"), "chain.example")
        XCTAssertFalse(missing.verified)
        XCTAssertTrue(
            missing.reason.hasPrefix("certificate chain is not trusted (issuer CN=Relay Test Intermediate): "),
            missing.reason)
        XCTAssertTrue(missing.reason.contains("unable to get local issuer certificate"), missing.reason)
    }

    func testUntrustedPrivateCA() throws {
        let outcome = decide(try TrustFixtures.chain("dane-leaf-named", "dane-ta"), "dane.example")
        XCTAssertFalse(outcome.verified)
        XCTAssertTrue(
            outcome.reason.hasPrefix("certificate chain is not trusted (issuer CN=DANE Trust Anchor)"), outcome.reason)
    }

    func testExtendedKeyUsageByRole() throws {
        let clientOnly = try TrustFixtures.chain("leaf-client-auth")
        let serverRefusal = decide(clientOnly, "client.example", role: .server)
        XCTAssertFalse(serverRefusal.verified)
        XCTAssertEqual(
            serverRefusal.reason, "certificate's extended key usage (clientAuth) lacks serverAuth, needed by a server")
        XCTAssertTrue(decide(clientOnly, "client.example", role: .client).verified)
        // Let's Encrypt style: serverAuth only is fine for an inbound (client) peer too.
        let serverOnly = try TrustFixtures.chain("leaf-server-auth")
        XCTAssertTrue(decide(serverOnly, "server.example", role: .client).verified)
        XCTAssertTrue(decide(serverOnly, "server.example", role: .server).verified)
        XCTAssertTrue(decide(try TrustFixtures.chain("leaf-no-eku"), "noeku.example", role: .server).verified)
    }

    func testEmptyChain() {
        let outcome = decide([], "xmpp.example")
        XCTAssertEqual(outcome.method, .none)
        XCTAssertEqual(outcome.reason, "peer sent no certificate")
    }

    func testVerifierReasonIsPassedOn() throws {
        let scripted = ScriptedChainVerifier(.untrusted("signature does not verify"))
        let outcome = PeerVerifier(
            chainVerifier: scripted, systemAnchors: .system(bundlePath: "/etc/ssl/certs/ca-certificates.crt")
        )
        .decide(
            AuthRequest(
                chain: try TrustFixtures.chain("leaf-xmpp"), peerDomain: "xmpp.example", role: .server,
                now: TrustFixtures.now))
        XCTAssertEqual(
            outcome.reason,
            "certificate chain is not trusted (issuer CN=Relay Test Root CA, O=xmpp-relay tests): signature does not verify"
        )
        guard case .system(let path) = scripted.requests.first?.anchors else {
            return XCTFail("system anchors expected")
        }
        XCTAssertEqual(path, "/etc/ssl/certs/ca-certificates.crt")
    }
}
