import RelayConfig

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The `resolver=` and `trust_anchor=` fields of `relay.start`: where DNS answers come from and
/// which DNSSEC trust anchor validates them, as `[dns]` set them up (ResolverSetup).
enum ResolverSummary {
    /// `recursive` (from the root), `forwarders IP@PORT,…` or `resolv.conf`, then any stub zones:
    /// `"forwarders 127.0.0.1@53; stub home.arpa.=192.168.1.2@53"`.
    static func mode(_ dns: DNSSettings) -> String {
        var parts: [String]
        if dns.useResolvConf {
            parts = ["resolv.conf"]
        } else if !dns.forwarders.isEmpty {
            parts = ["forwarders " + dns.forwarders.map(\.description).joined(separator: ",")]
        } else {
            parts = ["recursive"]
        }
        for stub in dns.stubZones {
            parts.append("stub \(stub.zone)=" + stub.servers.map(\.description).joined(separator: ","))
        }
        return parts.joined(separator: "; ")
    }

    /// The anchor file the resolver reads: the copy in the state directory that RFC 5011 keeps
    /// current, or the configured seed when that copy could not be made (the rule of ResolverSetup).
    static func trustAnchor(_ config: RelayConfiguration) -> String {
        let kept = config.relay.stateDirectory + "/root.key"
        return access(kept, R_OK | W_OK) == 0 ? kept : config.dns.trustAnchor
    }
}
