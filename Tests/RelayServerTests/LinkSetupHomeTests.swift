import EventLoop
import RelayConfig
import S2S
import Trust
import XCTest
import XMPPStream

@testable import RelayServer

/// The home-link inputs LinkSetup derives from `[[home]]`, and the dialback secret a reload keeps.
final class LinkSetupHomeTests: XCTestCase {
    private func setup(_ homes: [HomeDomain]) throws -> LinkSetup {
        var config = RelayConfiguration(source: "/etc/xmpp-relay/home.toml")
        config.homes = homes
        return try LinkSetup(configuration: config, serverTLS: nil)
    }

    private static let plaintext = HomeDomain(
        domain: "smith.example", server: ServerAddress(host: "127.0.0.1", port: 5299), pins: [],
        plaintextLoopback: true)
    private static let conference = HomeDomain(
        domain: "conference.smith.example", server: ServerAddress(host: "127.0.0.1", port: 5299), pins: [],
        plaintextLoopback: true)
    private static let pinned = HomeDomain(
        domain: "kids.example", server: ServerAddress(host: "192.0.2.7", port: 5269),
        pins: [TLSARecord(usage: 3, selector: 1, matchingType: 1, data: Array(repeating: 0x5c, count: 32))],
        plaintextLoopback: false)

    func testPlaintextIsOnlyForTheServersOwnAddress() throws {
        let links = try setup([Self.plaintext, Self.conference])
        let own = try XCTUnwrap(
            links.homeSource(connectingFrom: try SocketAddress(parsing: "127.0.0.1:40000")) { _ in false })
        XCTAssertTrue(own.plaintext)
        XCTAssertEqual(own.domains, [try DomainName("smith.example"), try DomainName("conference.smith.example")])
        // Another loopback address is not the configured server; with no pinned home nothing is left.
        XCTAssertNil(links.homeSource(connectingFrom: try SocketAddress(parsing: "127.0.0.9:40000")) { _ in false })
        XCTAssertTrue(links.isHomeServerAddress(try SocketAddress(parsing: "127.0.0.1:1")))
        XCTAssertFalse(links.isHomeServerAddress(try SocketAddress(parsing: "127.0.0.9:1")))
    }

    func testPinnedHomesNeedTLSFromAnywhere() throws {
        let links = try setup([Self.plaintext, Self.pinned])
        // No server certificate: nothing can be pinned-TLS on the home listener.
        XCTAssertNil(links.homeSource(connectingFrom: try SocketAddress(parsing: "198.51.100.1:40000")) { _ in false })
        XCTAssertTrue(links.isHomeDomain(try DomainName("kids.example")))
        XCTAssertEqual(links.home(try DomainName("kids.example"))?.server.host, "192.0.2.7")
        XCTAssertNil(links.home(try DomainName("jabber.org")))
    }

    func testHomeLinksAreDialbackOnlyAndPlaintextOnlyWhereConfigured() throws {
        let links = try setup([Self.plaintext, Self.pinned])
        let toSmith = links.outboundHome(
            pair: DomainPair(local: try DomainName("jabber.org"), remote: try DomainName("smith.example")),
            home: Self.plaintext)
        XCTAssertTrue(toSmith.configuration.plaintext)
        XCTAssertFalse(toSmith.configuration.certificateCoversLocalDomain)
        XCTAssertFalse(toSmith.configuration.dialbackAllowed)
        let toKids = links.outboundHome(
            pair: DomainPair(local: try DomainName("jabber.org"), remote: try DomainName("kids.example")),
            home: Self.pinned)
        XCTAssertFalse(toKids.configuration.plaintext)
    }

    /// A reload builds a new LinkSetup; keys handed out before must still verify when asked back.
    func testReloadKeepsTheDialbackSecret() throws {
        let pair = DomainPair(local: try DomainName("jabber.org"), remote: try DomainName("smith.example"))
        let before = try setup([Self.plaintext])
        let after = try setup([Self.plaintext])
        XCTAssertNotEqual(
            before.outboundHome(pair: pair, home: Self.plaintext).configuration.dialbackSecret,
            after.outboundHome(pair: pair, home: Self.plaintext).configuration.dialbackSecret)
        after.keepDialbackSecret(of: before)
        XCTAssertEqual(
            before.outboundHome(pair: pair, home: Self.plaintext).configuration.dialbackSecret,
            after.outboundHome(pair: pair, home: Self.plaintext).configuration.dialbackSecret)
        XCTAssertEqual(
            after.homeInbound(HomeSource(domains: [], plaintext: true) { _ in false }).configuration.dialbackSecret,
            before.outboundHome(pair: pair, home: Self.plaintext).configuration.dialbackSecret)
    }
}
