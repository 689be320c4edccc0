import XCTest

@testable import EventLoop

final class SocketAddressTests: XCTestCase {
    func testParsesIPv4AndBracketedIPv6() throws {
        let v4 = try SocketAddress(parsing: "127.0.0.1:5269")
        XCTAssertFalse(v4.isIPv6)
        XCTAssertEqual(v4.port, 5269)
        XCTAssertEqual(v4.ipBytes, [127, 0, 0, 1])
        XCTAssertEqual(v4.description, "127.0.0.1:5269")
        XCTAssertTrue(v4.isLoopback)

        let v6 = try SocketAddress(parsing: "[::1]:5270")
        XCTAssertTrue(v6.isIPv6)
        XCTAssertEqual(v6.description, "[::1]:5270")
        XCTAssertTrue(v6.isLoopback)

        let any6 = try SocketAddress(parsing: "[::]:5269")
        XCTAssertTrue(any6.isUnspecified)
        XCTAssertFalse(any6.isLoopback)
        XCTAssertEqual(try SocketAddress(parsing: "0.0.0.0:0").isUnspecified, true)
        XCTAssertEqual(try SocketAddress(parsing: "[2001:DB8::5]:1").description, "[2001:db8::5]:1")
        XCTAssertFalse(try SocketAddress(parsing: "192.0.2.1:5269").isLoopback)
    }

    func testIPv4MappedIPv6IsPrintedAsIPv4() {
        let mapped = SocketAddress(ipBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3], port: 5269)
        XCTAssertEqual(mapped?.description, "10.1.2.3:5269")
        XCTAssertEqual(mapped, SocketAddress(ipAddress: "10.1.2.3", port: 5269))
    }

    func testFromDNSRecordBytesAndWithPort() {
        let aaaa = SocketAddress(
            ipBytes: [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [5], port: 5269)
        XCTAssertEqual(aaaa?.description, "[2001:db8::5]:5269")
        XCTAssertEqual(aaaa?.withPort(5270).description, "[2001:db8::5]:5270")
        XCTAssertNil(SocketAddress(ipBytes: [1, 2, 3], port: 1))
    }

    func testLinkLocalZoneByNumber() throws {
        let address = try SocketAddress(parsing: "[fe80::1%1]:5269")
        XCTAssertEqual(address.scopeID, 1)
        XCTAssertEqual(address.description, "[fe80::1%1]:5269")
    }

    func testBadAddressesSayWhatIsWrong() {
        assertRejected("", .empty, mentioning: "empty")
        assertRejected("127.0.0.1", .missingPort, mentioning: "no port")
        assertRejected("127.0.0.1:", .invalidPort, mentioning: "nothing after")
        assertRejected("127.0.0.1:99999", .invalidPort, mentioning: "0 to 65535")
        assertRejected("127.0.0.1:52a", .invalidPort, mentioning: "\"52a\"")
        assertRejected("127.0.0.1:-1", .invalidPort, mentioning: "0 to 65535")
        assertRejected("::1:5269", .unbracketedIPv6, mentioning: "[::1]:5269")
        assertRejected("[::1:5269", .invalidHost, mentioning: "closing")
        assertRejected("[::1]5269", .invalidHost, mentioning: "after \"]\"")
        assertRejected("[10.0.0.1]:5269", .invalidHost, mentioning: "IPv6 addresses only")
        assertRejected(":5269", .invalidHost, mentioning: "no host")
        assertRejected("1.2.3:5269", .invalidHost, mentioning: "not a valid IPv4")
        assertRejected("[1::2::3]:5269", .invalidHost, mentioning: "not a valid IPv6")
        assertRejected("xmpp.example.org:5269", .hostNameNotAllowed, mentioning: "numeric IP")
        assertRejected(" 127.0.0.1:5269", .invalidHost, mentioning: "unexpected character")
    }

    func testHostPortAcceptsNamesAndDefaultPorts() throws {
        let named = try HostPort(parsing: "xmpp.example.org:5270")
        XCTAssertEqual(named.host, "xmpp.example.org")
        XCTAssertEqual(named.port, 5270)
        XCTAssertEqual(try HostPort(parsing: "jabber.org", defaultPort: 5269).description, "jabber.org:5269")
        XCTAssertEqual(try HostPort(parsing: "[::1]", defaultPort: 5269).description, "[::1]:5269")
        XCTAssertThrowsError(try HostPort(parsing: "jabber.org"))
    }

    private func assertRejected(
        _ text: String,
        _ code: AddressError.Code,
        mentioning fragment: String,
        line: UInt = #line
    ) {
        do throws(AddressError) {
            let address = try SocketAddress(parsing: text)
            XCTFail("\"\(text)\" was accepted as \(address)", line: line)
        } catch {
            XCTAssertEqual(error.code, code, "\(error)", line: line)
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", line: line)
            XCTAssertTrue(error.message.contains("\"\(text)\""), "the message quotes the input", line: line)
        }
    }
}
