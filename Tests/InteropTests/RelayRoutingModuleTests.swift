import Foundation
import XCTest

/// Config/prosody/mod_s2s_via_relay.lua sends every outgoing s2s stream of a stock Prosody 0.12
/// to the relay's address, without any DNS lookup.
final class RelayRoutingModuleTests: InteropTestCase {
    func testEveryOutgoingS2SStreamGoesToTheRelayWithoutDNS() throws {
        let relay = try LoopbackListener(address: "127.0.0.1")
        var configuration = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        configuration.modules = ["s2s_via_relay"]
        configuration.secureAuth = false
        configuration.globalLines = ["s2s_relay = \"\(relay.hostPort)\""]
        let server = try makeProsody(configuration)
        // b.interop.test is published with real records: Prosody would use them without the module.
        zone.addSRV(service: "xmpp-server", domain: "b.interop.test.", target: "xmpp.b.interop.test.", port: 5269)
        zone.addA("xmpp.b.interop.test.", "127.0.0.3")
        try zone.start()
        try server.register(user: "alice", host: "a.interop.test", password: "secret")
        try server.start()
        XCTAssertTrue(server.waitForLog(containing: "Outgoing s2s goes to relay \(relay.hostPort)"), server.logTail())

        let alice = try client(
            "alice@a.interop.test", on: server, send: [("bob@b.interop.test", "via the relay")], stay: true)
        XCTAssertTrue(alice.waitForEvent("sent"), alice.output)
        XCTAssertTrue(relay.waitForData(containing: "to='b.interop.test'"), relay.received)
        XCTAssertTrue(relay.received.contains("<stream:stream"), relay.received)
        XCTAssertTrue(relay.received.contains("from='a.interop.test'"), relay.received)
        XCTAssertEqual(relay.connectionCount, 1)
        XCTAssertTrue(server.logLines(containing: "Resolve ").isEmpty, server.logLines(containing: "Resolve ").joined())
    }

    func testWithoutTheModuleProsodyUsesDNS() throws {
        var configuration = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        configuration.secureAuth = false
        let server = try makeProsody(configuration)
        try zone.start()
        try server.register(user: "alice", host: "a.interop.test", password: "secret")
        try server.start()
        let alice = try client(
            "alice@a.interop.test", on: server, send: [("bob@b.interop.test", "nowhere")], expect: 1, timeout: 15)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["type"], "error")
        XCTAssertFalse(
            server.logLines(containing: "Resolve _xmpp-server._tcp.b.interop.test").isEmpty, server.logTail())
    }

    func testUnloadingTheModuleRestoresDNSRouting() throws {
        let relay = try LoopbackListener(address: "127.0.0.1")
        var configuration = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        configuration.modules = ["s2s_via_relay", "admin_shell"]
        configuration.secureAuth = false
        configuration.globalLines = ["s2s_relay = \"\(relay.hostPort)\""]
        let server = try makeProsody(configuration)
        try zone.start()
        try server.register(user: "alice", host: "a.interop.test", password: "secret")
        try server.start()
        XCTAssertTrue(server.waitForLog(containing: "Outgoing s2s goes to relay"), server.logTail())
        let said = try server.shell("module:unload(\"s2s_via_relay\")")
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
