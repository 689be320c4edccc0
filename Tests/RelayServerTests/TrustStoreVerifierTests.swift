import Foundation
import S2S
import Trust
import X509
import XCTest

@testable import RelayServer

/// Trust's decisions with mbedTLS doing the signatures: the pairing the relay runs with. The
/// certificates are Trust's openssl-made fixtures; time is 2027-01-01, inside their validity.
final class TrustStoreVerifierTests: XCTestCase {
    private let now: Int64 = 1_798_761_600
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TrustTests/Fixtures").path

    private func certificate(_ name: String) throws -> Certificate {
        try PEMBlock.certificates(String(contentsOfFile: fixtures + "/\(name).pem", encoding: .utf8))[0]
    }

    private func decide(
        _ chain: [Certificate], _ domain: String, anchors: String = "ca", dane: TLSALookup = .notLookedUp
    )
        -> AuthOutcome
    {
        PeerVerifier(
            chainVerifier: TrustStoreVerifier(), systemAnchors: .system(bundlePath: fixtures + "/\(anchors).pem")
        )
        .decide(AuthRequest(chain: chain, peerDomain: domain, role: .server, dane: dane, now: now))
    }

    func testPKIXAcceptsACertificateFromTheCA() throws {
        let outcome = decide([try certificate("leaf-xmpp")], "xmpp.example")
        XCTAssertEqual(outcome.method, .pkix)
        XCTAssertTrue(outcome.verified, outcome.reason)
    }

    func testIntermediatesInAnyOrderAreAccepted() throws {
        let leaf = try certificate("leaf-via-intermediate")
        let intermediate = try certificate("intermediate")
        let unrelated = try certificate("dane-ta")
        XCTAssertEqual(
            TrustStoreVerifier.issuerOrder([leaf, unrelated, intermediate]), [leaf, intermediate, unrelated])
        let outcome = decide([leaf, unrelated, intermediate], "chain.example")
        XCTAssertTrue(outcome.verified, outcome.reason)
    }

    func testAnotherCAIsRefused() throws {
        let outcome = decide([try certificate("leaf-xmpp")], "xmpp.example", anchors: "dane-ta")
        XCTAssertFalse(outcome.verified)
        XCTAssertEqual(outcome.method, .none)
        XCTAssertTrue(outcome.reason.contains("untrusted") || outcome.reason.contains("not trusted"), outcome.reason)
    }

    func testSelfSignedWithoutPinIsRefused() throws {
        let outcome = decide([try certificate("ca")], "xmpp.example")
        XCTAssertFalse(outcome.verified)
    }

    func testDANETAThroughMbedTLS() throws {
        let anchor = try certificate("dane-ta")
        let leaf = try certificate("dane-leaf-named")
        let record = TLSARecord(usage: 2, selector: 1, matchingType: 1, data: SHA256.hash(anchor.subjectPublicKeyInfo))
        let outcome = decide([leaf, anchor], "dane.example", dane: .secure([record], at: "_5269._tcp.dane.example"))
        XCTAssertEqual(outcome.method, .daneTA, outcome.reason)
        XCTAssertTrue(outcome.verified, outcome.reason)
    }
}

/// The relay's own decision on top of Trust: `[policy] require = "dane"` does not take a CA-signed
/// certificate alone (at link set-up and when a reload checks a link again), pins still decide.
final class PeerTrustPolicyTests: XCTestCase {
    private let now: Int64 = 1_798_761_600
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TrustTests/Fixtures").path

    private func trust(requiresDANE: Bool, pins: [TLSARecord] = []) -> PeerTrust {
        PeerTrust(caFile: fixtures + "/ca.pem", planner: nil, requiresDANE: { requiresDANE }) { _ in pins }
    }

    private func leaf() throws -> [[UInt8]] {
        [try PEMBlock.certificates(String(contentsOfFile: fixtures + "/leaf-xmpp.pem", encoding: .utf8))[0].der]
    }

    func testRequireDANERefusesPKIXAlone() throws {
        let domain = try DomainName("xmpp.example")
        let verified = trust(requiresDANE: false).decide(
            chain: try leaf(), domain: domain, role: .server, target: nil, now: now)
        XCTAssertTrue(verified.authentication.isValid(for: domain), verified.authentication.reason)

        let refused = trust(requiresDANE: true).decide(
            chain: try leaf(), domain: domain, role: .server, target: nil, now: now)
        XCTAssertFalse(refused.authentication.verified)
        XCTAssertEqual(refused.authentication.method, .pkix, "dialback may still stand in where allowed")
        XCTAssertTrue(refused.authentication.reason.contains("require = \"dane\""), refused.authentication.reason)

        // A reload that turns the requirement on refuses the link already up.
        let again = trust(requiresDANE: true).recheck(
            chain: try leaf(), domain: domain, role: .client, target: nil, previous: verified.authentication, now: now)
        XCTAssertFalse(again.authentication.verified)
    }

    func testRecheckKeepsADANEVerdictUntilAPinOverridesIt() throws {
        let domain = try DomainName("xmpp.example")
        let dane = PeerAuthentication(method: .daneEE, verified: true, names: [domain], reason: "TLSA 3 1 1 matched")
        let kept = trust(requiresDANE: true).recheck(
            chain: try leaf(), domain: domain, role: .client, target: nil, previous: dane, now: now)
        XCTAssertEqual(kept.authentication, dane)
        let otherPin = TLSARecord(usage: 3, selector: 1, matchingType: 1, data: [UInt8](repeating: 7, count: 32))
        let pinned = trust(requiresDANE: false, pins: [otherPin]).recheck(
            chain: try leaf(), domain: domain, role: .client, target: nil, previous: dane, now: now)
        XCTAssertFalse(pinned.authentication.verified)
        XCTAssertEqual(pinned.authentication.method, .pin)
    }
}
