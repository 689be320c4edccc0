import Foundation
import XCTest

/// The home route: Config/prosody/mod_s2s_via_relay.lua (for Prosody 0.12.3, replaces the resolver)
/// and mod_s2sout_via_relay.lua (for 0.12.4+ and 13, the s2sout-pre-connect event) send every
/// outgoing s2s stream of a stock Prosody, dialback verification included, to the relay's address
/// (here a scripted listener) without any DNS lookup.
final class RelayRoutingModuleTests: InteropTestCase {
    /// a.interop.test on 127.0.0.2, routed through `module` to `relay` (when both are given), with
    /// `extraModules`; alice registered. b.interop.test is published with real records: Prosody
    /// would use them without the module.
    private func startHome(
        module: String?, relay: LoopbackListener?, extraModules: [String] = []
    ) throws -> ProsodyServer {
        var configuration = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        // Without the route too: no s2s_secure_auth, and no DANE (with use_dane Prosody 13 would
        // look up an incoming peer's TLSA, a DNS lookup that has nothing to do with routing).
        configuration.secureAuth = false
        configuration.useDANE = false
        if let module, let relay { configuration.routeOutgoingS2S(toRelay: relay.hostPort, through: module) }
        configuration.modules += extraModules
        let server = try makeProsody(configuration)
        zone.addSRV(service: "xmpp-server", domain: "b.interop.test.", target: "xmpp.b.interop.test.", port: 5269)
        zone.addA("xmpp.b.interop.test.", "127.0.0.3")
        try zone.start()
        try server.register(user: "alice", host: "a.interop.test", password: "secret")
        try server.start()
        return server
    }

    /// alice's message opens one stream, to the relay, announced for b.interop.test; no DNS at all.
    private func assertMessageGoesToTheRelay(
        _ server: ProsodyServer, _ relay: LoopbackListener, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertTrue(
            server.waitForLog(containing: "Outgoing s2s goes to relay \(relay.hostPort)"), server.logTail(),
            file: file, line: line)
        let alice = try client(
            "alice@a.interop.test", on: server, send: [("bob@b.interop.test", "via the relay")], stay: true)
        XCTAssertTrue(alice.waitForEvent("sent"), alice.output, file: file, line: line)
        XCTAssertTrue(relay.waitForData(containing: "to='b.interop.test'"), relay.received, file: file, line: line)
        XCTAssertTrue(relay.received.contains("<stream:stream"), relay.received, file: file, line: line)
        XCTAssertTrue(relay.received.contains("from='a.interop.test'"), relay.received, file: file, line: line)
        XCTAssertEqual(relay.connectionCount, 1, file: file, line: line)
        XCTAssertEqual(server.logLines(containing: "Resolve "), [], file: file, line: line)
    }

    /// Runs on 13 too: Prosody 13 still serves `net.resolvers.service` as the table mod_s2s uses, so
    /// a home server upgraded from Debian 12 with the 0.12 module keeps its route.
    func testResolverSwapModuleSendsEveryOutgoingStreamToTheRelayWithoutDNS() throws {
        let relay = try LoopbackListener(address: "127.0.0.1")
        let server = try startHome(module: "s2s_via_relay", relay: relay)
        try assertMessageGoesToTheRelay(server, relay)
    }

    func testPreConnectModuleSendsEveryOutgoingStreamToTheRelayWithoutDNS() throws {
        guard prosodyVersion.hasPreConnectEvent else {
            throw XCTSkip(
                "Prosody \(prosodyVersion) has no s2sout-pre-connect event (0.12.4+); mod_s2s_via_relay is its route")
        }
        let relay = try LoopbackListener(address: "127.0.0.1")
        let server = try startHome(module: "s2sout_via_relay", relay: relay)
        try assertMessageGoesToTheRelay(server, relay)
        XCTAssertTrue(server.logLines(containing: "Routing outgoing s2s for b.interop.test to relay").count == 1)
    }

    func testPreConnectModuleOnProsody0123SaysWhatToUseInsteadAndRoutesNothing() throws {
        guard !prosodyVersion.hasPreConnectEvent else {
            throw XCTSkip("Prosody \(prosodyVersion) has the s2sout-pre-connect event: the module works there")
        }
        let relay = try LoopbackListener(address: "127.0.0.1")
        let server = try startHome(module: "s2sout_via_relay", relay: relay)
        XCTAssertTrue(
            server.waitForLog(
                containing: "has no s2sout-pre-connect event (needs 0.12.4 or later; on 0.12.3 use mod_s2s_via_relay)"),
            server.logTail())
        XCTAssertEqual(server.logLines(containing: "Outgoing s2s goes to relay"), [])
        let alice = try client(
            "alice@a.interop.test", on: server, send: [("bob@b.interop.test", "not rerouted")], expect: 1)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertFalse(
            server.logLines(containing: "Resolve _xmpp-server._tcp.b.interop.test").isEmpty, server.logTail())
        XCTAssertFalse(relay.waitForData(containing: "<", timeout: 0.2), relay.received)
        XCTAssertEqual(relay.connectionCount, 0)
    }

