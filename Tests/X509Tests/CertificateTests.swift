import XCTest

@testable import X509

final class CertificateTests: XCTestCase {
    func testParsesXMPPLeafFields() throws {
        let certificate = try Fixtures.certificate("leaf-xmpp")
        XCTAssertEqual(certificate.version, 2)
        XCTAssertEqual(
            certificate.subjectAltNames,
            [
                .srvName("_xmpp-server.xmpp.example"), .xmppAddr("xmpp.example"), .dnsName("xmpp.example"),
                .dnsName("*.wild.example"),
            ])
        XCTAssertEqual(certificate.extensions.extendedKeyUsage, [.serverAuth, .clientAuth])
        XCTAssertFalse(certificate.extensions.isCA)
        XCTAssertEqual(certificate.extensions.keyUsage?.digitalSignature, true)
        XCTAssertEqual(certificate.extensions.keyUsage?.keyCertSign, false)
        XCTAssertEqual(
            certificate.notBefore, UnixTime.seconds(year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0))
        XCTAssertEqual(UnixTime.iso8601(certificate.notAfter), "2036-01-01T00:00:00Z")
        XCTAssertEqual(certificate.subject.summary, "CN=xmpp.example")
        XCTAssertEqual(certificate.subject.commonNames, ["xmpp.example"])
        XCTAssertEqual(certificate.issuer.summary, "CN=Relay Test Root CA, O=xmpp-relay tests")
        XCTAssertFalse(certificate.isSelfIssued)
        XCTAssertEqual(Hex.encode(certificate.serialNumber).uppercased(), try Fixtures.info("leaf-xmpp", "serial"))
        XCTAssertEqual(certificate.signatureAlgorithm, OID("1.2.840.10045.4.3.2"))
        XCTAssertEqual(
            certificate.namesSummary,
            "SRV:_xmpp-server.xmpp.example, XmppAddr:xmpp.example, DNS:xmpp.example, DNS:*.wild.example")
        XCTAssertTrue(certificate.isValid(at: certificate.notAfter))
        XCTAssertFalse(certificate.isValid(at: certificate.notAfter + 1))
    }

    func testParsesCAAndSelfSigned() throws {
        let ca = try Fixtures.certificate("ca")
        XCTAssertTrue(ca.extensions.isCA)
        XCTAssertEqual(ca.extensions.keyUsage?.keyCertSign, true)
        XCTAssertTrue(ca.isSelfIssued)
        XCTAssertNil(ca.extensions.extendedKeyUsage)
        let selfSigned = try Fixtures.certificate("self-signed")
        XCTAssertTrue(selfSigned.isSelfIssued)
        let cnOnly = try Fixtures.certificate("leaf-cn-only")
        XCTAssertEqual(cnOnly.subjectAltNames, [])
        XCTAssertEqual(cnOnly.namesSummary, "no subjectAltName (subject CN=cn.example)")
    }

    func testEveryFixtureParsesAndTBSIsInsideDER() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory).filter {
            $0.hasSuffix(".pem")
        }
        XCTAssertGreaterThan(names.count, 15)
        for name in names {
            let certificate = try Fixtures.certificate(String(name.dropLast(4)))
            XCTAssertEqual(Array(certificate.der[4..<(4 + certificate.tbs.count)]), certificate.tbs, name)
        }
    }

    func testTimesUTCAndGeneralized() throws {
        func parse(_ tag: UInt8, _ text: String) throws -> Int64 {
            try DERTime.unixSeconds(DERReader.single(DERWriter.tlv(tag, Array(text.utf8))[...], "time"))
        }
        XCTAssertEqual(try parse(DERTag.utcTime, "700101000000Z"), 0)
        XCTAssertEqual(
            try parse(DERTag.utcTime, "491231235959Z"),
            UnixTime.seconds(year: 2049, month: 12, day: 31, hour: 23, minute: 59, second: 59))
        XCTAssertEqual(
            try parse(DERTag.utcTime, "500101000000Z"),
            UnixTime.seconds(year: 1950, month: 1, day: 1, hour: 0, minute: 0, second: 0))
        XCTAssertEqual(try parse(DERTag.generalizedTime, "20500101000000Z"), 2_524_608_000)
        XCTAssertEqual(try parse(DERTag.generalizedTime, "20240229120000Z"), 1_709_208_000)
        for bad in [
            "20230229120000Z", "20241301000000Z", "20240101240000Z", "20240101000000+0100", "2024010100000Z",
            "2024010100000aZ",
        ] {
            XCTAssertThrowsError(try parse(DERTag.generalizedTime, bad), bad)
        }
        XCTAssertThrowsError(try parse(DERTag.octetString, "700101000000Z"))
    }

    func testUnixTimeRoundTrips() {
        for seconds: Int64 in [0, 951_782_400, 1_798_761_600, 4_102_444_800, -86_400, 253_402_300_799] {
            let c = UnixTime.civil(seconds)
            XCTAssertEqual(
                UnixTime.seconds(
                    year: c.year, month: c.month, day: c.day, hour: c.hour, minute: c.minute, second: c.second), seconds
            )
        }
        XCTAssertEqual(UnixTime.iso8601(1_798_761_600), "2027-01-01T00:00:00Z")
        XCTAssertEqual(UnixTime.compactDigits(1_798_761_601), "20270101000001")
    }

    func testSubjectAltNameWriterRoundTrips() throws {
        let names: [GeneralName] = [
            .dnsName("smith.example"), .srvName("_xmpp-server.smith.example"), .xmppAddr("smith.example"),
        ]
        let value = subjectAltNameExtensionValue(names)
        let node = try DERReader.single(value[...], "san")
        var reader = node.children()
        var parsed: [GeneralName] = []
        while let child = try reader.next() { parsed.append(try GeneralName(child)) }
        XCTAssertEqual(parsed, names)
    }

    func testRejectsTrailingBytesAndWrongTopLevel() throws {
        let der = try Fixtures.der("leaf-xmpp")
        XCTAssertThrowsError(try Certificate(der: der + [0]))
        XCTAssertThrowsError(try Certificate(der: DERWriter.octetString(der)))
    }
}
