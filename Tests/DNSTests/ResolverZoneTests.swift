import Foundation
import XCTest

@testable import DNS

/// The resolver on its own: records, rcodes and DNSSEC status from the local signed zone.
final class ResolverZoneTests: ZoneTestCase {
    func testSecureSRVRecordsAreParsed() throws {
        let answer = try answer("_xmpp-server._tcp.secure.xr.test", .srv)
        XCTAssertEqual(answer.security, .secure)
        XCTAssertEqual(answer.responseCode, .noError)
        XCTAssertEqual(
            Set(answer.srvRecords.map(\.description)),
            ["10 5 5269 xmpp1.secure.xr.test.", "20 0 5269 xmpp2.secure.xr.test."])
    }

    func testSecureTLSAAndAddresses() throws {
        let tlsa = try answer("_5270._tcp.xmpp1.secure.xr.test", .tlsa)
        XCTAssertEqual(tlsa.security, .secure)
        XCTAssertEqual(
            Set(tlsa.tlsaRecords.map(\.description)),
            [
                "3 1 1 8cb0fc6c527506a053f4f14c8464bebbd6dede2738d11468dd953d7d6a3021f1",
                "2 0 1 3c2e1d3f4a5b6c7d8e9f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f",
            ])
        let v6 = try answer("xmpp1.secure.xr.test", .aaaa)
        XCTAssertEqual(v6.security, .secure)
        XCTAssertEqual(Set(v6.addresses.map(\.description)), ["2001:db8::10", "2001:db8::11"])
        let v4 = try answer("xmpp1.secure.xr.test", .a)
        XCTAssertEqual(Set(v4.addresses.map(\.description)), ["192.0.2.10", "192.0.2.11"])
    }

    func testNXDOMAINIsReadFromTheHeaderAndProvenSecure() throws {
        let answer = try answer("nxdomain.xr.test", .a)
        XCTAssertEqual(answer.responseCode, .nameError)
        XCTAssertEqual(answer.security, .secure)
        XCTAssertTrue(answer.records.isEmpty)
    }

    func testBogusAnswerCarriesNoRecords() throws {
        let answer = try answer("_xmpp-server._tcp.bogus.xr.test", .srv)
        guard case .bogus(let reason) = answer.security else {
            return XCTFail("expected bogus, got \(answer.security)")
        }
        XCTAssertFalse(reason.isEmpty)
        XCTAssertTrue(answer.records.isEmpty, "forged data must not come through")
    }

    func testInsecureChildZone() throws {
        let answer = try answer("_xmpp-server._tcp.insecure.xr.test", .srv)
        XCTAssertEqual(answer.security, .insecure)
        XCTAssertEqual(answer.srvRecords.map(\.description), ["10 0 5269 xmpp.insecure.xr.test."])
    }

    /// libunbound reports the SERVFAIL through the callback's rcode, with no reply: a failure.
    func testBrokenZoneGivesServfail() throws {
        let result = lookup("x.servfail.test", .a)
        XCTAssertEqual(
            LookupStatus(result),
            .failed(reason: "SERVFAIL: no usable answer for x.servfail.test A from the name servers"))
    }

    func testWithoutTheTrustAnchorNothingIsSecure() throws {
        var configuration = configuration()
        configuration.trustAnchorFile = nil
        resolver = try Resolver(loop: loop, configuration: configuration)
        let answer = try answer("_xmpp-server._tcp.secure.xr.test", .srv)
        XCTAssertEqual(answer.security, .insecure)
    }

    func testDroppingTheResolverWithQueriesInFlight() throws {
        var called = 0
        resolver.query("_xmpp-server._tcp.secure.xr.test", type: .srv) { _ in called += 1 }
        resolver = nil
        XCTAssertEqual(called, 0)
    }
}

final class ResolverSetupTests: ZoneTestCase {
    func testUnparsableAnchorFailsQueriesInsteadOfPassingThemAsInsecure() throws {
        let path = server.directory + "/garbage.key"
        try "this is not a key\n".write(toFile: path, atomically: true, encoding: .utf8)
        var configuration = configuration()
        configuration.trustAnchorFile = path
        resolver = try Resolver(loop: loop, configuration: configuration)
        guard case .failure(let error) = lookup("_xmpp-server._tcp.secure.xr.test", .srv) else {
            return XCTFail("a broken trust anchor must not give answers")
        }
        XCTAssertTrue(error.message.contains("trust_anchor"), error.message)
    }
}
