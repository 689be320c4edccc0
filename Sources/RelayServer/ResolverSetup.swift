import DNS
import EventLoop
import RelayConfig

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Maps `[dns]` onto the validating resolver and brings it up on the relay's loop.
/// The configured trust anchor is a seed: it is copied once into the state directory, where
/// libunbound keeps it current with RFC 5011 (the seed file under /usr/share stays read-only).
enum ResolverSetup {
    static func configuration(_ config: RelayConfiguration, anchorFile: String) -> ResolverConfiguration {
        var limits = ResolverLimits.smallBoard
        // [dns] cache_size bounds the two caches that grow with use: messages and record sets.
        limits.messageCacheBytes = config.dns.cacheSize / 3
        limits.rrsetCacheBytes = config.dns.cacheSize - config.dns.cacheSize / 3
        return ResolverConfiguration(
            trustAnchorFile: anchorFile, trustAnchorAutoUpdate: anchorFile != config.dns.trustAnchor,
            forwarders: config.dns.forwarders.map(\.description),
            stubZones: config.dns.stubZones.map { StubZone(zone: $0.zone, servers: $0.servers.map(\.description)) },
            resolvConfFile: config.dns.useResolvConf ? "/etc/resolv.conf" : nil, limits: limits)
    }

    /// Checks the seed, copies it into the state directory if it is not there yet, and starts the resolver.
    static func start(loop: Loop, config: RelayConfiguration) throws(StartFailure) -> Resolver {
        let seed = ResolverConfiguration(trustAnchorFile: config.dns.trustAnchor)
        do {
            try seed.checkDNSSECCanBeValidated()
        } catch {
            throw StartFailure("\(error)")
        }
        let kept = config.relay.stateDirectory + "/root.key"
        let anchor = copyIfMissing(from: config.dns.trustAnchor, to: kept) ? kept : config.dns.trustAnchor
        do {
            return try Resolver(loop: loop, configuration: configuration(config, anchorFile: anchor))
        } catch {
            throw StartFailure("cannot start the DNSSEC resolver: \(error)")
        }
    }

    /// True when `target` exists afterwards (copied now or earlier). A failed copy falls back to
    /// the read-only seed, which still validates; only RFC 5011 updates are lost.
    private static func copyIfMissing(from source: String, to target: String) -> Bool {
        if access(target, R_OK | W_OK) == 0 { return true }
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return false }
        defer { close(input) }
        let temporary = target + ".new"
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        var ok = true
        while ok {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                ok = false
                break
            }
            ok = buffer.withUnsafeBytes { write(output, $0.baseAddress, count) } == count
        }
        ok = fsync(output) == 0 && ok
        close(output)
        guard ok, rename(temporary, target) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }
}
