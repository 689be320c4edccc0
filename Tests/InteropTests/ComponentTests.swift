import Foundation
import XCTest

/// An XEP-0114 component (slixmpp) on Prosody's component port talks with a c2s user.
final class ComponentTests: InteropTestCase {
    func testComponentReceivesAndSendsMessages() throws {
        var configuration = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        configuration.componentPort = 0
        configuration.components = [("bot.a.interop.test", "component-secret")]
        let server = try makeProsody(configuration)
        try zone.start()
        try server.register(user: "alice", host: "a.interop.test", password: "secret")
        try server.start()

        let alice = try client("alice@a.interop.test", on: server, stay: true)
        XCTAssertTrue(alice.waitForEvent("online"), alice.output)
        let bot = try component(
            "bot.a.interop.test", secret: "component-secret", on: server,
            send: [("alice@a.interop.test", "hello from the bot")], expect: 1)
        XCTAssertTrue(bot.waitForEvent("online"), bot.output)
        alice.send(to: "echo@bot.a.interop.test", body: "hello bot")

        XCTAssertTrue(bot.waitForEvent("message"), bot.output)
        XCTAssertEqual(bot.messages.first?["to"], "echo@bot.a.interop.test")
        XCTAssertEqual(bot.messages.first?["body"], "hello bot")
        XCTAssertEqual(bot.messages.first?["from"]?.hasPrefix("alice@a.interop.test/"), true)
        XCTAssertTrue(alice.waitForEvent("message"), alice.output)
        XCTAssertEqual(alice.messages.first?["from"], "bot.a.interop.test")
        XCTAssertEqual(alice.messages.first?["body"], "hello from the bot")
        XCTAssertEqual(bot.waitForExit(), 0, bot.output)
        alice.quit()
        XCTAssertEqual(alice.waitForExit(), 0, alice.output)
    }

    func testComponentWithWrongSecretFails() throws {
        var configuration = ProsodyConfiguration(address: "127.0.0.2", hosts: [try makeCertificate("a.interop.test")])
        configuration.componentPort = 0
        configuration.components = [("bot.a.interop.test", "component-secret")]
        let server = try makeProsody(configuration)
        try zone.start()
        try server.start()
        let bot = try component("bot.a.interop.test", secret: "wrong", on: server, timeout: 10)
        XCTAssertNotEqual(bot.waitForExit(), 0, bot.output)
        XCTAssertFalse(bot.events.contains { $0.event == "online" }, bot.output)
    }
}
