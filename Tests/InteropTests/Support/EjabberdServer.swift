import Foundation
import RelayTestSupport

/// How one ejabberd instance is set up. Ports of 0 are picked free on `address` at start.
struct EjabberdConfiguration {
    var address = "127.0.0.5"
    var s2sPort = 0
    var c2sPort = 0
    /// The one served domain (`hosts`), with its certificate.
    var host: TestCertificate
    /// Certificates ejabberd trusts for s2s (`s2s_cafile`, PKIX with each as a trust anchor); none:
    /// it trusts nothing, so no peer passes SASL EXTERNAL and everything goes by dialback.
    var trusted: [TestCertificate] = []
    /// `mod_s2s_dialback`: without it ejabberd neither offers nor uses dialback.
    var dialback = true

    init(host: TestCertificate, address: String = "127.0.0.5") {
        self.host = host
        self.address = address
    }
}

/// Debian's ejabberd (23.01) on loopback: its own --config-dir, spool and logs in a fresh directory,
/// run as user ejabberd by `ejabberdctl foreground` (which drops to that user with su), stopped by
/// the PID of its Erlang VM (EJABBERD_PID_PATH).
///
/// It never reaches anything but loopback: `hosts` is the test domain only, its Erlang
/// distribution listens on 127.0.0.1 at a free port without epmd (ERL_DIST_PORT), and all its DNS
/// goes to a `LoopbackResolver`: `inet_res` (SRV lookups) through ERL_INETRC, glibc (SRV targets)
/// through a private /etc/resolv.conf bind-mounted in a mount namespace of its own (`unshare --mount`).
final class EjabberdServer: LoopbackServer {
    private(set) var configuration: EjabberdConfiguration
    /// Stopped with SIGTERM (the Erlang VM shuts down cleanly), SIGKILL after 10 s; su and
    /// unshare exit with it.
    let daemon: LoopbackDaemon
    private let resolver: LoopbackResolver
    private let nodeName: String
    private let distributionPort: Int

    var address: String { configuration.address }
    var s2sPort: Int { configuration.s2sPort }
    var c2sPort: Int { configuration.c2sPort }
    var domain: String { configuration.host.domain }
    private var pidPath: String { daemon.pidPath }

    /// Picks the free ports and writes the configuration; nothing runs until `start()`.
    init(_ configuration: EjabberdConfiguration, resolver: LoopbackResolver) throws {
        self.configuration = configuration
        self.resolver = resolver
        let directory = try InteropTools.makeDirectory("xr-ejabberd")
        daemon = LoopbackDaemon(
            name: "ejabberd", directory: directory, logPath: directory + "/logs/ejabberd.log",
            pidPath: directory + "/ejabberd.pid", grace: 10)
        nodeName = "xr-\(getpid())-\(UInt32.random(in: 0...UInt32.max))@localhost"
        distributionPort = try InteropTools.freePort()
        if self.configuration.s2sPort == 0 { self.configuration.s2sPort = try InteropTools.freePort(on: address) }
        if self.configuration.c2sPort == 0 { self.configuration.c2sPort = try InteropTools.freePort(on: address) }
        for sub in ["spool", "logs"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        let host = self.configuration.host
        let pem =
            try String(contentsOfFile: host.certificatePath, encoding: .utf8)
            + String(contentsOfFile: host.keyPath, encoding: .utf8)
        try InteropTools.write(pem, to: directory + "/host.pem", mode: 0o600)
        let trusted = try self.configuration.trusted.map {
            try String(contentsOfFile: $0.certificatePath, encoding: .utf8)
        }
        try InteropTools.write(trusted.joined(), to: directory + "/trusted.pem")
        try InteropTools.write(configText(), to: directory + "/ejabberd.yml")
        try InteropTools.write(controlConfigText(), to: directory + "/ejabberdctl.cfg")
        // ejabberdctl sets ERL_INETRC to CONFIG_DIR/inetrc.
        try InteropTools.write(resolver.erlangInetrc, to: directory + "/inetrc")
        try InteropTools.write(resolver.resolvConf, to: directory + "/resolv.conf")
        try InteropTools.run("/bin/chown", ["-R", "ejabberd:ejabberd", directory])
    }

    private var controlArguments: [String] {
        ["--config-dir", directory, "--logs", directory + "/logs", "--spool", directory + "/spool"]
    }

    /// Adds a c2s account (ejabberdctl register: a second Erlang node talking to this one over
    /// its loopback distribution port).
    func register(user: String, password: String) throws {
        try InteropTools.run("/usr/sbin/ejabberdctl", controlArguments + ["register", user, domain, password])
    }

    /// Starts ejabberd and waits (the Erlang VM takes seconds) until its pidfile exists and its
    /// ports accept connections.
    func start(timeout: TimeInterval = 30) throws {
        // The bind mount lives and dies with this mount namespace; the host's resolv.conf is untouched.
        let command =
            "mount --bind '\(directory)/resolv.conf' /etc/resolv.conf && exec /usr/sbin/ejabberdctl "
            + controlArguments.map { "'\($0)'" }.joined(separator: " ") + " foreground"
        try daemon.start(
            "/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", command], address: address,
            ports: [s2sPort, c2sPort], timeout: timeout)
    }

    private func controlConfigText() -> String {
        """
        ERLANG_NODE=\(nodeName)
        ERL_DIST_PORT=\(distributionPort)
        INET_DIST_INTERFACE=127.0.0.1
        EJABBERD_PID_PATH=\(pidPath)
        EJABBERD_BYPASS_WARNINGS=true

        """
    }

    private func configText() -> String {
        let c = configuration
        var modules = ["mod_disco: {}", "mod_roster: {}"]
        if c.dialback { modules.append("mod_s2s_dialback: {}") }
        return """
            # Written by the interop test harness.
            hosts:
              - "\(c.host.domain)"
            loglevel: debug
            hide_sensitive_log_data: false
            certfiles:
              - "\(directory)/host.pem"
            listen:
              - port: \(c.c2sPort)
                ip: "\(c.address)"
                module: ejabberd_c2s
                starttls: true
              - port: \(c.s2sPort)
                ip: "\(c.address)"
                module: ejabberd_s2s_in
            s2s_use_starttls: required
            \(c.trusted.isEmpty ? "" : "s2s_cafile: \"\(directory)/trusted.pem\"")
            s2s_access: s2s
            outgoing_s2s_families:
              - ipv4
            s2s_max_retry_delay: 5
            auth_method: internal
            access_rules:
              local:
                allow: all
              c2s:
                allow: all
              s2s:
                allow: all
            shaper_rules: {}
            modules:
            \(modules.map { "  " + $0 }.joined(separator: "\n"))

            """
    }
}
