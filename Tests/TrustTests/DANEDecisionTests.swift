import X509
import XCTest

@testable import Trust

final class DANEDecisionTests: XCTestCase {
    private let verifier = OpenSSLChainVerifier()
    private let owner = "_5269._tcp.xmpp.evil.example"

    private func decide(
        _ chain: [Certificate], _ domain: String, _ dane: TLSALookup, role: PeerRole = .server
    ) -> AuthOutcome {
        PeerVerifier(chainVerifier: verifier, systemAnchors: TrustFixtures.systemAnchors)
            .decide(AuthRequest(chain: chain, peerDomain: domain, role: role, dane: dane, now: TrustFixtures.now))
    }

    func testDANEEEMatchesWithoutNameOrExpiryCheck() throws {
        let record = try TrustFixtures.record(3, 1, 1, of: "self-signed")
        let outcome = decide(try TrustFixtures.chain("self-signed"), "evil.example", .secure([record], at: owner))
        XCTAssertEqual(outcome.method, .daneEE)
        XCTAssertTrue(outcome.verified)
        XCTAssertEqual(outcome.detail, "3 1 1")
        XCTAssertEqual(outcome.reason, "certificate matches TLSA 3 1 1 at _5269._tcp.xmpp.evil.example")
        // RFC 7671 §5.1: DANE-EE ignores names and dates.
        let expired = try TrustFixtures.record(3, 0, 2, of: "leaf-expired")
        XCTAssertTrue(
            decide(try TrustFixtures.chain("leaf-expired"), "evil.example", .secure([expired], at: owner)).verified)
    }

    func testWrongDigestRefusesWithoutFallback() throws {
        let wrong = try TrustFixtures.record(3, 1, 1, of: "self-signed")
        // leaf-xmpp would pass PKIX for xmpp.example; a secure non-matching TLSA set must still refuse.
        let outcome = decide(try TrustFixtures.chain("leaf-xmpp"), "xmpp.example", .secure([wrong], at: owner))
        XCTAssertEqual(outcome.method, .daneEE)
        XCTAssertFalse(outcome.verified)
        XCTAssertFalse(outcome.fallbackAllowed)
        XCTAssertEqual(outcome.reason, "certificate does not match TLSA 3 1 1 at _5269._tcp.xmpp.evil.example")
    }

    func testUnusableUsagesFallThroughToPKIX() throws {
        // Usages 0 and 1 whose data would match are still ignored (Postfix does the same).
        let pkixEE = try TrustFixtures.record(1, 1, 1, of: "leaf-xmpp")
        let pkixTA = try TrustFixtures.record(0, 0, 1, of: "ca")
        let lookup = TLSALookup.secure([pkixEE, pkixTA], at: owner)
        let outcome = decide(try TrustFixtures.chain("leaf-xmpp"), "xmpp.example", lookup)
        XCTAssertEqual(outcome.method, .pkix)
        XCTAssertTrue(outcome.verified)
        XCTAssertTrue(
            outcome.reason.hasSuffix(
                "; TLSA records at _5269._tcp.xmpp.evil.example are all unusable (usages 0/1 or unknown parameters)"),
            outcome.reason)
        let selfSigned = decide(
            try TrustFixtures.chain("self-signed"), "jones.example",
            .secure([try TrustFixtures.record(1, 1, 1, of: "self-signed")], at: owner))
        XCTAssertFalse(selfSigned.verified)
        XCTAssertTrue(selfSigned.fallbackAllowed)
    }

    func testUnusableRecordsDoNotRescueAMismatch() throws {
        let matchingButUnusable = try TrustFixtures.record(1, 1, 1, of: "leaf-xmpp")
        let wrong = try TrustFixtures.record(3, 1, 1, of: "self-signed")
        let outcome = decide(
            try TrustFixtures.chain("leaf-xmpp"), "xmpp.example", .secure([matchingButUnusable, wrong], at: owner))
        XCTAssertFalse(outcome.verified)
        XCTAssertEqual(outcome.reason, "certificate does not match TLSA 3 1 1 at _5269._tcp.xmpp.evil.example")
    }

    func testBogusRefuses() throws {
        let outcome = decide(
            try TrustFixtures.chain("leaf-xmpp"), "xmpp.example",
            .bogus("signature expired", at: "_5269._tcp.host.example"))
        XCTAssertEqual(outcome.method, .none)
        XCTAssertFalse(outcome.verified)
        XCTAssertFalse(outcome.fallbackAllowed)
        XCTAssertEqual(
            outcome.reason, "DNSSEC validation failed (bogus) for _5269._tcp.host.example: signature expired")
    }

    /// RFC 7672 §2.2: a TLSA lookup that failed under secure DNS is "indeterminate": a certificate
    /// PKIX would accept is still refused, and nothing falls back.
    func testFailedLookupRefusesLikeBogus() throws {
        let outcome = decide(
            try TrustFixtures.chain("leaf-xmpp"), "xmpp.example",
            .failed("SERVFAIL: no usable answer", at: "_5269._tcp.host.example"))
        XCTAssertEqual(outcome.method, .none)
        XCTAssertFalse(outcome.verified)
        XCTAssertFalse(outcome.fallbackAllowed)
        XCTAssertEqual(
            outcome.reason,
            "TLSA lookup for _5269._tcp.host.example failed (SERVFAIL: no usable answer); DANE status unknown")
    }

