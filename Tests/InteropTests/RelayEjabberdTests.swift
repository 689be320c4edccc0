import Foundation
import RelayTestSupport
import XCTest

/// `xmpp-relay` and Debian's ejabberd 23.01 federating in both directions over the signed test
/// zone, a component behind the relay talking to a c2s user on ejabberd. ejabberd has no DANE: it
/// checks certificates by PKIX only (`s2s_cafile`), so without that it authenticates the relay by
/// dialback; with the relay's certificate as its trust anchor it accepts SASL EXTERNAL.
final class RelayEjabberdTests: RelayInteropTestCase {
    private var resolver: LoopbackResolver?
    private var ejabberd: EjabberdServer?
    private var relaySetup: RelaySetup!
    private var relay: RelayProcess!
    private var clients: [SlixmppPeer] = []

    override func setUpWithError() throws {
        // Not in the trixie chroot's package list: skip there, as the Prosody tests skip without Prosody.
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ejabberdctl"), getpwnam("ejabberd") != nil
        else { throw XCTSkip("these tests need Debian's ejabberd (apt-get install ejabberd)") }
        for tool in ["/usr/bin/unshare", "/usr/sbin/unbound"] where !FileManager.default.isExecutableFile(atPath: tool)
        {
            throw XCTSkip("these tests need \(tool)")
        }
        try super.setUpWithError()
        // ejabberd gets a private resolv.conf in a mount namespace; without CAP_SYS_ADMIN there is none.
        if (try? InteropTools.run("/usr/bin/unshare", ["--mount", "/bin/true"])) == nil {
            throw XCTSkip("these tests need unshare --mount (CAP_SYS_ADMIN) for ejabberd's private resolv.conf")
        }
    }

    override func tearDown() {
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        for client in clients { client.stop() }
        clients = []
        if let ejabberd {
            if failed {
                print("--- \(ejabberd.logPath) (kept), last lines:\n\(ejabberd.logTail())")
                ejabberd.stop()
            } else {
                ejabberd.remove()
            }
        }
        ejabberd = nil
        if let resolver { failed ? resolver.stop() : resolver.remove() }
        resolver = nil
        super.tearDown()
    }

    /// ejabberd e.interop.test on 127.0.0.5 with user eve; the relay r.interop.test on 127.0.0.2
    /// with its component r.interop.test. Both published by SRV and A; TLSA as asked.
    private func startEjabberdAndRelay(
        ejabberdTrustsRelay: Bool, ejabberdTLSA: PublishedTLSA, relayExtra: String = "", relayXmppAddr: Bool = false
    ) throws -> EjabberdServer {
        // DNS-ID + SRV-ID and no XmppAddr unless asked: ejabberd 23.01 crashes on a trusted XmppAddr (INTEROP.md).
        let relayCertificate = try TestCertificate.make(
            domain: "r.interop.test", in: certificateDirectory, srvID: true, xmppAddr: relayXmppAddr)
        relaySetup = try RelaySetup(domain: "r.interop.test", certificate: relayCertificate, address: "127.0.0.2")
        relaySetup.extra = relayExtra
        let certificate = try TestCertificate.make(domain: "e.interop.test", in: certificateDirectory, srvID: true)
        var configuration = EjabberdConfiguration(host: certificate)
        if ejabberdTrustsRelay { configuration.trusted = [relayCertificate] }

        let resolver = try LoopbackResolver(zone: zone)
        self.resolver = resolver
        let server = try EjabberdServer(configuration, resolver: resolver)
        ejabberd = server
        publish(server, tlsa: ejabberdTLSA)
        publish(relaySetup)
        try zone.start()
        try resolver.start(zone: zone)
        try server.start()
        try server.register(user: "eve", password: "secret")
        relay = try startRelay(relaySetup)
        return server
    }

    /// SRV _xmpp-server._tcp.e.interop.test → xmpp.e.interop.test at ejabberd's s2s port, its A, a TLSA.
    private func publish(_ server: EjabberdServer, tlsa: PublishedTLSA) {
        let target = "xmpp.\(server.domain)."
        zone.addSRV(service: "xmpp-server", domain: server.domain + ".", target: target, port: server.s2sPort)
        zone.addA(target, server.address)
        switch tlsa {
        case .matching: zone.addTLSA(host: target, port: server.s2sPort, certificate: server.configuration.host)
        case .none: break
        case .bogus, .mismatched: XCTFail("not used with ejabberd")
        }
    }

    /// eve → echo@r.interop.test (ejabberd → relay), then the component answers (relay → ejabberd).
    private func exchangeMessages(with server: EjabberdServer) throws {
        let bot = try component(on: relaySetup, fromJID: "echo@r.interop.test", expect: 1, stay: true, timeout: 40)
        XCTAssertTrue(bot.waitForEvent("online"), bot.output)
        let eve = try SlixmppPeer.client(
            jid: "eve@e.interop.test", password: "secret", host: server.address, port: server.c2sPort,
            send: [("echo@r.interop.test", "hello relay")], expect: 1, timeout: 40)
        clients.append(eve)
        XCTAssertTrue(bot.waitForEvent("message", timeout: 30), bot.output + relay.log + server.logTail())
        XCTAssertEqual(bot.messages.first?["body"], "hello relay")
        XCTAssertEqual(bot.messages.first?["from"]?.hasPrefix("eve@e.interop.test/"), true)
        if let from = bot.messages.first?["from"] { bot.send(to: from, body: "hello eve") }
        XCTAssertTrue(eve.waitForEvent("message", timeout: 30), eve.output + relay.log + server.logTail())
        XCTAssertEqual(eve.messages.first?["body"], "hello eve")
        XCTAssertEqual(eve.messages.first?["from"], "echo@r.interop.test")
        XCTAssertNotEqual(eve.messages.first?["type"], "error")
    }

