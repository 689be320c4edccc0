import Foundation
import RelayTestSupport
import XCTest

/// SIGHUP against real `xmpp-relay run` processes on loopback: links checked again against new
/// pins, listeners following `[listen]` (also the first time a domain is added), a new certificate
/// for new links only; and XEP-0288, where the reply goes back over the link the peer opened.
final class ReloadTests: XCTestCase {
    typealias Side = RelayBed.Side

    struct Peer {
        let domain: String
        let port: UInt16
        /// nil: no pin; then `dialback` says whether `allow_dialback = true`.
        let pin: String?
        var dialback = false

        /// `side` at its s2s port, pinned to its key.
        static func pinned(_ side: Side) -> Peer { Peer(domain: side.domain, port: side.s2sPort, pin: side.pin) }
    }

    private var bed: RelayBed!

    override func setUpWithError() throws {
        bed = try RelayBed(name: "reload")
    }

    override func tearDownWithError() throws {
        bed.tearDown()
    }

    private func configText(_ side: Side, peers: [Peer], component: Bool = true, listen: String? = nil) -> String {
        let listenLines =
            listen
            ?? "s2s = [\"127.0.0.1:\(side.s2sPort)\"]\ns2s_direct_tls = [\"127.0.0.1:\(side.directTLSPort)\"]\n"
            + "home = []\ncomponent = [\"127.0.0.1:\(side.componentPort)\"]"
        var text =
            bed.commonSections(domain: side.domain, certificate: side.certificate, key: side.key)
            + "[listen]\n\(listenLines)\n"
        if component { text += RelayBed.componentSection(domain: side.domain, secret: side.secret) }
        for peer in peers {
            text += RelayBed.peerSection(domain: peer.domain, port: peer.port, pin: peer.pin, dialback: peer.dialback)
        }
        return text
    }

    private func writeConfig(_ side: Side, _ text: String) throws -> String {
        try bed.writeConfig(domain: side.domain, text)
    }

    private func startRelay(_ side: Side, _ text: String) throws -> RelayProcess {
        try bed.startRelay(domain: side.domain, text)
    }

    /// Rewrites the relay's file, sends SIGHUP and returns the `config.reload` line it logged.
    private func reload(_ relay: RelayProcess, _ side: Side, _ text: String, count: Int) throws -> String {
        _ = try writeConfig(side, text)
        relay.reload()
        XCTAssertTrue(
            eventually(timeout: 15) { relay.lines("config.reload").count >= count }, "no config.reload: \(relay.log)")
        return try XCTUnwrap(relay.lines("config.reload").dropFirst(count - 1).first, relay.log)
    }

    private func message(from: String, to: String, id: String) -> String {
        "<message from='\(from)' to='\(to)' id='\(id)'><body>text</body></message>"
    }

    /// Sends `id` from one component to the other and waits until it arrives.
    private func cross(_ sender: LoopbackClient, _ receiver: LoopbackClient, from: String, to: String, id: String)
        throws
    {
        try sender.send(message(from: from, to: to, id: id))
        let received = try receiver.waitFor("id='\(id)'")
        XCTAssertFalse(received.contains("type='error'"), received)
        receiver.clear()
    }

    /// Waits for the stanza with `id` at `client` and returns it.
    private func stanza(id: String, at client: LoopbackClient) throws -> String {
        let text = try client.waitFor("id='\(id)'", timeout: 30)
        guard let marker = text.range(of: "id='\(id)'"),
            let start = text.range(of: "<message", options: .backwards, range: text.startIndex..<marker.lowerBound),
            let end = text.range(of: "</message>", range: marker.upperBound..<text.endIndex)
        else { return (try? client.waitFor("</message>", timeout: 5)) ?? text }
        return String(text[start.lowerBound..<end.upperBound])
    }

    private func linkUps(_ relay: RelayProcess, _ parts: [String]) -> Int {
        relay.lines("link.up").filter { line in parts.allSatisfy { line.contains($0) } }.count
    }

    // MARK: Pins