    /// b.interop.test connects in and asks for dialback: Prosody's verification stream to
    /// b.interop.test's authoritative server goes to the relay too, not to what DNS says.
    func testDialbackVerificationStreamGoesToTheRelayWithoutDNS() throws {
        let relay = try LoopbackListener(address: "127.0.0.1")
        let server = try startHome(module: prosodyVersion.relayRouteModule, relay: relay)
        XCTAssertTrue(server.waitForLog(containing: "Outgoing s2s goes to relay \(relay.hostPort)"), server.logTail())
        let peer = try RawS2SPeer.dialbackClient(
            address: server.address, port: server.s2sPort, from: "b.interop.test", to: "a.interop.test",
            certificate: try makeCertificate("b.interop.test"))
        defer { peer.stop() }
        XCTAssertTrue(peer.waitForOutput(containing: "--- dialback requested"), peer.output)
        XCTAssertTrue(
            server.waitForLog(containing: "asking b.interop.test if key 0123456789abcdef belongs to them"),
            server.logTail())
        XCTAssertTrue(relay.waitForData(containing: "to='b.interop.test'"), relay.received)
        XCTAssertTrue(relay.received.contains("from='a.interop.test'"), relay.received)
        XCTAssertEqual(relay.connectionCount, 1)
        XCTAssertEqual(server.logLines(containing: "Resolve "), [])
    }

    /// A whole routed stream, not just its header: a.interop.test routes everything to the address
    /// of b.interop.test's server (standing in for the relay, which answers like any s2s server),
    /// STARTTLS and dialback complete (b verifies a's key over its own stream to a) and bob gets
    /// alice's message, while a.interop.test still looks nothing up.
    func testRoutedStreamCompletesTLSAndDialbackAndDeliversTheMessage() throws {
        let certificateB = try makeCertificate("b.interop.test")
        var configurationB = ProsodyConfiguration(address: "127.0.0.3", hosts: [certificateB])
        configurationB.secureAuth = false
        configurationB.useDANE = false
        let serverB = try makeProsody(configurationB)
        var configurationA = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        configurationA.routeOutgoingS2S(
            toRelay: "\(serverB.address):\(serverB.s2sPort)", through: prosodyVersion.relayRouteModule)
        let serverA = try makeProsody(configurationA)
        // Only a.interop.test is published (b's dialback verification stream looks it up); b.interop.test
        // has no records at all, so a's stream can only have reached b through the route.
        zone.addSRV(
            service: "xmpp-server", domain: "a.interop.test.", target: "xmpp.a.interop.test.", port: serverA.s2sPort)
        zone.addA("xmpp.a.interop.test.", serverA.address)
        try zone.start()
        try serverA.register(user: "alice", host: "a.interop.test", password: "secret")
        try serverB.register(user: "bob", host: "b.interop.test", password: "secret")
        try serverA.start()
        try serverB.start()

        let bob = try client("bob@b.interop.test", on: serverB, expect: 1)
        XCTAssertTrue(bob.waitForEvent("online"), bob.output)
        let alice = try client("alice@a.interop.test", on: serverA, send: [("bob@b.interop.test", "routed")])
        XCTAssertTrue(bob.waitForEvent("message"), bob.output + serverA.logTail() + serverB.logTail())
        XCTAssertEqual(bob.messages.first?["body"], "routed")
        XCTAssertEqual(bob.messages.first?["from"]?.hasPrefix("alice@a.interop.test/"), true)
        XCTAssertEqual(alice.waitForExit(), 0, alice.output)
        XCTAssertTrue(
            serverA.logLines(containing: "Stream encrypted").contains { $0.contains("s2sout") }, serverA.logTail())
        XCTAssertTrue(serverB.waitForLog(containing: "verified dialback key... it is valid"), serverB.logTail())
        XCTAssertEqual(serverA.logLines(containing: "Resolve "), [])
    }

    func testWithoutTheModuleProsodyUsesDNS() throws {
        let server = try startHome(module: nil, relay: nil)
        let alice = try client(
            "alice@a.interop.test", on: server, send: [("bob@b.interop.test", "nowhere")], expect: 1, timeout: 15)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["type"], "error")
        XCTAssertFalse(
            server.logLines(containing: "Resolve _xmpp-server._tcp.b.interop.test").isEmpty, server.logTail())
    }

    func testUnloadingTheModuleRestoresDNSRouting() throws {
        let relay = try LoopbackListener(address: "127.0.0.1")
        let server = try startHome(module: prosodyVersion.relayRouteModule, relay: relay, extraModules: ["admin_shell"])
        XCTAssertTrue(server.waitForLog(containing: "Outgoing s2s goes to relay"), server.logTail())
        // Both modules are global: unloading removes the route from every host.
        let said = try server.shell("module:unload(\"\(prosodyVersion.relayRouteModule)\")")
        XCTAssertTrue(server.waitForLog(containing: "Outgoing s2s uses DNS again"), said + server.logTail())

        let alice = try client(
            "alice@a.interop.test", on: server, send: [("bob@b.interop.test", "no relay now")], expect: 1)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["type"], "error")
        XCTAssertFalse(
            server.logLines(containing: "Resolve _xmpp-server._tcp.b.interop.test").isEmpty, server.logTail())
        // A connection Prosody had made would wait in the listen backlog: none is there.
        XCTAssertFalse(relay.waitForData(containing: "<", timeout: 0.2), relay.received)
        XCTAssertEqual(relay.connectionCount, 0)
    }
}
