import TLS
import XCTest

final class ChainVerificationTests: XCTestCase {
    private let now = Int64(Date().timeIntervalSince1970)

    func testChainToConfiguredRootIsTrusted() throws {
        let store = try TLSTrustStore(caFile: fixture("root-ca.crt"))
        XCTAssertEqual(store.anchorCount, 1)
        let result = store.verify(chain: try pemToDER(fixture("a.example.chain.pem")), at: now)
        XCTAssertTrue(result.isTrusted, result.description)
        XCTAssertEqual(result.description, "trusted")
    }

    func testMissingIntermediateIsUntrusted() throws {
        let store = try TLSTrustStore(caFile: fixture("root-ca.crt"))
        let result = store.verify(chain: try pemToDER(fixture("a.example.crt")), at: now)
        XCTAssertFalse(result.isTrusted)
        XCTAssertTrue(result.problems.contains { $0.kind == .untrusted }, result.description)
    }

    func testExpiredAndNotYetValidAtGivenTime() throws {
        let store = try TLSTrustStore(caFile: fixture("root-ca.crt"))
        let chain = try pemToDER(fixture("a.example.chain.pem"))
        let validity = try TLSCertificate.validity(der: chain[0])
        let late = store.verify(chain: chain, at: validity.notAfter + 86400)
        XCTAssertTrue(late.problems.contains(where: { $0.kind == .expired && $0.depth == 0 }), late.description)
        XCTAssertTrue(late.description.contains("certificate 0: expired"), late.description)
        let early = store.verify(chain: chain, at: validity.notBefore - 86400)
        XCTAssertTrue(early.problems.contains(where: { $0.kind == .notYetValid }), early.description)
        XCTAssertFalse(early.problems.contains(where: { $0.kind == .expired }), early.description)
    }

    func testWrongCA() throws {
        let store = try TLSTrustStore(caFile: fixture("other-ca.crt"))
        let result = store.verify(chain: try pemToDER(fixture("a.example.chain.pem")), at: now)
        XCTAssertEqual(result.problems.map(\.kind), [.untrusted], result.description)
        let stranger = try TLSTrustStore(caFile: fixture("root-ca.crt"))
            .verify(chain: try pemToDER(fixture("stranger.example.crt")), at: now)
        XCTAssertFalse(stranger.isTrusted)
    }

    func testDANETAAnchorGivenExplicitly() throws {
        let chain = try pemToDER(fixture("a.example.chain.pem"))
        // DANE-TA: the intermediate the TLSA record matched is the only anchor; no root needed.
        let store = try TLSTrustStore(anchorsDER: [chain[1]])
        XCTAssertTrue(store.verify(chain: chain, at: now).isTrusted)
        XCTAssertTrue(store.verify(chain: [chain[0]], at: now).isTrusted)
        let wrong = try TLSTrustStore(anchorsDER: try pemToDER(fixture("other-ca.crt")))
        XCTAssertFalse(wrong.verify(chain: chain, at: now).isTrusted)
    }

    func testWeakRSAKeyIsReported() throws {
        let store = try TLSTrustStore(caFile: fixture("root-ca.crt"))
        let result = store.verify(chain: try pemToDER(fixture("weak.example.chain.pem")), at: now)
        XCTAssertTrue(result.problems.contains(where: { $0.kind == .weakKey && $0.depth == 0 }), result.description)
    }

    func testMalformedAndEmptyChains() throws {
        let store = try TLSTrustStore(caFile: fixture("root-ca.crt"))
        XCTAssertEqual(store.verify(chain: [[1, 2, 3]], at: now).problems.map(\.kind), [.malformed])
        XCTAssertEqual(store.verify(chain: [], at: now).problems.map(\.kind), [.missing])
        XCTAssertThrowsError(try TLSTrustStore(anchorsDER: [[0x30, 0x00]]))
    }

    func testSystemBundleLoadsWhereInstalled() throws {
        guard FileManager.default.fileExists(atPath: TLSTrustStore.systemBundlePath) else {
            throw XCTSkip("no system CA bundle (Debian package ca-certificates)")
        }
        let store = try TLSTrustStore()
        XCTAssertGreaterThan(store.anchorCount, 50)
        XCTAssertFalse(store.verify(chain: try pemToDER(fixture("a.example.chain.pem")), at: now).isTrusted)
    }
}
