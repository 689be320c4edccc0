import Foundation
import RelayTestSupport
import XCTest

/// What the tests that run real `xmpp-relay run` processes share: a private temporary directory
/// with the root zone's trust anchor, keys from `xmpp-relay keygen` and their pins, the config
/// sections every such relay has, and the relays started there. `tearDown` stops them (printing
/// their logs with XMPP_RELAY_TEST_PRINT_LOGS=1) and removes the directory.
final class RelayBed {
    /// One relay's domain (also its component's domain), key, pin and ports.
    struct Side {
        let domain: String
        var certificate: String
        var key: String
        var pin: String
        let s2sPort: UInt16
        let directTLSPort: UInt16
        var componentPort: UInt16
        var secret: String { "secret-of-\(domain)" }
    }

    let directory: String
    private var relays: [RelayProcess] = []

    /// Makes the directory (`name` tells whose it is) and the trust anchor in it.
    init(name: String) throws {
        directory = NSTemporaryDirectory() + "xmpp-relay-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n"
            .write(toFile: directory + "/root.key", atomically: true, encoding: .utf8)
    }

    func tearDown() {
        for relay in relays {
            relay.stop()
            // For debugging: XMPP_RELAY_TEST_PRINT_LOGS=1 shows what each relay logged.
            if ProcessInfo.processInfo.environment["XMPP_RELAY_TEST_PRINT_LOGS"] != nil { print(relay.log) }
        }
        relays = []
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A key and certificate for `domain` from `xmpp-relay keygen` (in `subdirectory`, as keygen
    /// never overwrites), and its pin.
    func keygen(_ domain: String, subdirectory: String = "") throws -> (certificate: String, key: String, pin: String) {
        let out = subdirectory.isEmpty ? directory : directory + "/" + subdirectory
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let output = try RelayBinary().run(["keygen", domain, "--out", out]).stdout
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("pins = [\"") }) else {
            throw XCTSkip("xmpp-relay keygen printed no pins line: \(output)")
        }
        return ("\(out)/\(domain).crt", "\(out)/\(domain).key", String(line.dropFirst("pins = [\"".count).dropLast(2)))
    }

    /// A side for `domain`: keygen's key and pin, and free loopback ports.
    func makeSide(_ domain: String) throws -> Side {
        let files = try keygen(domain)
        return Side(
            domain: domain, certificate: files.certificate, key: files.key, pin: files.pin,
            s2sPort: freeLoopbackPort(), directTLSPort: freeLoopbackPort(), componentPort: freeLoopbackPort())
    }

    /// `[relay]`, `[tls]` and `[dns]` for the relay of `domain`: its own state directory, root,
    /// and DNS that never answers (a forwarder on the discard port), so no test leaves loopback.
    func commonSections(domain: String, certificate: String, key: String) -> String {
        """
        [relay]
        state_dir = "\(directory)/state-\(domain)"
        allow_root = true

        [tls]
        certificate = "\(certificate)"
        key = "\(key)"

        [dns]
        trust_anchor = "\(directory)/root.key"
        forwarders = ["127.0.0.1@9"]

        """
    }

    /// `[[component]]` for `domain` with `secret`.
    static func componentSection(domain: String, secret: String) -> String {
        """

        [[component]]
        domain = "\(domain)"
        secret = "\(secret)"

        """
    }

    /// `[[peer]]` for `domain` at `127.0.0.1:port`: with `pin`, or without one and `allow_dialback`.
    static func peerSection(domain: String, port: UInt16, pin: String?, dialback: Bool) -> String {
        """

        [[peer]]
        domain = "\(domain)"
        \(pin.map { "pins = [\"\($0)\"]" } ?? "allow_dialback = \(dialback)")
        server = "127.0.0.1:\(port)"

        """
    }

    /// Writes `text` to `<domain>.toml` with mode 0600 (the relay refuses a config others can read).
    func writeConfig(domain: String, _ text: String) throws -> String {
        let path = "\(directory)/\(domain).toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// Starts `xmpp-relay run` on `text` (written as `<domain>.toml`); `tearDown` stops it.
    func startRelay(
        domain: String, _ text: String, journal: Bool = false, environment: [String: String] = [:]
    ) throws -> RelayProcess {
        let relay = try RelayProcess(
            configPath: try writeConfig(domain: domain, text), journal: journal, environment: environment)
        relays.append(relay)
        return relay
    }

    /// A XEP-0114 client of `side`'s relay, handshaken as `side`'s component, its buffer cleared.
    func component(_ side: Side) throws -> LoopbackClient {
        let client = try LoopbackClient(port: side.componentPort)
        let answer = try client.componentHandshake(domain: side.domain, secret: side.secret)
        XCTAssertTrue(answer.contains("<handshake"), answer)
        client.clear()
        return client
    }
}
