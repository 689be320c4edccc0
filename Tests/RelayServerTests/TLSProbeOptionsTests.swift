import TLS
import X509
import XCTest

@testable import RelayServer

/// The probe-only TLS options stay probe-only, and the key description reads real keys.
final class TLSProbeOptionsTests: XCTestCase {
    private func generated() throws -> SelfSignedCertificate {
        try SelfSignedCertificate.generate(domain: "probe.example", now: 1_800_000_000)
    }

    func testLegacyVersionsAndProbeSuitesAreRefusedForServers() throws {
        let generated = try generated()
        let identity = TLSIdentity(
            certificateChain: .bytes(Array(generated.certificatePEM.utf8), label: "certificate"),
            privateKey: .bytes(Array(generated.privateKeyPEM.utf8), label: "key"))
        var server = TLSConfiguration(role: .server, identity: identity)
        XCTAssertNoThrow(try TLSContext(configuration: server, now: 1_800_000_000), "the fixture itself is fine")
        server.probeCipherSuites = .everything
        XCTAssertThrowsError(try TLSContext(configuration: server, now: 1_800_000_000))
        server.probeCipherSuites = nil
        server.maximumVersion = .tls12
        XCTAssertThrowsError(try TLSContext(configuration: server, now: 1_800_000_000))
    }

    func testLegacyVersionsNeedEverySuiteAndALibraryThatHasThem() throws {
        var client = TLSConfiguration(role: .client)
        client.minimumVersion = .tls10
        XCTAssertThrowsError(try TLSContext(configuration: client), "no AEAD suite exists before TLS 1.2")
        client.probeCipherSuites = .everything
        if TLSLibrary.supportsLegacyVersions {
            XCTAssertNoThrow(try TLSContext(configuration: client))
        } else {
            XCTAssertThrowsError(try TLSContext(configuration: client))
        }
        client.minimumVersion = .tls12
        client.maximumVersion = .tls11
        XCTAssertThrowsError(try TLSContext(configuration: client), "maximum below minimum")
    }

    func testKeyDescription() throws {
        let certificate = try generated().certificate
        XCTAssertEqual(probeKeyDescription(subjectPublicKeyInfo: certificate.subjectPublicKeyInfo), "EC P-256")
        XCTAssertNil(probeKeyDescription(subjectPublicKeyInfo: [0x30, 0x03, 0x02, 0x01]))
    }
}
