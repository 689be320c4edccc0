#if canImport(Glibc)
    import Glibc
#endif

/// Debian's Prosody 0.12 set up for the same load as the relay (`--server prosody`), in the bed's
/// directory: the relay's key and certificate for sink.load.test, every peer's self-signed
/// certificate in `cafile` (so OpenSSL finds each peer's chain valid and mod_saslauth offers SASL
/// EXTERNAL), s2s on the bed's s2s port, the sink as a `Component` on the bed's component port.
/// Dialback is not loaded and `s2s_secure_auth` is on: a link that does not authenticate by its
/// certificate fails instead of quietly measuring dialback. Started as user prosody with setpriv
/// (it refuses root), which execs, so the child's PID is Prosody's own for /proc figures.
struct ProsodyBed {
    let configPath: String
    let logPath: String
    let stderrPath: String

    init(bed: TestBed, nagle: Bool) throws(LoadError) {
        let directory = bed.directory
        configPath = directory + "/prosody.cfg.lua"
        logPath = directory + "/prosody.log"
        stderrPath = directory + "/prosody.stderr"
        try writeText(directory + "/peers.pem", bed.peers.map(\.certificatePEM).joined(separator: "\n"), mode: 0o644)
        mkdir(directory + "/data", 0o750)
        let config = """
            -- Written by relay-load --server prosody.
            pidfile = "\(directory)/prosody.pid"
            data_path = "\(directory)/data"
            log = { info = "\(logPath)" }
            modules_enabled = { "tls", "saslauth" }
            modules_disabled = { "offline" }
            interfaces = { "127.0.0.1" }
            s2s_interfaces = { "127.0.0.1" }
            s2s_ports = { \(bed.s2sPort) }
            c2s_ports = {}
            c2s_direct_tls_ports = {}
            s2s_direct_tls_ports = {}
            http_ports = {}
            https_ports = {}
            component_interfaces = { "127.0.0.1" }
            component_ports = { \(bed.componentPort) }
            s2s_secure_auth = true
            use_dane = false
            ssl = { certificate = "\(directory)/relay.crt"; key = "\(directory)/relay.key"; cafile = "\(directory)/peers.pem" }
            network_settings = { nagle = \(nagle) }
            unbound = { resolvconf = false; hoststxt = false; forward = "127.0.0.1@9" }

            -- Prosody wants one VirtualHost; nothing talks to it.
            VirtualHost "host.load.test"

            Component "\(TestBed.sinkDomain)"
              component_secret = "\(TestBed.sinkSecret)"

            """
        try writeText(configPath, config, mode: 0o644)
        // Prosody runs as its own user: it must read the key and write its data, log and pid.
        guard let account = getpwnam("prosody") else { throw LoadError("no user prosody: apt-get install prosody") }
        for path in [directory, directory + "/relay.key", directory + "/data"] {
            guard chown(path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                throw LoadError("cannot chown \(path) to prosody: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// setpriv execs Prosody (no fork, unlike runuser), as user prosody with no supplementary groups.
    func arguments(launcher: String) -> [String] {
        [
            "/usr/bin/setpriv", "--reuid=prosody", "--regid=prosody", "--clear-groups", "--", launcher,
            "--config", configPath, "-F",
        ]
    }

    /// How the peers' s2s streams were authenticated, from Prosody's info log.
    static func authentications(in log: String) -> (external: Int, dialback: Int) {
        var external = 0
        var dialback = 0
        for line in log.split(separator: "\n") {
            if line.firstRange(of: "Accepting SASL EXTERNAL identity from") != nil { external += 1 }
            if line.firstRange(of: "dialback") != nil { dialback += 1 }
        }
        return (external, dialback)
    }

    /// Removes what Prosody and this bed added (the data directory may hold files Prosody made).
    static func remove(_ directory: String) {
        for name in ["prosody.cfg.lua", "prosody.log", "prosody.stderr", "prosody.pid", "peers.pem"] {
            unlink(directory + "/" + name)
        }
        removeTree(directory + "/data")
    }

    private static func removeTree(_ path: String) {
        guard let listing = opendir(path) else {
            unlink(path)
            return
        }
        var names: [String] = []
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(listing)
        for name in names { removeTree(path + "/" + name) }
        rmdir(path)
    }
}
