import X509
import XCTest

@testable import Trust

final class IdentityMatcherTests: XCTestCase {
    private func accepts(_ domain: String, _ names: [GeneralName]) -> Bool {
        IdentityMatcher(domain: domain).match(names) != nil
    }

    func testSRVIDAndXmppAddr() {
        XCTAssertTrue(accepts("example.com", [.srvName("_xmpp-server.example.com")]))
        XCTAssertTrue(accepts("Example.COM.", [.srvName("_XMPP-Server.example.com.")]))
        XCTAssertFalse(accepts("example.com", [.srvName("_xmpp-client.example.com")]), "c2s SRV-ID is not for s2s")
        XCTAssertFalse(accepts("example.com", [.srvName("_xmpp-server.other.com")]))
        XCTAssertTrue(accepts("example.com", [.xmppAddr("example.com")]))
        XCTAssertFalse(accepts("example.com", [.xmppAddr("user@example.com")]))
    }

    func testDNSIDExactAndWildcard() {
        XCTAssertTrue(accepts("example.com", [.dnsName("EXAMPLE.com")]))
        XCTAssertTrue(accepts("example.com.", [.dnsName("example.com")]))
        XCTAssertTrue(accepts("chat.example.com", [.dnsName("*.example.com")]))
        XCTAssertFalse(accepts("example.com", [.dnsName("*.example.com")]), "a wildcard needs a label")
        XCTAssertFalse(accepts("a.chat.example.com", [.dnsName("*.example.com")]), "one label only")
        XCTAssertFalse(accepts("example.com", [.dnsName("*.com")]), "never right above a single label")
        XCTAssertFalse(accepts("chat.example.com", [.dnsName("c*.example.com")]), "partial wildcards are refused")
        XCTAssertFalse(accepts("chat.example.com", [.dnsName("chat.*.com")]))
        XCTAssertFalse(accepts("chat.example.com", [.dnsName("*")]))
        XCTAssertFalse(accepts("example.com", [.dnsName("")]))
    }

    func testNoCommonNameFallbackAndOtherNamesIgnored() throws {
        let cnOnly = try TrustFixtures.certificate("leaf-cn-only")
        XCTAssertEqual(cnOnly.subject.commonNames, ["cn.example"])
        XCTAssertFalse(IdentityMatcher(domain: "cn.example").matches(cnOnly))
        XCTAssertFalse(accepts("example.com", [.other(tag: 0x81, Array("example.com".utf8))]))
    }

    func testAdditionalDNSNamesForDANETA() {
        let matcher = IdentityMatcher(domain: "example.com", additionalDNSNames: ["xmpp.hoster.net."])
        XCTAssertNotNil(matcher.match([.dnsName("xmpp.hoster.net")]))
        XCTAssertNil(matcher.match([.srvName("_xmpp-server.xmpp.hoster.net")]), "SRV-ID must name the service domain")
        XCTAssertNil(IdentityMatcher(domain: "example.com").match([.dnsName("xmpp.hoster.net")]))
    }
}
