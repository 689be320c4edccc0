import TLS
import XCTest

final class LoadingTests: XCTestCase {
    private func loadError(_ configuration: TLSConfiguration, now: Int64? = nil) -> TLSError? {
        do {
            _ = try TLSContext(configuration: configuration, now: now)
            return nil
        } catch {
            return error
        }
    }

    func testMissingFileIsNamed() {
        let path = fixture("no-such.pem")
        let error = loadError(
            TLSConfiguration(
                role: .server, identity: TLSIdentity(certificateFile: path, keyFile: fixture("a.example.key"))))
        XCTAssertEqual(error?.code, .fileMissing)
        XCTAssertTrue(error?.message.contains(path) ?? false, "\(String(describing: error))")
    }

    func testUnreadableFileIsNamed() throws {
        guard getuid() != 0 else { throw XCTSkip("root can read any file") }
        let path = NSTemporaryDirectory() + "tls-unreadable-\(getpid()).pem"
        _ = FileManager.default.createFile(atPath: path, contents: Data(readFile(fixture("a.example.crt"))))
        defer { try? FileManager.default.removeItem(atPath: path) }
        chmod(path, 0)
        let error = loadError(
            TLSConfiguration(
                role: .server, identity: TLSIdentity(certificateFile: path, keyFile: fixture("a.example.key"))))
        XCTAssertEqual(error?.code, .fileUnreadable)
        XCTAssertTrue(error?.message.contains(path) ?? false)
    }

    func testGarbageIsNotACertificate() {
        let error = loadError(
            TLSConfiguration(
                role: .server,
                identity: TLSIdentity(certificateFile: fixture("garbage.pem"), keyFile: fixture("a.example.key"))))
        XCTAssertEqual(error?.code, .notACertificate)
        XCTAssertTrue(
            error?.message.contains("garbage.pem: not a certificate") ?? false, "\(String(describing: error))")
    }

    func testKeyFileThatIsACertificateIsNotAKey() {
        let error = loadError(
            TLSConfiguration(
                role: .server,
                identity: TLSIdentity(certificateFile: fixture("a.example.crt"), keyFile: fixture("a.example.crt"))))
        XCTAssertEqual(error?.code, .notAPrivateKey)
    }

    func testWrongKeyForCertificate() {
        let error = loadError(
            TLSConfiguration(
                role: .server,
                identity: TLSIdentity(
                    certificateFile: fixture("a.example.chain.pem"), keyFile: fixture("b.example.key"))))
        XCTAssertEqual(error?.code, .keyDoesNotMatchCertificate)
        XCTAssertTrue(error?.message.contains("key does not match the certificate") ?? false)
        XCTAssertTrue(error?.message.contains("b.example.key") ?? false)
    }

    func testExpiredAndNotYetValidAtLoadTime() throws {
        let validity = try TLSCertificate.validity(der: readFile(fixture("a.example.der")))
        let configuration = TLSConfiguration(role: .server, identity: identity("a.example"))
        XCTAssertEqual(loadError(configuration, now: validity.notAfter + 1)?.code, .certificateExpired)
        XCTAssertEqual(loadError(configuration, now: validity.notBefore - 1)?.code, .certificateNotYetValid)
        XCTAssertNil(loadError(configuration, now: validity.notBefore + 10))
    }

    func testDERCertificateAndKeyLoad() throws {
        let der = readFile(fixture("a.example.der"))
        let key = readFile(fixture("a.example.key.der"))
        let context = try TLSContext(
            configuration: TLSConfiguration(
                role: .server,
                identity: TLSIdentity(
                    certificateChain: .bytes(der, label: "a-der"), privateKey: .bytes(key, label: "a-key-der"))))
        XCTAssertEqual(context.certificateChainDER, [der])
    }

    func testExpiryDaysLeft() throws {
        let context = try serverContext("a.example", byDomain: ["b.example": identity("b.example")])
        let notAfter = try TLSCertificate.validity(der: readFile(fixture("a.example.der"))).notAfter
        let expiries = context.certificateExpiries(now: notAfter - 10 * 86400 - 5)
        XCTAssertEqual(expiries.count, 2)
        XCTAssertNil(expiries[0].domain)
        XCTAssertEqual(expiries[0].daysLeft, 10)
        XCTAssertTrue(expiries[0].isExpiring(withinDays: 14))
        XCTAssertEqual(expiries[1].domain, "b.example")
        XCTAssertEqual(try TLSCertificate.daysLeft(der: readFile(fixture("a.example.der")), now: notAfter + 86400), -1)
    }

    func testReloadBuildsAFreshContextAndOldConnectionsKeepWorking() throws {
        let old = try serverContext()
        let server = try TLSConnection(context: old)
        let client = try TLSConnection(context: try clientContext(), serverName: "a.example")
        let new = try old.reloaded()
        XCTAssertFalse(old === new)
        XCTAssertEqual(new.configuration, old.configuration)
        try completeHandshake(client, server)
        XCTAssertTrue(server.context === old)
    }

    func testSubjectPublicKeyInfoMatchesOpenSSL() throws {
        let spki = try TLSCertificate.subjectPublicKeyInfo(der: readFile(fixture("a.example.der")))
        XCTAssertEqual(spki, readFile(fixture("a.example.spki.der")))
        XCTAssertThrowsError(try TLSCertificate.subjectPublicKeyInfo(der: [0x30, 0x03, 0x02, 0x01, 0x00]))
    }

    func testDigestVectors() {
        let abc = Array("abc".utf8)
        XCTAssertEqual(
            hex(TLSDigest.sha256(abc)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex(TLSDigest.sha512(abc)),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd"
                + "454d4423643ce80e2a9ac94fa54ca49f")
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