    func testInsecureAndProvenAbsentUsePKIX() throws {
        let chain = try TrustFixtures.chain("leaf-xmpp")
        XCTAssertEqual(decide(chain, "xmpp.example", .insecure(at: owner)).method, .pkix)
        let absent = decide(chain, "xmpp.example", .secure([], at: owner))
        XCTAssertEqual(absent.method, .pkix)
        XCTAssertFalse(absent.reason.contains("unusable"))
    }

    func testDANETAWithName() throws {
        for (selector, matching) in [(0, 1), (1, 1), (0, 2), (1, 0)] as [(UInt8, UInt8)] {
            let record = try TrustFixtures.record(2, selector, matching, of: "dane-ta")
            let outcome = decide(
                try TrustFixtures.chain("dane-leaf-named", "dane-ta"), "dane.example",
                .secure([record], at: "_5269._tcp.dane.example"))
            XCTAssertEqual(outcome.method, .daneTA, record.parameters)
            XCTAssertTrue(outcome.verified, outcome.reason)
            XCTAssertEqual(
                outcome.reason,
                "certificate chains to TLSA \(record.parameters) trust anchor at _5269._tcp.dane.example")
        }
    }

    /// RFC 7673: the SRV target host is an acceptable name for DANE-TA (a hosted domain).
    func testDANETAAcceptsTheSRVTargetName() throws {
        let record = try TrustFixtures.record(2, 1, 1, of: "dane-ta")
        let outcome = decide(
            try TrustFixtures.chain("dane-leaf-named", "dane-ta"), "customer.example",
            .secure([record], at: "_5269._tcp.dane.example"))
        XCTAssertTrue(outcome.verified, outcome.reason)
        XCTAssertEqual(outcome.method, .daneTA)
    }

    func testDANETAWithoutNameRefuses() throws {
        let record = try TrustFixtures.record(2, 0, 1, of: "dane-ta")
        let outcome = decide(
            try TrustFixtures.chain("dane-leaf-unnamed", "dane-ta"), "dane.example",
            .secure([record], at: "_5269._tcp.dane.example"))
        XCTAssertEqual(outcome.method, .daneTA)
        XCTAssertFalse(outcome.verified)
        XCTAssertFalse(outcome.fallbackAllowed)
        XCTAssertEqual(
            outcome.reason,
            "certificate is not valid for dane.example (names: DNS:unrelated.example) (TLSA at _5269._tcp.dane.example)"
        )
    }

    func testDANETARequiresTheAnchorInTheChain() throws {
        let record = try TrustFixtures.record(2, 0, 1, of: "dane-ta")
        let outcome = decide(
            try TrustFixtures.chain("dane-leaf-named"), "dane.example", .secure([record], at: "_5269._tcp.dane.example")
        )
        XCTAssertFalse(outcome.verified)
        XCTAssertEqual(outcome.method, .daneTA)
        XCTAssertEqual(outcome.reason, "certificate does not match TLSA 2 0 1 at _5269._tcp.dane.example")
    }

    /// The anchor record matches a certificate the peer sent, but the leaf was not issued by it.
    func testDANETAWithForeignLeafFailsSignatureCheck() throws {
        let record = try TrustFixtures.record(2, 0, 1, of: "dane-ta")
        let outcome = decide(
            try TrustFixtures.chain("leaf-xmpp", "dane-ta"), "xmpp.example",
            .secure([record], at: "_5269._tcp.xmpp.example"))
        XCTAssertFalse(outcome.verified)
        XCTAssertFalse(outcome.fallbackAllowed)
        XCTAssertTrue(
            outcome.reason.hasPrefix("certificate does not chain to the trust anchor 2 0 1 (CN=DANE Trust Anchor): "),
            outcome.reason)
    }

    func testDANETAAnchorIsNotTheLeaf() throws {
        // A 2 x x record matching the leaf itself does not make it an anchor for itself.
        let record = try TrustFixtures.record(2, 1, 1, of: "self-signed")
        let outcome = decide(try TrustFixtures.chain("self-signed"), "jones.example", .secure([record], at: owner))
        XCTAssertFalse(outcome.verified)
        XCTAssertEqual(outcome.method, .daneTA)
    }

    func testNoCertificateWithTLSA() throws {
        let outcome = decide(
            [], "jones.example", .secure([try TrustFixtures.record(3, 1, 1, of: "self-signed")], at: owner))
        XCTAssertFalse(outcome.verified)
        XCTAssertFalse(outcome.fallbackAllowed)
    }

    func testBaseDomainOfOwner() {
        XCTAssertEqual(TLSALookup.secure([], at: "_5269._tcp.xmpp.example.").baseDomain, "xmpp.example.")
        XCTAssertEqual(TLSALookup.secure([], at: "odd.name").baseDomain, "")
    }
}
