import Foundation
import RelayTestSupport
import TLS
import XCTest

/// Two `xmpp-relay run` processes on loopback federating their XEP-0114 components relay-to-relay
/// with pins (`[[peer]] server` + `pins`), and the ways that goes wrong, asserted on the log and on
/// the stanzas the components get back.
final class TwoRelayTests: XCTestCase {
    typealias Side = RelayBed.Side

    private var bed: RelayBed!
    private var directory: String { bed.directory }

    override func setUpWithError() throws {
        bed = try RelayBed(name: "links")
    }

    override func tearDownWithError() throws {
        bed.tearDown()
    }

    private func startRelay(
        _ side: Side, peers: [(domain: String, port: UInt16, pin: String?)], extra: String = "", journal: Bool = false
    ) throws -> RelayProcess {
        var text =
            bed.commonSections(domain: side.domain, certificate: side.certificate, key: side.key) + """
                [listen]
                s2s = ["127.0.0.1:\(side.s2sPort)"]
                s2s_direct_tls = ["127.0.0.1:\(side.directTLSPort)"]
                home = []
                component = ["127.0.0.1:\(side.componentPort)"]

                \(extra)

                """
        text += RelayBed.componentSection(domain: side.domain, secret: side.secret)
        for peer in peers {
            text += RelayBed.peerSection(domain: peer.domain, port: peer.port, pin: peer.pin, dialback: true)
        }
        return try bed.startRelay(domain: side.domain, text, journal: journal)
    }

    // MARK: Happy path