    /// The relay's links in and out with e.interop.test came up authenticated by `auth`, the
    /// streams by `streamAuth`.
    private func assertBothLinksUp(
        auth: String, streamAuth: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for direction in ["in", "out"] {
            let up = try XCTUnwrap(
                relay.waitFor("link.up", ["dir=\(direction)", "remote=e.interop.test"]), relay.log, file: file,
                line: line)
            XCTAssertTrue(up.contains("auth=\(auth)"), up, file: file, line: line)
            XCTAssertTrue(up.contains("stream_auth=\(streamAuth)"), up, file: file, line: line)
        }
    }

    /// ejabberd logged that it accepted `method` ("dialback", "EXTERNAL") for its stream out to
    /// the relay and for the relay's stream in.
    private func assertEjabberdAccepted(
        _ method: String, on server: EjabberdServer, file: StaticString = #filePath, line: UInt = #line
    ) {
        for (direction, from, to) in [
            ("outbound", "e.interop.test", "r.interop.test"), ("inbound", "r.interop.test", "e.interop.test"),
        ] {
            XCTAssertTrue(
                server.waitForLog(containing: "Accepted \(direction) s2s \(method) authentication \(from) -> \(to)"),
                server.logTail(), file: file, line: line)
        }
    }

    /// Neither side can check the other's self-signed certificate (no TLSA for ejabberd, no
    /// `s2s_cafile` for the relay), so both authenticate by dialback, each asking the other as
    /// the authoritative server; `[policy] allow_dialback` lets the relay accept that.
    func testRelayAndEjabberdFederateByDialbackBothWays() throws {
        let server = try startEjabberdAndRelay(
            ejabberdTrustsRelay: false, ejabberdTLSA: .none,
            relayExtra: "[policy]\nallow_dialback = [\"e.interop.test\"]\n")
        try exchangeMessages(with: server)

        try assertBothLinksUp(auth: "dialback", streamAuth: "dialback")
        // ejabberd tried SASL EXTERNAL first (the relay offered none: it could not check the
        // certificate), then dialback; it asked the relay about its key on a stream of its own,
        // which is no refusal.
        assertEjabberdAccepted("dialback", on: server)
        XCTAssertTrue(relay.lines("link.refused").isEmpty, relay.log)
    }

    /// ejabberd trusts the relay's certificate (`s2s_cafile`) and the relay checks ejabberd by the
    /// TLSA in the signed zone: SASL EXTERNAL both ways, and no dialback policy is needed.
    func testSASLExternalBothWaysWhereCertificatesCheckOut() throws {
        let server = try startEjabberdAndRelay(ejabberdTrustsRelay: true, ejabberdTLSA: .matching)
        try exchangeMessages(with: server)

        try assertBothLinksUp(auth: "dane-ee", streamAuth: "sasl-external")
        assertEjabberdAccepted("EXTERNAL", on: server)
        XCTAssertTrue(server.logLines(containing: "dialback authentication").isEmpty, server.logTail())
        XCTAssertTrue(relay.lines("link.refused").isEmpty, relay.log)
    }

    /// ejabberd 23.01 trusting a certificate with an XmppAddr (as `xmpp-relay keygen` writes) crashes
    /// checking it during the relay's SASL EXTERNAL (`badarg` in xmpp_stream_pkix:get_cert_domains/1)
    /// and the stream closes. The relay says so and connects again by dialback, and the held message
    /// goes through; ejabberd → relay (ejabberd checks the same certificate as a client) is unaffected.
    func testRelayRetriesByDialbackWhereEjabberdBreaksOffSASLExternal() throws {
        let server = try startEjabberdAndRelay(ejabberdTrustsRelay: true, ejabberdTLSA: .matching, relayXmppAddr: true)
        try exchangeMessages(with: server)

        let inbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=in", "remote=e.interop.test"]), relay.log)
        XCTAssertTrue(inbound.contains("auth=dane-ee") && inbound.contains("stream_auth=sasl-external"), inbound)
        let refused = try XCTUnwrap(relay.waitFor("link.refused", ["dir=out", "remote=e.interop.test"]), relay.log)
        XCTAssertTrue(
            refused.contains(
                "reason=\"e.interop.test closed the stream during SASL EXTERNAL; it offers dialback, which a fresh"
                    + " connection will use\""), refused)
        let outbound = try XCTUnwrap(relay.waitFor("link.up", ["dir=out", "remote=e.interop.test"]), relay.log)
        XCTAssertTrue(outbound.contains("auth=dane-ee") && outbound.contains("stream_auth=dialback"), outbound)
        XCTAssertEqual(relay.lines("link.refused").count, 1, relay.log)
        XCTAssertTrue(relay.lines("route.failed").isEmpty, relay.log)
        XCTAssertTrue(server.waitForLog(containing: "xmpp_stream_pkix,get_cert_domains"), server.logTail())
        XCTAssertTrue(
            server.waitForLog(
                containing: "Accepted inbound s2s dialback authentication r.interop.test -> e.interop.test"),
            server.logTail())
    }
}
