import Foundation
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

/// `[policy] require = "dane"` does what the reference says: PKIX alone no longer authenticates.
final class RequireDANETests: XCTestCase {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TrustTests/Fixtures").path

    private func verdict(requireDANE: Bool) throws -> PeerTrust.Verdict {
        let leaf = try PEMBlock.certificates(String(contentsOfFile: fixtures + "/leaf-xmpp.pem", encoding: .utf8))[0]
        let trust = PeerTrust(caFile: fixtures + "/ca.pem", planner: nil, requireDANE: { requireDANE }) { _ in [] }
        return trust.decide(
            chain: [leaf.der], domain: try DomainName("xmpp.example"), role: .server, target: nil,
            now: 1_798_761_600)
    }

    func testPKIXAloneIsRefusedWhenDANEIsRequired() throws {
        let verified = try verdict(requireDANE: false).authentication
        XCTAssertTrue(verified.verified, verified.reason)
        XCTAssertEqual(verified.method, .pkix)
        let refused = try verdict(requireDANE: true).authentication
        XCTAssertFalse(refused.verified)
        XCTAssertTrue(refused.reason.contains("[policy] require = \"dane\" asks for DANE or a pin"), refused.reason)
    }
}
