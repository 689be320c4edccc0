#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension RelayConfiguration {
    /// What the relay runs with when no configuration file is given: every listener on loopback only,
    /// no served domains, state in a per-user directory (created at start):
    /// root → `/var/lib/xmpp-relay`; others → `$XDG_STATE_HOME/xmpp-relay`, else
    /// `$HOME/.local/state/xmpp-relay`, else `/var/lib/xmpp-relay`.
    public static func embeddedDefault(environment: [String: String], effectiveUserID: UInt32)
        -> RelayConfiguration
    {
        var config = RelayConfiguration(source: embeddedSource)
        config.relay.stateDirectory = defaultStateDirectory(environment: environment, effectiveUserID: effectiveUserID)
        let loopback = "127.0.0.1"
        config.listen.s2s = [ListenAddress(host: loopback, port: 5269)]
        config.listen.s2sDirectTLS = [ListenAddress(host: loopback, port: 5270)]
        config.listen.home = [ListenAddress(host: loopback, port: 5289)]
        config.listen.component = [ListenAddress(host: loopback, port: 5347)]
        config.referencedFiles = [
            ReferencedFile(key: "tls.ca_file", path: config.tls.caFile, line: 0, kind: .readable),
            ReferencedFile(key: "dns.trust_anchor", path: config.dns.trustAnchor, line: 0, kind: .readable),
            ReferencedFile(key: "relay.state_dir", path: config.relay.stateDirectory, line: 0, kind: .directory),
        ]
        return config
    }

    /// The embedded default for this process (its environment and effective user).
    public static func embeddedDefault() -> RelayConfiguration {
        var environment: [String: String] = [:]
        for name in ["HOME", "XDG_STATE_HOME"] {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return embeddedDefault(environment: environment, effectiveUserID: UInt32(geteuid()))
    }

    /// `source` of the embedded default, as it appears in messages.
    public static var embeddedSource: String { "(embedded default)" }

    static func defaultStateDirectory(environment: [String: String], effectiveUserID: UInt32) -> String {
        let system = "/var/lib/xmpp-relay"
        if effectiveUserID == 0 { return system }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/xmpp-relay" }
        if let home = environment["HOME"], home.hasPrefix("/"), home != "/" { return home + "/.local/state/xmpp-relay" }
        return system
    }
}
