import Foundation
import RelayTestSupport
import XCTest

/// Base for tests with `xmpp-relay run` processes next to the signed zone, Prosody and slixmpp
/// peers of `InteropTestCase`: relays are stopped by PID in tearDown (their logs printed on
/// failure, or always with XMPP_RELAY_TEST_PRINT_LOGS=1).
class RelayInteropTestCase: InteropTestCase {
    private(set) var relays: [RelayProcess] = []
    var relayDirectory: String!
    private var componentPeers: [SlixmppPeer] = []

    override func setUpWithError() throws {
        try super.setUpWithError()
        relayDirectory = try InteropTools.makeDirectory("xr-relay")
    }

    override func tearDown() {
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        for peer in componentPeers { peer.stop() }
        componentPeers = []
        let printLogs = failed || ProcessInfo.processInfo.environment["XMPP_RELAY_TEST_PRINT_LOGS"] != nil
        for relay in relays {
            relay.stop()
            if printLogs { print("--- relay \(relay.configPath):\n\(relay.log)") }
        }
        relays = []
        if let relayDirectory, !failed { try? FileManager.default.removeItem(atPath: relayDirectory) }
        super.tearDown()
    }

    /// A relay for `domain` on `address` with a fresh certificate (SAN DNS:domain); not started.
    func makeRelaySetup(_ domain: String, address: String) throws -> RelaySetup {
        try RelaySetup(domain: domain, certificate: makeCertificate(domain), address: address)
    }

    /// Writes the configuration and starts the relay (after `zone.start()`).
    @discardableResult
    func startRelay(_ setup: RelaySetup) throws -> RelayProcess {
        let path = "\(relayDirectory!)/\(setup.domain).toml"
        try InteropTools.write(setup.configText(directory: relayDirectory, zone: zone), to: path, mode: 0o600)
        let relay = try RelayProcess(configPath: path)
        relays.append(relay)
        return relay
    }

    /// SRV _xmpp-server._tcp.DOMAIN → xmpp.DOMAIN at the relay's s2s port, A → its address, and a TLSA.
    func publish(_ setup: RelaySetup, tlsa: PublishedTLSA = .matching) {
        let target = "xmpp.\(setup.domain)."
        zone.addSRV(service: "xmpp-server", domain: setup.domain + ".", target: target, port: setup.s2sPort)
        zone.addA(target, setup.address)
        switch tlsa {
        case .matching: zone.addTLSA(host: target, port: setup.s2sPort, certificate: setup.certificate)
        case .bogus: zone.addTLSA(host: target, port: setup.s2sPort, certificate: setup.certificate, bogus: true)
        case .mismatched:
            zone.addTLSA(host: target, port: setup.s2sPort, rdata: "3 1 1 \(setup.certificate.wrongSPKISHA256)")
        case .none: break
        }
    }

    /// Only SRV _xmpps-server._tcp.DOMAIN → xmpp.DOMAIN at the relay's direct-TLS port (XEP-0368),
    /// A → its address, and the TLSA at that port: peers must connect with TLS first.
    func publishDirectTLSOnly(_ setup: RelaySetup) {
        guard let port = setup.directTLSPort else { return XCTFail("setup has no direct TLS port") }
        let target = "xmpp.\(setup.domain)."
        zone.addSRV(service: "xmpps-server", domain: setup.domain + ".", target: target, port: port)
        zone.addA(target, setup.address)
        zone.addTLSA(host: target, port: port, certificate: setup.certificate)
    }

    /// A slixmpp XEP-0114 component on the relay's component port, for the relay's own domain.
    func component(
        on setup: RelaySetup, fromJID: String? = nil, send: [(to: String, body: String)] = [], expect: Int = 0,
        stay: Bool = false, timeout: TimeInterval = 20
    ) throws -> SlixmppPeer {
        let peer = try SlixmppPeer.component(
            domain: setup.domain, secret: setup.componentSecret, host: setup.address, port: setup.componentPort,
            fromJID: fromJID, send: send, expect: expect, stay: stay, timeout: timeout)
        componentPeers.append(peer)
        return peer
    }
}
