import XCTest

@testable import RelayConfig

/// `[dns] stub_zones`: how the relay is pointed at a local authoritative server (and how the
/// interop tests reach their signed `interop.test.` zone, which libunbound blanks otherwise).
final class DNSStubZoneConfigTests: XCTestCase {
    func testStubZonesDecodeWithDefaultPortsAndAbsoluteNames() throws {
        let text = """
            [dns]
            stub_zones = ["Interop.Test=127.0.0.1@5353", "home.arpa.=192.168.1.1,::1@5300"]
            """
        let config = try XCTUnwrap(success(parseConfig(text)))
        XCTAssertEqual(
            config.dns.stubZones,
            [
                DNSStubZone(zone: "interop.test.", servers: [DNSForwarder(address: "127.0.0.1", port: 5353)]),
                DNSStubZone(
                    zone: "home.arpa.",
                    servers: [DNSForwarder(address: "192.168.1.1"), DNSForwarder(address: "::1", port: 5300)]),
            ])
        XCTAssertEqual(try XCTUnwrap(success(parseConfig(""))).dns.stubZones, [])
    }

    func testMalformedStubZonesSayHowToWriteThem() {
        let text = """
            [dns]
            stub_zones = ["interop.test", "=127.0.0.1", "lan=resolver.lan", "lan="]
            """
        assertErrors(
            parseConfig(text),
            [
                Expected(2, .invalidValue, "dns.stub_zones: write a stub zone as ZONE=IP[@PORT]"),
                Expected(2, .invalidValue, "dns.stub_zones: write a stub zone as ZONE=IP[@PORT]"),
                Expected(2, .invalidValue, "dns.stub_zones: 'resolver.lan' is not an IP address"),
                Expected(2, .invalidValue, "dns.stub_zones: stub zone 'lan' names no server"),
            ])
    }
}
