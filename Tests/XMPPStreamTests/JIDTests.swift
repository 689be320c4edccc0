import XCTest

@testable import XMPPStream

final class JIDTests: XCTestCase {
    func testValidJIDs() throws {
        let jid = try JID("Juliet@Example.COM./Balcony Room")
        XCTAssertEqual(jid.localpart, "juliet")
        XCTAssertEqual(jid.domain.value, "example.com")
        XCTAssertEqual(jid.resourcepart, "Balcony Room")
        XCTAssertEqual(jid.description, "juliet@example.com/Balcony Room")
        XCTAssertEqual(jid.bare, try JID("juliet@example.com"))
        XCTAssertEqual(try JID("a@b/c/d@e").resourcepart, "c/d@e", "the first '/' starts the resource")
        XCTAssertTrue(try JID("example.com").isDomainOnly)
        XCTAssertEqual(try JID("münchen.example").domain.value, "münchen.example")
        XCTAssertEqual(try JID("xn--mnchen-3ya.example").domain.value, "xn--mnchen-3ya.example")
        XCTAssertEqual(try JID("a@" + String(repeating: "a", count: 63) + ".example").domain.value.count, 71)
        XCTAssertEqual(try JID(String(repeating: "l", count: 1023) + "@x.example").localpart?.utf8.count, 1023)
    }

    func testDomainComparisonIgnoresCaseAndTrailingDot() throws {
        XCTAssertEqual(try DomainName("Jabber.ORG"), try DomainName("jabber.org."))
        XCTAssertNotEqual(try DomainName("jabber.org"), try DomainName("jabber.net"))
        XCTAssertEqual(Set([try DomainName("A.example"), try DomainName("a.example.")]).count, 1)
    }

    func testIPLiterals() throws {
        XCTAssertTrue(try DomainName("192.0.2.1").isIPLiteral)
        XCTAssertTrue(try DomainName("[2001:DB8::1]").isIPLiteral)
        XCTAssertEqual(try DomainName("[2001:DB8::1]").value, "[2001:db8::1]")
        for bad in ["[2001:db8::g]", "[]", "[192.0.2.1", "2001:db8::1", "192.0.2", "192.0.2.256", "1.2.3.4.5"] {
            XCTAssertThrowsError(try DomainName(bad), bad)
        }
    }

    func testInvalidJIDs() {
        let bad = [
            "", "@example.com", "a@", "a@example.com/", "example.com/", ".", "a..b", ".a.b", "-a.example",
            "a-.example", "a_b.example", "a b.example", "a@b@c.example", "a\"b@example.com", "a:b@example.com",
            "a<b@example.com", "a b@example.com", "a@example.com/\u{7}", String(repeating: "a", count: 64) + ".example",
            String(repeating: "abcdefgh.", count: 30) + "example", String(repeating: "l", count: 1024) + "@x.example",
            "x.example/" + String(repeating: "r", count: 1024),
        ]
        for text in bad { XCTAssertThrowsError(try JID(text), text) }
    }

    func testStreamErrorsForAddresses() {
        XCTAssertThrowsError(try JID.recipient("a@@b")) { error in
            XCTAssertEqual((error as? StreamError)?.condition, .improperAddressing)
        }
        XCTAssertThrowsError(try JID.sender("bad domain")) { error in
            XCTAssertEqual((error as? StreamError)?.condition, .invalidFrom)
        }
        XCTAssertThrowsError(try JID.sender(nil)) { error in
            XCTAssertEqual((error as? StreamError)?.condition, .improperAddressing)
        }
        XCTAssertEqual(try JID.recipient("smith.example."), try JID("smith.example"))
    }
}
