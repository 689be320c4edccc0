import TLS
import Trust

#if canImport(Glibc)
    import Glibc
#endif

/// The files for one run in a fresh temporary directory: the relay's key and certificate, one key
/// and certificate per peer domain (kept in memory as the client identity), and the relay's config.
/// The sink domain is a `[[component]]`, or with `home` a `[[home]]` whose server is the `HomeSink`.
struct TestBed {
    /// Where the home sink listens and its pin (`--sink home`).
    struct HomeServer {
        let port: UInt16
        let pin: String
    }

    static let sinkDomain = "sink.load.test"
    static let sinkSecret = "load-secret"

    struct Peer {
        let domain: String
        let identity: TLSIdentity
        /// The self-signed certificate (PEM), for servers that trust peers by a CA file (Prosody).
        let certificatePEM: String
    }

    let directory: String
    let configPath: String
    let peers: [Peer]
    let s2sPort: UInt16
    let componentPort: UInt16
    /// The relay's home listener (with `home` only, else 0).
    let homeListenerPort: UInt16

    /// `profile`: a board profile's tables (Hardware/profiles), laid over this config (ProfileMerge).
    init(links: Int, home: HomeServer? = nil, profile: String? = nil) throws(LoadError) {
        var template = Array("/tmp/relay-load-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw LoadError("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        let now = Int64(time(nil))
        let relay = try Self.generate(Self.sinkDomain, now: now)
        try writeText(directory + "/relay.crt", relay.certificatePEM, mode: 0o644)
        try writeText(directory + "/relay.key", relay.privateKeyPEM)
        try writeText(
            directory + "/root.key",
            ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n", mode: 0o644)
        s2sPort = freeLoopbackPort()
        componentPort = home == nil ? freeLoopbackPort() : 0
        homeListenerPort = home == nil ? 0 : freeLoopbackPort()
        var peers: [Peer] = []
        var peerSections = ""
        for index in 1...links {
            let domain = "peer\(index).load.test"
            let generated = try Self.generate(domain, now: now)
            let identity = TLSIdentity(
                certificateChain: .bytes(Array(generated.certificatePEM.utf8), label: domain + ".crt"),
                privateKey: .bytes(Array(generated.privateKeyPEM.utf8), label: domain + ".key"))
            peers.append(Peer(domain: domain, identity: identity, certificatePEM: generated.certificatePEM))
            // The relay never dials the peers here: the server address only satisfies the config.
            peerSections += """

                [[peer]]
                domain = "\(domain)"
                pins = ["\(TLSARecord.pin(for: generated.certificate))"]
                server = "127.0.0.1:1"

                """
        }
        self.peers = peers
        // With a home sink the relay opens one home link per peer domain as well.
        let limit = max(256, 2 * links + 16)
        let sinkSection: String
        if let home {
            sinkSection = """
                [[home]]
                domain = "\(Self.sinkDomain)"
                server = "127.0.0.1:\(home.port)"
                pin = "\(home.pin)"

                """
        } else {
            sinkSection = """
                [[component]]
                domain = "\(Self.sinkDomain)"
                secret = "\(Self.sinkSecret)"

                """
        }
        // A [[home]] needs the home listener; the sink connects to it only with --home-verify, else
        // it answers the relay's dialback itself instead of asking back with db:verify (docs/load.md).
        let config = """
            [relay]
            state_dir = "\(directory)/state"
            allow_root = true

            [tls]
            certificate = "\(directory)/relay.crt"
            key = "\(directory)/relay.key"

            [dns]
            trust_anchor = "\(directory)/root.key"
            forwarders = ["127.0.0.1@9"]

            [listen]
            s2s = ["127.0.0.1:\(s2sPort)"]
            s2s_direct_tls = []
            home = [\(home == nil ? "" : "\"127.0.0.1:\(homeListenerPort)\"")]
            component = [\(home == nil ? "\"127.0.0.1:\(componentPort)\"" : "")]

            [limits]
            connections_per_ip = \(limit)
            max_links = \(limit)

            """ + sinkSection + peerSections
        configPath = directory + "/relay.toml"
        let merged = try profile.map { (profile) throws(LoadError) in
            try ProfileMerge.merge(base: config, profile: profile, minimumLinks: 2 * links + 16)
        }
        try writeText(configPath, merged ?? config)
    }

    private static func generate(_ domain: String, now: Int64) throws(LoadError) -> SelfSignedCertificate {
        do {
            return try SelfSignedCertificate.generate(domain: domain, now: now)
        } catch {
            throw LoadError("cannot make a key for \(domain): \(error.message)")
        }
    }

    /// Removes the directory (files are ours and flat, but the relay's state_dir is one level down).
    func remove(extraLogs: Int = 0) {
        for round in 0...extraLogs { unlink(directory + "/relay-\(round).log") }
        let state = directory + "/state"
        if let listing = opendir(state) {
            while let entry = readdir(listing) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name != "." && name != ".." { unlink(state + "/" + name) }
            }
            closedir(listing)
        }
        rmdir(state)
        for name in ["relay.crt", "relay.key", "root.key", "relay.toml", "relay.log"] { unlink(directory + "/" + name) }
        rmdir(directory)
    }
}
