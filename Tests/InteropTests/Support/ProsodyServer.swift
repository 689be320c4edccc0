import Foundation
import RelayTestSupport

/// How one Prosody instance is set up. Ports of 0 are picked free on `address` at start.
struct ProsodyConfiguration {
    /// Each instance may take its own loopback address (127.0.0.2, 127.0.0.3…: all loopback on Linux).
    var address = "127.0.0.2"
    var s2sPort = 0
    var c2sPort = 0
    /// nil: no component listener (component_ports = {}); 0: a free port.
    var componentPort: Int? = nil
    /// One VirtualHost per certificate, named after its domain.
    var hosts: [TestCertificate] = []
    /// XEP-0114 components: `Component "domain"` with `component_secret`.
    var components: [(domain: String, secret: String)] = []
    /// Extra modules, e.g. "s2s_auth_dane_in", "s2s_via_relay", "s2sout_via_relay" (those found in
    /// Config/prosody are loaded from there), "admin_shell" (Prosody's own).
    var modules: [String] = []
    var useDANE = true
    var secureAuth = true
    var dialback = true
    /// Raw Lua lines for the global section, e.g. `s2s_relay = "127.0.0.1:5289"`.
    var globalLines: [String] = []
    /// Raw Lua lines after the hosts, e.g. a `Component "conference.example" "muc"` section.
    var tailLines: [String] = []

    init(address: String = "127.0.0.2", hosts: [TestCertificate] = []) {
        self.address = address
        self.hosts = hosts
    }
}

extension ProsodyConfiguration {
    /// Makes this a home server behind the relay: every outgoing s2s stream goes to `hostPort` (the
    /// relay's home listener) through `module` (`ProsodyVersion.relayRouteModule` is the one for the
    /// installed Prosody). The relay proves the remote domains by dialback; DANE is the relay's job.
    mutating func routeOutgoingS2S(toRelay hostPort: String, through module: String) {
        modules.append(module)
        globalLines.append("s2s_relay = \"\(hostPort)\"")
        secureAuth = false
        useDANE = false
    }
}

/// A real Prosody (Debian 12's 0.12.3 or Debian 13's 13.0.1) on loopback: own config, pidfile, data,
/// plugins and debug log in a fresh directory;
/// started as user prosody (`runuser -u prosody -- prosody --config FILE -F`: in the foreground,
/// so runuser reaps it and we reap runuser; a daemonized -D Prosody is left a zombie where PID 1
/// does not reap), DNS only from the given TestZone through its libunbound (validating with the
/// zone's DS), stopped by the PID in its pidfile.
final class ProsodyServer: LoopbackServer {
    private(set) var configuration: ProsodyConfiguration
    /// The installed Prosody's version (InteropRequirements skips when it cannot be told).
    let version: ProsodyVersion
    /// Stopped with SIGTERM, SIGKILL after 5 s.
    let daemon: LoopbackDaemon
    private let zone: TestZone?

    var address: String { configuration.address }
    var s2sPort: Int { configuration.s2sPort }
    var c2sPort: Int { configuration.c2sPort }
    var componentPort: Int? { configuration.componentPort }
    var configPath: String { directory + "/prosody.cfg.lua" }
    /// This instance's plugin_paths: copies of the shipped modules it loads, and nothing else, so a
    /// shipped module never shadows a Prosody module of the same name it did not ask for.
    var pluginDirectory: String { directory + "/plugins" }

    /// Where the shipped Prosody modules live (Config/prosody in this checkout).
    static var shippedModulesDirectory: String { InteropTools.repositoryRoot + "/Config/prosody" }

