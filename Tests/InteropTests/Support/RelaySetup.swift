import Foundation
import RelayTestSupport

/// What a test relay serves and how it finds and trusts peers; written out as TOML by `configText`.
struct RelaySetup {
    /// The relay's own domain: its certificate's name and its one component's domain.
    var domain: String
    var certificate: TestCertificate
    /// Each relay takes its own loopback address (127.0.0.2, 127.0.0.3…).
    var address: String
    var s2sPort: Int
    /// `[listen] s2s_direct_tls` port (XEP-0368), when the test wants one.
    var directTLSPort: Int?
    var componentPort: Int
    /// `[[peer]]` blocks as raw TOML (server, pins, allow_dialback).
    var peerBlocks: [String] = []
    /// `[tls] ca_file`: the CA bundle for PKIX (nil: the relay's default).
    var caFile: String?
    /// Extra raw TOML appended after the generated tables, e.g. `[policy]`.
    var extra = ""
    /// `[listen] home` port (on `address`), for relays in front of a home server.
    var homePort: Int?
    /// `[[home]]` blocks as raw TOML.
    var homeBlocks: [String] = []
    /// Whether `domain` is served by the relay's own XEP-0114 component (false: by a `[[home]]`).
    var domainIsComponent = true
    /// Extra raw TOML lines in the generated `[dns]` table, e.g. `timeout = "2s"`.
    var dnsExtra = ""
    var componentSecret: String { "secret-of-\(domain)" }

    init(domain: String, certificate: TestCertificate, address: String) throws {
        self.domain = domain
        self.certificate = certificate
        self.address = address
        s2sPort = try InteropTools.freePort(on: address)
        componentPort = try InteropTools.freePort(on: address)
    }

    /// `[dns]` answers from the test zone's knot through a stub zone (the rest goes to a dead
    /// loopback port), validated with the zone's DS as the only trust anchor.
    func configText(directory: String, zone: TestZone?) -> String {
        let dns =
            zone.map {
                """
                trust_anchor = "\($0.trustAnchorFile)"
                forwarders = ["127.0.0.1@9"]
                stub_zones = ["\($0.origin)=\($0.serverAddress)"]
                """
            } ?? "trust_anchor = \"\(directory)/root.key\"\nforwarders = [\"127.0.0.1@9\"]"
        return """
            [relay]
            state_dir = "\(directory)/state-\(domain)"
            allow_root = true

            [tls]
            certificate = "\(certificate.certificatePath)"
            key = "\(certificate.keyPath)"
            \(caFile.map { "ca_file = \"\($0)\"" } ?? "")

            [dns]
            \(dns)
            \(dnsExtra)

            [listen]
            s2s = ["\(address):\(s2sPort)"]
            s2s_direct_tls = [\(directTLSPort.map { "\"\(address):\($0)\"" } ?? "")]
            home = [\(homePort.map { "\"\(address):\($0)\"" } ?? "")]
            component = ["\(address):\(componentPort)"]

            \(domainIsComponent ? "[[component]]\ndomain = \"\(domain)\"\nsecret = \"\(componentSecret)\"" : "")

            \(homeBlocks.joined(separator: "\n\n"))

            \(peerBlocks.joined(separator: "\n\n"))

            \(extra)

            """
    }
}