    /// B revokes A's pin (replaces it with another key's) and reloads: the established link closes
    /// with the reason, and nothing crosses either way any more (each side's stanza waits in its queue).
    func testRevokedPinClosesTheEstablishedLinkAndStanzasStopBothWays() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let other = try bed.keygen("c.example")
        let relayA = try startRelay(a, configText(a, peers: [.pinned(b)]))
        let relayB = try startRelay(b, configText(b, peers: [.pinned(a)]))
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)
        try cross(componentA, componentB, from: "alice@a.example", to: "bob@b.example", id: "before1")
        try cross(componentB, componentA, from: "bob@b.example", to: "alice@a.example", id: "before2")

        let line = try reload(
            relayB, b, configText(b, peers: [Peer(domain: a.domain, port: a.s2sPort, pin: other.pin)]), count: 1)
        XCTAssertTrue(line.contains("links_closed=1"), line)
        let down = try XCTUnwrap(relayB.waitFor("link.down", ["remote=a.example"]), relayB.log)
        XCTAssertTrue(down.contains("no longer allowed after reload\""), down)
        XCTAssertTrue(down.contains("policy-violation"), down)
        XCTAssertNotNil(
            relayA.waitFor("link.down", ["remote=b.example", "no longer allowed after reload"]), relayA.log)

        // A → B: A dials again, B refuses A's key now; the stanza waits in A's queue, B's component gets nothing.
        try componentA.send(message(from: "alice@a.example", to: "bob@b.example", id: "after1"))
        XCTAssertNotNil(relayB.waitFor("link.refused", ["dir=in", "remote=a.example"]), relayB.log)
        XCTAssertNotNil(
            relayA.waitFor("queue.deferred", ["hop=remote:a.example->b.example", "retry_in_ms="]), relayA.log)
        // B → A: B has no link left and refuses A's certificate when it dials.
        try componentB.send(message(from: "bob@b.example", to: "alice@a.example", id: "after2"))
        XCTAssertNotNil(
            relayB.waitFor("queue.deferred", ["hop=remote:b.example->a.example", "retry_in_ms="]), relayB.log)
        XCTAssertFalse(componentB.received.contains("id='after1'"), "a stanza crossed: \(componentB.received)")
        XCTAssertFalse(componentA.received.contains("id='after2'"), "a stanza crossed: \(componentA.received)")
        // What B had taken custody of was acknowledged before the close: A does not bounce it.
        XCTAssertFalse(componentA.received.contains("id='before1'"), componentA.received)
        XCTAssertNotNil(relayB.waitFor("link.refused", ["dir=out", "remote=a.example", "pin"]), relayB.log)
    }

    /// A reload that changes nothing about A keeps its link up.
    func testReloadWithTheSamePinsKeepsTheLink() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let relayA = try startRelay(a, configText(a, peers: [.pinned(b)]))
        let bConfig = configText(b, peers: [.pinned(a)])
        let relayB = try startRelay(b, bConfig)
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)
        try cross(componentA, componentB, from: "alice@a.example", to: "bob@b.example", id: "m1")
        let line = try reload(relayB, b, bConfig, count: 1)
        XCTAssertTrue(line.contains("links_closed=0") && line.contains("listeners_opened=none"), line)
        XCTAssertTrue(line.contains("listeners_closed=none"), line)
        try cross(componentA, componentB, from: "alice@a.example", to: "bob@b.example", id: "m2")
        try cross(componentB, componentA, from: "bob@b.example", to: "alice@a.example", id: "m3")
        XCTAssertTrue(relayB.lines("link.down").isEmpty, relayB.log)
        XCTAssertEqual(linkUps(relayA, ["dir=out"]), 1, relayA.log)
    }

    /// B let A in by dialback; a reload that no longer allows dialback for A closes the link.
    /// (`.invalid` names: B's DANE lookup for A is answered NXDOMAIN locally.)
    func testDialbackLinkClosesWhenTheReloadNoLongerAllowsDialback() throws {
        let a = try bed.makeSide("a.invalid")
        let b = try bed.makeSide("b.invalid")
        let relayA = try startRelay(a, configText(a, peers: [.pinned(b)]))
        let relayB = try startRelay(
            b, configText(b, peers: [Peer(domain: a.domain, port: a.s2sPort, pin: nil, dialback: true)]))
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)
        try cross(componentA, componentB, from: "alice@a.invalid", to: "bob@b.invalid", id: "d1")
        XCTAssertNotNil(relayB.waitFor("link.up", ["dir=in", "remote=a.invalid", "auth=dialback"]), relayB.log)

        let line = try reload(
            relayB, b, configText(b, peers: [Peer(domain: a.domain, port: a.s2sPort, pin: nil, dialback: false)]),
            count: 1)
        XCTAssertTrue(line.contains("links_closed=1"), line)
        let down = try XCTUnwrap(relayB.waitFor("link.down", ["dir=in", "remote=a.invalid"]), relayB.log)
        XCTAssertTrue(down.contains("dialback is not allowed for it; no longer allowed after reload"), down)
        try componentA.send(message(from: "alice@a.invalid", to: "bob@b.invalid", id: "d2"))
        // A dials again and B refuses dialback now: the stanza waits in A's queue.
        XCTAssertNotNil(
            relayA.waitFor("queue.deferred", ["hop=remote:a.invalid->b.invalid", "retry_in_ms="]), relayA.log)
        XCTAssertFalse(componentB.received.contains("id='d2'"), componentB.received)
    }

    // MARK: Listeners

    /// Started with no domain (nothing listens); a component and its listener are added: it opens
    /// and the component connects. Then the listener moves: the old port closes, the connected
    /// component stays; an address that cannot be bound is named, not claimed to be in force.
    func testListenersFollowTheConfigurationFromNoDomainOn() throws {
        var side = try bed.makeSide("a.example")
        let listenNothing = "s2s = []\ns2s_direct_tls = []\nhome = []\ncomponent = []"
        let relay = try startRelay(side, configText(side, peers: [], component: false, listen: listenNothing))
        XCTAssertNotNil(relay.waitFor("relay.start", ["listeners=none"]), relay.log)
        XCTAssertThrowsError(try LoopbackClient(port: side.componentPort))

        let first = try reload(relay, side, configText(side, peers: []), count: 1)
        XCTAssertTrue(first.contains("component 127.0.0.1:\(side.componentPort)"), first)
        XCTAssertTrue(first.contains("s2s 127.0.0.1:\(side.s2sPort)"), first)
        XCTAssertTrue(first.contains("s2s_direct_tls 127.0.0.1:\(side.directTLSPort)"), first)
        XCTAssertTrue(first.contains("listeners=component:127.0.0.1:\(side.componentPort),"), first)
        XCTAssertTrue(first.contains("level=info"), first)
        let connected = try bed.component(side)
        XCTAssertNotNil(relay.waitFor("component.up", ["domain=a.example"]), relay.log)

        // Move the component listener; put s2s on a port something else holds.
        let oldPort = side.componentPort
        side.componentPort = freeLoopbackPort()
        let holder = try PortHolder()
        let moved = """
            s2s = ["127.0.0.1:\(holder.port)"]
            s2s_direct_tls = ["127.0.0.1:\(side.directTLSPort)"]
            home = []
            component = ["127.0.0.1:\(side.componentPort)"]
            """
        let second = try reload(relay, side, configText(side, peers: [], listen: moved), count: 2)
        XCTAssertTrue(second.contains("level=warn"), second)
        XCTAssertTrue(second.contains("listeners_opened=\"component 127.0.0.1:\(side.componentPort)\""), second)
        XCTAssertTrue(second.contains("component 127.0.0.1:\(oldPort)"), second)
        XCTAssertTrue(second.contains("s2s 127.0.0.1:\(side.s2sPort)"), second)
        XCTAssertTrue(second.contains("not_in_force=\"listen s2s 127.0.0.1:\(holder.port): "), second)
        XCTAssertFalse(second.contains("s2s:127.0.0.1:\(holder.port)"), second)
        XCTAssertThrowsError(try LoopbackClient(port: oldPort), "the removed listener still accepts")
        XCTAssertThrowsError(try LoopbackClient(port: side.s2sPort), "the removed s2s listener still accepts")
        _ = try LoopbackClient(port: side.directTLSPort)
        let fresh = try LoopbackClient(port: side.componentPort)
        try fresh.send(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'"
                + " xmlns:stream='http://etherx.jabber.org/streams' to='a.example'>")
        try fresh.waitFor("<stream:stream")
        // The component connected through the old listener is still up.
        try connected.send(
            "<iq type='get' from='a.example' to='a.example' id='self'><ping xmlns='urn:xmpp:ping'/></iq>")
        XCTAssertNotNil(try? connected.waitFor("id='self'"), connected.received)
        XCTAssertTrue(relay.lines("component.down").isEmpty, relay.log)

        // A component removed from the configuration loses its link.
        _ = try reload(relay, side, configText(side, peers: [], component: false, listen: moved), count: 3)
        XCTAssertNotNil(relay.waitFor("component.down", ["no longer allowed after reload"]), relay.log)
        let third = try XCTUnwrap(relay.lines("config.reload").last)
        XCTAssertTrue(third.contains("listeners=none"), third)
        XCTAssertFalse(third.contains("[queue]"), third)

        // [queue] settings stay those the queue started with, and the reload says so.
        let fourth = try reload(
            relay, side, configText(side, peers: [], component: false, listen: moved) + "\n[queue]\nmax_age = \"1d\"\n",
            count: 4)
        XCTAssertTrue(fourth.contains("level=warn"), fourth)
        XCTAssertTrue(fourth.contains("[queue]: the queue keeps the settings it started with until a restart"), fourth)
    }

    // MARK: Certificate

    /// A new certificate and key: the established link stays up and keeps carrying stanzas, a new
    /// TLS connection gets the new certificate (its pin, as `xmpp-relay pin` prints it).
    func testNewCertificateServesNewLinksWhileEstablishedOnesStay() throws {
        let a = try bed.makeSide("a.example")
        var b = try bed.makeSide("b.example")
        let relayA = try startRelay(a, configText(a, peers: [.pinned(b)]))
        let relayB = try startRelay(b, configText(b, peers: [.pinned(a)]))
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)
        try cross(componentA, componentB, from: "alice@a.example", to: "bob@b.example", id: "m1")
        let pinBefore = try pinOf(port: b.directTLSPort)
        XCTAssertEqual(pinBefore, b.pin)

        let renewed = try bed.keygen("b.example", subdirectory: "renewed")
        XCTAssertNotEqual(renewed.pin, b.pin)
        b.certificate = renewed.certificate
        b.key = renewed.key
        let line = try reload(
            relayB, b, configText(b, peers: [.pinned(a)]), count: 1)
        XCTAssertTrue(line.contains("links_closed=0"), line)

        XCTAssertEqual(try pinOf(port: b.directTLSPort), renewed.pin, "a new link must see the new certificate")
        try cross(componentA, componentB, from: "alice@a.example", to: "bob@b.example", id: "m2")
        try cross(componentB, componentA, from: "bob@b.example", to: "alice@a.example", id: "m3")
        XCTAssertTrue(relayB.lines("link.down").isEmpty, relayB.log)
        XCTAssertEqual(linkUps(relayA, ["dir=out", "remote=b.example"]), 1, relayA.log)
    }

    /// `xmpp-relay pin 127.0.0.1:PORT` (direct TLS): the `3 1 1` pin of what the listener presents.
    private func pinOf(port: UInt16) throws -> String {
        let output = try RelayBinary().run(["pin", "127.0.0.1:\(port)", "--timeout", "10"]).stdout
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("pin:") }) else {
            XCTFail("xmpp-relay pin printed no pin: \(output)")
            return ""
        }
        return line.dropFirst("pin:".count).trimmingCharacters(in: .whitespaces)
    }

    // MARK: Bidi (XEP-0288)

    /// B's `[[peer]] server` for A is a dead port (A behind NAT). A opens the link and negotiates
    /// bidi; B's replies go back over it: one link for the pair, and B never dials.
    func testRepliesGoBackOverTheBidiLinkThePeerOpened() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let deadPort = freeLoopbackPort()
        let relayA = try startRelay(a, configText(a, peers: [.pinned(b)]))
        let relayB = try startRelay(b, configText(b, peers: [Peer(domain: a.domain, port: deadPort, pin: a.pin)]))
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)

        try cross(componentA, componentB, from: "alice@a.example", to: "bob@b.example", id: "q1")
        try cross(componentB, componentA, from: "bob@b.example", to: "alice@a.example/x", id: "r1")
        try cross(componentB, componentA, from: "bob@b.example", to: "alice@a.example/x", id: "r2")
        try cross(componentA, componentB, from: "alice@a.example", to: "bob@b.example", id: "q2")

        let up = try XCTUnwrap(relayB.waitFor("link.up", ["dir=in", "remote=a.example"]), relayB.log)
        XCTAssertTrue(up.contains("bidi=yes"), up)
        XCTAssertEqual(linkUps(relayA, []), 1, relayA.log)
        XCTAssertEqual(linkUps(relayB, []), 1, relayB.log)
        XCTAssertTrue(relayB.lines("link.connect_failed").isEmpty, relayB.log)
        XCTAssertTrue(relayB.lines("route.failed").isEmpty, relayB.log)
        XCTAssertFalse(relayB.log.contains("dir=out"), relayB.log)

        // When the bidi link is gone, B falls back to dialing (here: the dead port, so the stanza waits).
        XCTAssertEqual(relayA.stop(), 0, relayA.log)
        XCTAssertNotNil(relayB.waitFor("link.down", ["remote=a.example"]), relayB.log)
        componentB.clear()
        try componentB.send(message(from: "bob@b.example", to: "alice@a.example", id: "r3"))
        XCTAssertNotNil(relayB.waitFor("link.connect_failed", ["addr=127.0.0.1:\(deadPort)"]), relayB.log)
        XCTAssertNotNil(
            relayB.waitFor("queue.deferred", ["hop=remote:b.example->a.example", "retry_in_ms="]), relayB.log)
        XCTAssertTrue(relayB.lines("stanza.bounced").isEmpty, relayB.log)
    }
}

/// A loopback port held by a listening socket of the test, so the relay cannot bind it.
private final class PortHolder {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 1) == 0 else { throw XCTSkip("cannot hold a loopback port: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }
}