    func testComponentsFederateThroughTwoPinnedRelaysAndShutdownClosesStreams() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let relayA = try startRelay(a, peers: [(b.domain, b.s2sPort, b.pin)])
        let relayB = try startRelay(b, peers: [(a.domain, a.s2sPort, a.pin)])
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)
        XCTAssertNotNil(relayA.waitFor("component.up", ["domain=a.example"]), relayA.log)

        try componentA.send("<message from='alice@a.example/x' to='bob@b.example' id='m1'><body>hello</body></message>")
        let atB = try componentB.waitFor("</message>")
        XCTAssertTrue(atB.contains("id='m1'") || atB.contains("id=\"m1\""), atB)
        XCTAssertTrue(atB.contains("hello"), atB)

        try componentB.send(
            "<message from='bob@b.example' to='alice@a.example/x' id='r1'><body>hi back</body></message>")
        let atA = try componentA.waitFor("</message>")
        XCTAssertTrue(atA.contains("r1"), atA)

        let up = try XCTUnwrap(relayA.waitFor("link.up", ["dir=out", "remote=b.example"]), relayA.log)
        XCTAssertTrue(up.contains("local=a.example"), up)
        XCTAssertTrue(up.contains("auth=pin"), up)
        XCTAssertTrue(up.contains("tls=1.") && up.contains("cipher="), up)
        XCTAssertTrue(up.contains("addr=127.0.0.1:\(b.s2sPort)"), up)
        let inbound = try XCTUnwrap(relayB.waitFor("link.up", ["dir=in", "remote=a.example"]), relayB.log)
        XCTAssertTrue(inbound.contains("auth=pin") && inbound.contains("stream_auth=sasl-external"), inbound)
        XCTAssertFalse(relayA.log.contains("hello"), "stanza bodies must never be logged")
        XCTAssertTrue(relayA.log.hasPrefix("ts="), "no JOURNAL_STREAM for this pipe: no priority prefix")
        // B routed m1 from the inbound link to its component's link, at debug.
        let routed = try XCTUnwrap(relayB.waitFor("stanza.routed", ["id=m1"]), relayB.log)
        let inboundID = try XCTUnwrap(field("link", in: inbound))
        let componentBID = try XCTUnwrap(field("link", in: try XCTUnwrap(relayB.waitFor("component.up"))))
        XCTAssertEqual(field("link", in: routed), inboundID, routed)
        XCTAssertEqual(field("out_link", in: routed), componentBID, routed)
        XCTAssertTrue(
            routed.contains("kind=message from=a.example to=b.example id=m1 bytes=")
                && Int(field("bytes", in: routed) ?? "") ?? 0 > 50, routed)
        XCTAssertTrue(
            relayA.log.contains("state=\"tls -> header-tls\"") || relayB.log.contains("state=\"tls -> header-tls\""))

        // SIGTERM: A closes its streams with </stream:stream>; B sees them end cleanly.
        XCTAssertEqual(relayA.stop(), 0, relayA.log)
        XCTAssertNotNil(relayB.waitFor("link.down", ["remote=a.example", "closed the stream"]), relayB.log)
        let down = try XCTUnwrap(relayA.waitFor("link.down", ["dir=out", "remote=b.example"]), relayA.log)
        // One link's story shares one id: its state changes, up and down.
        let outID = try XCTUnwrap(field("link", in: up))
        XCTAssertEqual(field("link", in: down), outID, down)
        let story = relayA.log.split(separator: "\n").filter { field("link", in: String($0)) == outID }
        XCTAssertGreaterThanOrEqual(story.filter { $0.contains("event=link.state") }.count, 4, story.joined())
        // Its link.* lines say which way it was opened (stanza lines on it may go either way: bidi).
        let linkLines = story.filter { $0.contains(" event=link.") }
        XCTAssertTrue(linkLines.allSatisfy { $0.contains(" dir=out ") }, story.joined(separator: "\n"))
    }

    /// The value of `key=` in a log line (unquoted values only).
    private func field(_ key: String, in line: String) -> String? {
        line.split(separator: " ").first { $0.hasPrefix("\(key)=") }.map { String($0.dropFirst(key.count + 1)) }
    }

    // MARK: The operator's log

    /// One relay, its component, and a second configured component that is not connected: what
    /// happened to each stanza is in the log (the one for the absent component waits in the queue
    /// and is delivered when it connects), SIGUSR1 gives the counters at once without ending the
    /// relay, and with JOURNAL_STREAM naming stderr every line carries its syslog priority.
    func testLogTellsWhatHappenedToEachStanzaAndSIGUSR1GivesTheCounters() throws {
        let a = try bed.makeSide("a.example")
        let relayA = try startRelay(
            a, peers: [],
            // Config order: this [[component]] comes before a.example's.
            extra: "[[component]]\ndomain = \"c.example\"\nsecret = \"secret-of-c\"\n", journal: true)
        let start = try XCTUnwrap(relayA.lines("relay.start").first, relayA.log)
        XCTAssertTrue(start.hasPrefix("<6>ts="), start)
        XCTAssertTrue(start.contains(" domains=c.example,a.example "), start)
        XCTAssertTrue(start.contains(" resolver=\"forwarders 127.0.0.1@9\" "), start)
        XCTAssertTrue(start.contains(" trust_anchor=\(directory)/state-a.example/root.key "), start)
        XCTAssertTrue(
            start.contains(
                " listeners=component:127.0.0.1:\(a.componentPort),s2s:127.0.0.1:\(a.s2sPort)"
                    + ",s2s-tls:127.0.0.1:\(a.directTLSPort) tls_cipher="), start)

        // A refusal first (counted), then the stanzas.
        let bad = try LoopbackClient(port: a.componentPort)
        XCTAssertTrue(try bad.componentHandshake(domain: a.domain, secret: "wrong").contains("<not-authorized"))
        let componentA = try bed.component(a)
        try componentA.send("<message from='alice@a.example' to='bob@a.example' id='m1'><body>to me</body></message>")
        XCTAssertTrue(try componentA.waitFor("</message>").contains("m1"))
        componentA.clear()
        try componentA.send("<message from='alice@a.example' to='carol@c.example' id='m2'><body>x</body></message>")
        // A component that is not connected is a hop that is down: the stanza waits on disk.
        let deferred = try XCTUnwrap(relayA.waitFor("queue.deferred", ["hop=component:c.example"]), relayA.log)
        XCTAssertTrue(deferred.hasPrefix("<6>ts="), deferred)
        XCTAssertTrue(deferred.contains(" count=1 "), deferred)
        XCTAssertNil(relayA.waitFor("stanza.bounced", timeout: 1), relayA.log)
        let up = try XCTUnwrap(relayA.waitFor("component.up", ["domain=a.example"]), relayA.log)
        let componentID = try XCTUnwrap(field("link", in: up))
        let routed = try XCTUnwrap(relayA.waitFor("stanza.routed", ["id=m1"]), relayA.log)
        XCTAssertTrue(routed.hasPrefix("<7>ts="), routed)
        XCTAssertEqual(field("link", in: routed), componentID, routed)
        XCTAssertEqual(field("out_link", in: routed), componentID, routed)
        let routedM2 = try XCTUnwrap(relayA.waitFor("stanza.routed", ["id=m2"]), relayA.log)
        XCTAssertEqual(field("out_link", in: routedM2), "held", routedM2)

        XCTAssertTrue(relayA.lines("stats").isEmpty)
        relayA.send(signal: SIGUSR1)
        let stats = try XCTUnwrap(relayA.waitFor("stats"), relayA.log)
        XCTAssertTrue(relayA.isRunning, "SIGUSR1 must not end the relay")
        XCTAssertTrue(stats.hasPrefix("<6>ts="), stats)
        XCTAssertTrue(
            stats.contains(
                " links_in=0 links_out=0 components=1 stanzas_relayed=2 held=1 bounced=0 refused=1 bytes_in="),
            stats)
        XCTAssertTrue(stats.contains(" queued=1 "), stats)
        XCTAssertGreaterThanOrEqual(Int(field("store_writes", in: stats) ?? "") ?? 0, 1, stats)
        XCTAssertGreaterThan(Int(field("bytes_in", in: stats) ?? "") ?? 0, 200, stats)
        XCTAssertGreaterThan(Int(field("bytes_out", in: stats) ?? "") ?? 0, 200, stats)
        XCTAssertNotNil(field("uptime_s", in: stats), stats)
        // keygen certificates are good for ten years.
        XCTAssertTrue(["3649", "3650"].contains(field("cert_days_left", in: stats) ?? ""), stats)

        // c.example connects: the queued stanza is delivered to it.
        let componentC = try LoopbackClient(port: a.componentPort)
        XCTAssertTrue(
            try componentC.componentHandshake(domain: "c.example", secret: "secret-of-c").contains("<handshake"))
        XCTAssertTrue(try componentC.waitFor("</message>").contains("id='m2'"), componentC.received)
        XCTAssertTrue(
            relayA.log.split(separator: "\n").allSatisfy { $0.hasPrefix("<") }, "every line has its priority")
        XCTAssertEqual(relayA.stop(), 0, relayA.log)
    }

    /// A peer that accepts TCP and then says nothing: the stanza is held while the link tries to
    /// come up (stats: held=1, one outbound link), and stays queued when the handshake times out.
    func testHeldStanzaIsCountedThenQueuedWhenTheLinkNeverComesUp() throws {
        let a = try bed.makeSide("a.example")
        let silent = try SilentListener()
        let relayA = try startRelay(
            a, peers: [("b.example", silent.port, a.pin)], extra: "[limits]\nhandshake_timeout = \"2s\"\n")
        let componentA = try bed.component(a)
        try componentA.send("<message from='alice@a.example' to='bob@b.example' id='h1'><body>x</body></message>")
        XCTAssertNotNil(relayA.waitFor("link.state", ["dir=out", "remote=b.example"]), relayA.log)

        relayA.send(signal: SIGUSR1)
        let holding = try XCTUnwrap(relayA.waitFor("stats"), relayA.log)
        XCTAssertTrue(
            holding.contains(" links_out=1 components=1 stanzas_relayed=1 held=1 bounced=0 refused=0 "), holding)
        let routed = try XCTUnwrap(relayA.waitFor("stanza.routed", ["id=h1"]), relayA.log)
        XCTAssertTrue(routed.contains(" out_link=held"), routed)

        let refused = try XCTUnwrap(
            relayA.waitFor("link.refused", ["dir=out", "remote=b.example"], timeout: 10), relayA.log)
        XCTAssertTrue(refused.contains("connection-timeout"), refused)
        let deferred = try XCTUnwrap(
            relayA.waitFor("queue.deferred", ["hop=remote:a.example->b.example", "retry_in_ms="]), relayA.log)
        XCTAssertTrue(deferred.contains(" count=1 "), deferred)
        XCTAssertTrue(relayA.lines("stanza.bounced").isEmpty, relayA.log)
        XCTAssertFalse(componentA.received.contains("h1"), componentA.received)

        relayA.send(signal: SIGUSR1)
        XCTAssertTrue(eventually { relayA.lines("stats").count == 2 }, relayA.log)
        let after = relayA.lines("stats")[1]
        XCTAssertTrue(after.contains(" links_out=0 components=1 stanzas_relayed=1 held=1 bounced=0 refused=1 "), after)
        XCTAssertTrue(after.contains(" queued=1 "), after)
    }

    // MARK: Refusals

    /// The peer's certificate does not match its pin: the link is refused and the stanza waits in
    /// the queue for a later attempt (a message is kept up to `max_age`, never bounced at once).
    func testWrongPinIsRefusedAndTheStanzaWaitsInTheQueue() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let other = try bed.makeSide("c.example")
        let relayA = try startRelay(a, peers: [(b.domain, b.s2sPort, other.pin)])
        let relayB = try startRelay(b, peers: [(a.domain, a.s2sPort, a.pin)])
        let componentA = try bed.component(a)

        try componentA.send("<message from='alice@a.example' to='bob@b.example' id='m2'><body>x</body></message>")
        let refused = try XCTUnwrap(relayA.waitFor("link.refused", ["dir=out", "remote=b.example"]), relayA.log)
        XCTAssertTrue(refused.contains("pin"), refused)
        XCTAssertTrue(refused.contains("is not authenticated (pin: "), refused)
        let failed = try XCTUnwrap(relayA.waitFor("route.failed", ["error=remote-server-timeout"]), relayA.log)
        XCTAssertEqual(field("link", in: failed), field("link", in: refused), failed)
        let deferred = try XCTUnwrap(
            relayA.waitFor("queue.deferred", ["hop=remote:a.example->b.example", "retry_in_ms="]), relayA.log)
        XCTAssertTrue(deferred.contains("is not authenticated (pin: "), deferred)
        XCTAssertTrue(relayA.lines("stanza.bounced").isEmpty, relayA.log)
        // B, the refused peer, was told only that its certificate was not accepted: no pins, no policy.
        let told = try XCTUnwrap(relayB.waitFor("link.refused", ["dir=in", "remote=a.example"]), relayB.log)
        XCTAssertTrue(
            told.hasSuffix(
                "reason=\"a.example sent a stream error: policy-violation: certificate not accepted for b.example\""),
            told)
    }

    func testUnresolvableDomainBouncesRemoteServerNotFound() throws {
        let a = try bed.makeSide("a.example")
        let relayA = try startRelay(a, peers: [])
        let componentA = try bed.component(a)

        try componentA.send(
            "<iq type='get' from='alice@a.example' to='nowhere.invalid' id='q1'><ping xmlns='urn:xmpp:ping'/></iq>")
        let bounce = try componentA.waitFor("</iq>", timeout: 30)
        XCTAssertTrue(bounce.contains("<remote-server-not-found"), bounce)
        XCTAssertTrue(bounce.contains("cancel"), bounce)
        XCTAssertNotNil(relayA.waitFor("route.failed", ["remote=nowhere.invalid", "error=remote-server-not-found"]))
        let bounced = try XCTUnwrap(relayA.waitFor("stanza.bounced", ["id=q1"]), relayA.log)
        XCTAssertTrue(bounced.hasPrefix("ts=") && bounced.contains("level=warn"), bounced)
        XCTAssertTrue(
            bounced.contains(
                "condition=remote-server-not-found kind=iq from=a.example to=nowhere.invalid id=q1 reason=\"nowhere.invalid"
            ),
            bounced)

        // An error stanza is never bounced.
        componentA.clear()
        try componentA.send("<message type='error' from='alice@a.example' to='x@nowhere.invalid' id='e1'/>")
        try componentA.send("<message from='alice@a.example' to='x@nowhere.invalid' id='e2'/>")
        let second = try componentA.waitFor("</message>", timeout: 30)
        XCTAssertFalse(second.contains("e1"), second)
        XCTAssertTrue(second.contains("e2"), second)
    }

    func testComponentWithBadSecretAndSecondConnectionAreRefused() throws {
        let a = try bed.makeSide("a.example")
        let relayA = try startRelay(a, peers: [])

        let bad = try LoopbackClient(port: a.componentPort)
        let refused = try bad.componentHandshake(domain: a.domain, secret: "wrong")
        XCTAssertTrue(refused.contains("<not-authorized"), refused)
        XCTAssertNotNil(relayA.waitFor("component.refused", ["not-authorized"]), relayA.log)

        let first = try bed.component(a)
        let second = try LoopbackClient(port: a.componentPort)
        let conflict = try second.componentHandshake(domain: a.domain, secret: a.secret)
        XCTAssertTrue(conflict.contains("<conflict"), conflict)
        XCTAssertNotNil(relayA.waitFor("component.refused", ["conflict"]), relayA.log)
        _ = first
    }

    func testSpoofedFromOnAnInboundStreamIsInvalidFrom() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let relayB = try startRelay(b, peers: [(a.domain, a.s2sPort, a.pin)])

        // Play a.example by hand: STARTTLS, TLS with a.example's pinned key, SASL EXTERNAL, then lie.
        let peer = try LoopbackClient(port: b.s2sPort)
        let header =
            "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
            + " from='a.example' to='b.example' version='1.0'>"
        try peer.send(header)
        try peer.waitFor("</stream:features>")
        try peer.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        try peer.waitFor("<proceed")
        try peer.startTLS(identity: TLSIdentity(certificateFile: a.certificate, keyFile: a.key), serverName: b.domain)
        try peer.send(header)
        let features = try peer.waitFor("</stream:features>")
        XCTAssertTrue(features.contains("EXTERNAL"), features)
        peer.clear()
        try peer.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
        try peer.waitFor("<success")
        peer.clear()
        try peer.send(header)
        try peer.waitFor("</stream:features>")
        peer.clear()
        try peer.send("<message from='eve@evil.example' to='bob@b.example' id='s1'><body>x</body></message>")
        let error = try peer.waitFor("</stream:error>")
        XCTAssertTrue(error.contains("<invalid-from"), error)
        XCTAssertNotNil(relayB.waitFor("link.down", ["remote=a.example", "invalid-from"]), relayB.log)
    }

    // MARK: Dialback

    /// B has no pin for a.invalid but allows it dialback: A's self-signed certificate fails PKIX, so
    /// B offers dialback only; B checks A's key over its own verifying link to A (XEP-0220), and
    /// the message gets through. (`.invalid` names: B's DANE lookup for A is answered NXDOMAIN locally.)
    func testDialbackWhereThePolicyAllowsIt() throws {
        let a = try bed.makeSide("a.invalid")
        let b = try bed.makeSide("b.invalid")
        let relayA = try startRelay(a, peers: [(b.domain, b.s2sPort, b.pin)])
        let relayB = try startRelay(b, peers: [(a.domain, a.s2sPort, nil)])
        let componentA = try bed.component(a)
        let componentB = try bed.component(b)

        try componentA.send(
            "<message from='alice@a.invalid' to='bob@b.invalid' id='d1'><body>via dialback</body></message>")
        let atB = try componentB.waitFor("</message>", timeout: 30)
        XCTAssertTrue(atB.contains("d1"), atB + relayA.log + relayB.log)
        let up = try XCTUnwrap(relayB.waitFor("link.up", ["dir=in", "remote=a.invalid"]), relayB.log)
        XCTAssertTrue(up.contains("auth=dialback"), up)
        let out = try XCTUnwrap(relayA.waitFor("link.up", ["dir=out", "remote=b.invalid"]), relayA.log)
        XCTAssertTrue(out.contains("auth=pin") && out.contains("stream_auth=dialback"), out)
    }

    // MARK: Direct TLS and limits

    func testDirectTLSListenerAuthenticatesAPinnedPeerWithoutSTARTTLS() throws {
        let a = try bed.makeSide("a.example")
        let b = try bed.makeSide("b.example")
        let relayB = try startRelay(b, peers: [(a.domain, a.s2sPort, a.pin)])

        let peer = try LoopbackClient(port: b.directTLSPort)
        try peer.startTLS(identity: TLSIdentity(certificateFile: a.certificate, keyFile: a.key), serverName: b.domain)
        let header =
            "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
            + " from='a.example' to='b.example' version='1.0'>"
        try peer.send(header)
        let features = try peer.waitFor("</stream:features>")
        XCTAssertTrue(features.contains("EXTERNAL"), features)
        XCTAssertFalse(features.contains("starttls"), features)
        peer.clear()
        try peer.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>")
        try peer.waitFor("<success")
        peer.clear()
        try peer.send(header)
        try peer.waitFor("</stream:features>")
        let up = try XCTUnwrap(relayB.waitFor("link.up", ["dir=in", "remote=a.example"]), relayB.log)
        XCTAssertTrue(up.contains("addr=127.0.0.1:") && up.contains("auth=pin"), up)
    }

    func testConnectionsPerIPLimitRefusesTheNextConnectionAndSaysHowToRaiseIt() throws {
        let a = try bed.makeSide("a.example")
        let relayA = try startRelay(a, peers: [], extra: "[limits]\nconnections_per_ip = 2\n")
        let first = try LoopbackClient(port: a.componentPort)
        let second = try LoopbackClient(port: a.componentPort)
        XCTAssertNil(relayA.waitFor("limit.reached", timeout: 1))
        let third = try LoopbackClient(port: a.componentPort)
        XCTAssertThrowsError(try third.waitFor("<stream:stream", timeout: 5))
        XCTAssertTrue(third.peerClosed)
        let line = try XCTUnwrap(relayA.waitFor("limit.reached", ["limit=connections_per_ip"]), relayA.log)
        XCTAssertTrue(line.contains("value=2") && line.contains("connections_per_ip"), line)
        XCTAssertTrue(line.contains("hint="), line)
        // The two within the limit still work.
        try first.send(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='a.example'>"
        )
        try first.waitFor("<stream:stream")
        _ = second
    }

    func testMaxLinksRefusesTheNextConnection() throws {
        let a = try bed.makeSide("a.example")
        let relayA = try startRelay(a, peers: [], extra: "[limits]\nmax_links = 1\n")
        let first = try bed.component(a)
        let second = try LoopbackClient(port: a.componentPort)
        XCTAssertThrowsError(try second.waitFor("<stream:stream", timeout: 5))
        XCTAssertTrue(second.peerClosed)
        let line = try XCTUnwrap(relayA.waitFor("limit.reached", ["limit=max_links"]), relayA.log)
        XCTAssertTrue(line.contains("value=1") && line.contains("raise [limits] max_links"), line)
        _ = first
    }

    func testStanzaSizeAndHandshakeTimeLimitsComeFromTheConfiguration() throws {
        let a = try bed.makeSide("a.example")
        let relayA = try startRelay(
            a, peers: [], extra: "[limits]\nmax_stanza_bytes = 10000\nhandshake_timeout = \"1s\"\n")

        let big = try bed.component(a)
        let body = String(repeating: "x", count: 12_000)
        try big.send("<message from='alice@a.example' to='bob@b.example'><body>\(body)</body></message>")
        let error = try big.waitFor("</stream:error>")
        XCTAssertTrue(error.contains("<policy-violation"), error)

        let silent = try LoopbackClient(port: a.componentPort)
        let started = Date()
        try silent.send(
            "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept'"
                + " xmlns:stream='http://etherx.jabber.org/streams' to='a.example'>")
        let timeout = try silent.waitFor("</stream:error>", timeout: 10)
        XCTAssertTrue(timeout.contains("<connection-timeout"), timeout)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertNotNil(relayA.waitFor("component.refused", ["connection-timeout"]), relayA.log)
    }

    // MARK: openssl s_client against the STARTTLS listener

    func testOpenSSLCompletesStartTLSWithTLS12AndAEADAndIsRefusedTLS11() throws {
        guard let openssl = ["/usr/bin/openssl"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else { throw XCTSkip("openssl is not installed (Debian package openssl)") }
        let b = try bed.makeSide("b.example")
        _ = try startRelay(b, peers: [])

        func sClient(_ version: String) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: openssl)
            process.arguments = [
                "s_client", "-starttls", "xmpp-server", "-xmpphost", b.domain, "-connect", "127.0.0.1:\(b.s2sPort)",
                version, "-brief",
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        let good = try sClient("-tls1_2")
        XCTAssertTrue(good.output.contains("Protocol version: TLSv1.2"), good.output)
        XCTAssertTrue(good.output.contains("Ciphersuite: ECDHE-"), good.output)
        XCTAssertTrue(good.output.contains("GCM") || good.output.contains("CHACHA20"), good.output)

        let old = try sClient("-tls1_1")
        XCTAssertNotEqual(old.status, 0, old.output)
        XCTAssertFalse(old.output.contains("Protocol version: TLSv1.1"), old.output)
    }
}
