import Foundation
import XCTest

/// Base for tests against real peers: a fresh signed zone, certificate directory, Prosody servers
/// and slixmpp peers per test, all on 127.0.0.0/8 and all stopped by PID in tearDown, even on
/// failure. Skips when the tools or root are missing. On failure the Prosody logs are kept and
/// their tails printed.
class InteropTestCase: XCTestCase {
    var zone: TestZone!
    var certificateDirectory: String!
    private(set) var servers: [ProsodyServer] = []
    private(set) var peers: [SlixmppPeer] = []
    /// The installed Prosody's version (setUp skips the test when it cannot be told).
    private(set) var prosodyVersion = ProsodyVersion(parts: [0])

    override func setUpWithError() throws {
        // A peer process that died early must fail its test, not kill the run by SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        try InteropRequirements.check()
        prosodyVersion = try XCTUnwrap(ProsodyVersion.installed)
        certificateDirectory = try InteropTools.makeDirectory("xr-certs")
        zone = try TestZone()
    }

    override func tearDown() {
        for peer in peers { peer.stop() }
        // hasSucceeded is false until the run has stopped: count failures instead.
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        for server in servers {
            if failed {
                print("--- \(server.logPath) (kept), last lines:\n\(server.logTail())")
                server.stop()
            } else {
                server.remove()
            }
        }
        if let zone { failed ? zone.stop() : zone.remove() }
        if let certificateDirectory, !failed { try? FileManager.default.removeItem(atPath: certificateDirectory) }
        peers = []
        servers = []
        zone = nil
    }

    /// A self-signed certificate for `domain` in this test's certificate directory.
    func makeCertificate(_ domain: String) throws -> TestCertificate {
        try TestCertificate.make(domain: domain, in: certificateDirectory)
    }

    /// A Prosody using this test's zone; stopped in tearDown. Not started yet.
    func makeProsody(_ configuration: ProsodyConfiguration) throws -> ProsodyServer {
        let server = try ProsodyServer(configuration, zone: zone)
        servers.append(server)
        return server
    }

    /// What `publish` puts at the TLSA name of a server.
    enum PublishedTLSA {
        /// `3 1 1` of the server's certificate, signed.
        case matching
        /// Signed, then edited: validators see a bogus answer.
        case bogus
        /// Signed and secure, but the hash of another key.
        case mismatched
        /// No TLSA record at all (secure NXDOMAIN).
        case none
    }

    /// Publishes `domain` as served by `server`: SRV _xmpp-server._tcp.DOMAIN → xmpp.DOMAIN at the
    /// server's s2s port, A xmpp.DOMAIN → its address, and a TLSA as asked.
    func publish(
        _ domain: String, servedBy server: ProsodyServer, certificate: TestCertificate, tlsa: PublishedTLSA = .matching
    ) {
        let target = "xmpp.\(domain)."
        zone.addSRV(service: "xmpp-server", domain: domain + ".", target: target, port: server.s2sPort)
        zone.addA(target, server.address)
        switch tlsa {
        case .matching: zone.addTLSA(host: target, port: server.s2sPort, certificate: certificate)
        case .bogus: zone.addTLSA(host: target, port: server.s2sPort, certificate: certificate, bogus: true)
        case .mismatched:
            zone.addTLSA(host: target, port: server.s2sPort, rdata: "3 1 1 \(certificate.wrongSPKISHA256)")
        case .none: break
        }
    }

    func client(
        _ jid: String, password: String = "secret", on server: ProsodyServer, send: [(to: String, body: String)] = [],
        expect: Int = 0, stay: Bool = false, timeout: TimeInterval = 20
    ) throws -> SlixmppPeer {
        let peer = try SlixmppPeer.client(
            jid: jid, password: password, host: server.address, port: server.c2sPort, send: send, expect: expect,
            stay: stay, timeout: timeout)
        peers.append(peer)
        return peer
    }

    func component(
        _ domain: String, secret: String, on server: ProsodyServer, send: [(to: String, body: String)] = [],
        expect: Int = 0, stay: Bool = false, timeout: TimeInterval = 20
    ) throws -> SlixmppPeer {
        guard let port = server.componentPort else { throw InteropSetupError("no component port on that server") }
        let peer = try SlixmppPeer.component(
            domain: domain, secret: secret, host: server.address, port: port, send: send, expect: expect, stay: stay,
            timeout: timeout)
        peers.append(peer)
        return peer
    }
}