    /// Picks the free ports and writes the configuration; nothing runs until `start()`.
    init(_ configuration: ProsodyConfiguration, zone: TestZone?) throws {
        self.configuration = configuration
        self.zone = zone
        guard let version = ProsodyVersion.installed else { throw InteropSetupError("cannot tell Prosody's version") }
        self.version = version
        let directory = try InteropTools.makeDirectory("xr-prosody")
        daemon = LoopbackDaemon(
            name: "Prosody", directory: directory, logPath: directory + "/prosody.log",
            pidPath: directory + "/prosody.pid", grace: 5)
        if self.configuration.s2sPort == 0 { self.configuration.s2sPort = try InteropTools.freePort(on: address) }
        if self.configuration.c2sPort == 0 { self.configuration.c2sPort = try InteropTools.freePort(on: address) }
        if self.configuration.componentPort == 0 {
            self.configuration.componentPort = try InteropTools.freePort(on: address)
        }
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/certs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: pluginDirectory, withIntermediateDirectories: true)
        for module in shippedModules {
            try FileManager.default.copyItem(
                atPath: Self.shippedModulesDirectory + "/mod_\(module).lua",
                toPath: pluginDirectory + "/mod_\(module).lua")
        }
        try InteropTools.write(configText(), to: configPath)
        try InteropTools.giveToProsody(directory)
    }

    /// Adds a c2s account (prosodyctl, which drops to user prosody itself).
    func register(user: String, host: String, password: String) throws {
        try InteropTools.run("/usr/bin/prosodyctl", ["--config", configPath, "register", user, host, password])
    }

    /// Runs one admin-shell command (`prosodyctl shell COMMAND`); needs "admin_shell" in `modules`.
    @discardableResult
    func shell(_ command: String) throws -> String {
        try InteropTools.run("/usr/bin/prosodyctl", ["--config", configPath, "shell", command])
    }

    /// Starts Prosody and waits until its pidfile exists and its ports accept connections.
    func start(timeout: TimeInterval = 10) throws {
        let ports: [Int] = [s2sPort, c2sPort] + (componentPort.map { [$0] } ?? [])
        try daemon.start(
            "/usr/sbin/runuser", ["-u", "prosody", "--", "/usr/bin/prosody", "--config", configPath, "-F"],
            address: address, ports: ports, timeout: timeout)
    }

    private func luaString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The requested modules this checkout ships. On Prosody 13 "s2s_auth_dane_in" is Prosody's own
    /// (loaded by `use_dane = true`): the 0.12 module of that name is not copied.
    private var shippedModules: [String] {
        configuration.modules.filter { module in
            if module == "s2s_auth_dane_in" && version.hasInboundDANE { return false }
            return FileManager.default.fileExists(atPath: Self.shippedModulesDirectory + "/mod_\(module).lua")
        }
    }

    private func configText() -> String {
        let c = configuration
        let modules = ["tls", "saslauth", "disco"] + (c.dialback ? ["dialback"] : []) + c.modules
        var lines = [
            "-- Written by the interop test harness.",
            "pidfile = \(luaString(daemon.pidPath))",
            "data_path = \(luaString(directory + "/data"))",
            "certificates = \(luaString(directory + "/certs"))",
            "plugin_paths = { \(luaString(pluginDirectory)) }",
            "log = { debug = \(luaString(logPath)) }",
            "modules_enabled = { \(modules.map(luaString).joined(separator: ", ")) }",
            "authentication = \"internal_plain\"",
            "interfaces = { \(luaString(c.address)) }",
            "s2s_interfaces = { \(luaString(c.address)) }",
            "s2s_ports = { \(c.s2sPort) }",
            "c2s_interfaces = { \(luaString(c.address)) }",
            "c2s_ports = { \(c.c2sPort) }",
            "http_ports = {}",
            "https_ports = {}",
            "c2s_direct_tls_ports = {}",
            "s2s_direct_tls_ports = {}",
            "s2s_secure_auth = \(c.secureAuth)",
            "use_dane = \(c.useDANE)",
            "c2s_require_encryption = false",
            "allow_unencrypted_plain_auth = true",
            // DNS only from the test zone's knot (everything, "." included); validated with its DS.
            "unbound = {",
            "  resolvconf = false; hoststxt = false;",
            "  forward = \(luaString(zone?.serverAddress ?? "127.0.0.1@9"));",
            zone.map { "  trustfile = \(luaString($0.trustAnchorFile));" } ?? "",
            "  options = { [\"local-zone:\"] = \"test. transparent\" };",
            "}",
        ]
        if let port = c.componentPort {
            lines += ["component_ports = { \(port) }", "component_interfaces = { \(luaString(c.address)) }"]
        } else {
            lines += ["component_ports = {}"]
        }
        lines += c.globalLines
        for host in c.hosts {
            lines += [
                "VirtualHost \(luaString(host.domain))",
                "  ssl = { certificate = \(luaString(host.certificatePath)); key = \(luaString(host.keyPath)) }",
            ]
        }
        for component in c.components {
            lines += [
                "Component \(luaString(component.domain))", "  component_secret = \(luaString(component.secret))",
            ]
        }
        lines += c.tailLines
        return lines.joined(separator: "\n") + "\n"
    }
}
