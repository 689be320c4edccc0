/// How the relay's in-process validating resolver is set up. The config module maps `[dns]` onto it.
public struct ResolverConfiguration: Hashable, Sendable {
    /// Debian's dns-root-data package puts the root key here.
    public static var defaultTrustAnchorFile: String { "/usr/share/dns/root.key" }

    /// DS or DNSKEY records in zone-file format. Nil: no validation, every answer is insecure.
    public var trustAnchorFile: String?
    /// Keep the anchor current with RFC 5011; the file must then be writable (put it in state_dir).
    public var trustAnchorAutoUpdate: Bool
    /// Upstream resolvers, "IP" or "IP@PORT". Empty (and no resolv.conf): full recursion from the root.
    public var forwarders: [String]
    /// Zones sent to given servers instead of being looked up from the root.
    public var stubZones: [StubZone]
    /// Forward to the nameservers listed in this resolv.conf (nil: don't).
    public var resolvConfFile: String?
    public var limits: ResolverLimits

    public init(
        trustAnchorFile: String? = ResolverConfiguration.defaultTrustAnchorFile, trustAnchorAutoUpdate: Bool = false,
        forwarders: [String] = [], stubZones: [StubZone] = [], resolvConfFile: String? = nil,
        limits: ResolverLimits = .smallBoard
    ) {
        self.trustAnchorFile = trustAnchorFile
        self.trustAnchorAutoUpdate = trustAnchorAutoUpdate
        self.forwarders = forwarders
        self.stubZones = stubZones
        self.resolvConfFile = resolvConfFile
        self.limits = limits
    }
}

/// A zone answered by specific servers ("IP" or "IP@PORT"), e.g. a local authoritative server.
public struct StubZone: Hashable, Sendable {
    public var zone: String
    public var servers: [String]

    public init(zone: String, servers: [String]) {
        self.zone = zone
        self.servers = servers
    }
}

/// Bounds on libunbound's caches and buffers. Nil leaves libunbound's default.
public struct ResolverLimits: Hashable, Sendable {
    public var messageCacheBytes: Int?
    public var rrsetCacheBytes: Int?
    public var keyCacheBytes: Int?
    public var negativeCacheBytes: Int?
    /// Slabs per cache: more slabs only help many threads (libunbound already uses 1).
    public var cacheSlabs: Int?
    public var infrastructureHosts: Int?
    /// Largest DNS message handled; each buffer of this size is allocated up front.
    public var messageBufferBytes: Int?
    /// Simultaneous TCP queries; each holds a message buffer.
    public var outgoingTCPConnections: Int?
    /// UDP sockets open at once for outgoing queries.
    public var outgoingSockets: Int?
    /// Source ports to pick from at random. libunbound keeps several arrays of every usable port
    /// (about 240 KB each for the full range); 4096 ports still give 12 bits against spoofing.
    public var outgoingPortRange: ClosedRange<Int>?
    /// Queries in progress at once; beyond it libunbound drops the oldest. Costs nothing idle.
    public var queriesAtOnce: Int?
    /// libunbound answers the AS112 zones (about a hundred reverse zones of RFC 1918 and other
    /// private ranges) itself, each a small zone built at start-up: about 150 KB together. The
    /// relay never asks for PTR records, so false drops them (unblock-lan-zones). Nil keeps them.
    public var privateReverseZonesBuiltIn: Bool?

    public init(
        messageCacheBytes: Int? = nil, rrsetCacheBytes: Int? = nil, keyCacheBytes: Int? = nil,
        negativeCacheBytes: Int? = nil, cacheSlabs: Int? = nil, infrastructureHosts: Int? = nil,
        messageBufferBytes: Int? = nil, outgoingTCPConnections: Int? = nil, outgoingSockets: Int? = nil,
        outgoingPortRange: ClosedRange<Int>? = nil, queriesAtOnce: Int? = nil,
        privateReverseZonesBuiltIn: Bool? = nil
    ) {
        self.messageCacheBytes = messageCacheBytes
        self.rrsetCacheBytes = rrsetCacheBytes
        self.keyCacheBytes = keyCacheBytes
        self.negativeCacheBytes = negativeCacheBytes
        self.cacheSlabs = cacheSlabs
        self.infrastructureHosts = infrastructureHosts
        self.messageBufferBytes = messageBufferBytes
        self.outgoingTCPConnections = outgoingTCPConnections
        self.outgoingSockets = outgoingSockets
        self.outgoingPortRange = outgoingPortRange
        self.queriesAtOnce = queriesAtOnce
        self.privateReverseZonesBuiltIn = privateReverseZonesBuiltIn
    }

    /// libunbound as shipped: about 1.6 MB of private memory once the first query ran with
    /// libunbound 1.17 (Debian 12), 2.3 MB with 1.26 built against OpenSSL (Debian 13).
    public static var libunboundDefaults: ResolverLimits { ResolverLimits() }

    /// Sized for a relay talking to a few dozen domains on a 512 MB board. 16 KB messages are
    /// plenty for SRV, TLSA, addresses and DNSKEY sets (larger ones would SERVFAIL); the buffers
    /// are allocated up front but stay untouched, so their size barely shows in RSS.
    /// 16 UDP sockets: a connection plan needs at most a handful of queries at once; further
    /// ones wait for a socket (each socket costs about 0.7 KB of private memory).
    ///
    /// What stays (measured, see ResolverFootprintTests): 100 preallocated 16 KB query regions
    /// (one touched page each, about 400 KB), the 256 KB table of all 65,536 ports, the caches'
    /// hash bins, and — where libunbound is built with OpenSSL, as on Debian 13 — about 530 KB
    /// for the DNS-over-TLS SSL_CTX that libunbound creates for every worker whether or not
    /// TLS upstreams are used. No option turns these off.
    public static var smallBoard: ResolverLimits {
        ResolverLimits(
            messageCacheBytes: 256 * 1024, rrsetCacheBytes: 512 * 1024, keyCacheBytes: 128 * 1024,
            negativeCacheBytes: 64 * 1024, cacheSlabs: 1, infrastructureHosts: 200, messageBufferBytes: 16384,
            outgoingTCPConnections: 2, outgoingSockets: 16, outgoingPortRange: 49152...53247, queriesAtOnce: 256,
            privateReverseZonesBuiltIn: false)
    }

    /// (option, value) pairs for `ub_ctx_set_option`; libunbound wants the trailing colon.
    /// Every option here exists in libunbound 1.17 through 1.26, so the resolver treats any
    /// rejected option as a configuration error (none is version-specific).
    var unboundOptions: [(String, String)] {
        var options: [(String, String)] = []
        func add(_ name: String, _ value: Int?) {
            if let value { options.append((name, String(value))) }
        }
        add("msg-cache-size:", messageCacheBytes)
        add("rrset-cache-size:", rrsetCacheBytes)
        add("key-cache-size:", keyCacheBytes)
        add("neg-cache-size:", negativeCacheBytes)
        let slabOptions = [
            "msg-cache-slabs:", "rrset-cache-slabs:", "key-cache-slabs:", "infra-cache-slabs:", "ratelimit-slabs:",
            "ip-ratelimit-slabs:",
        ]
        for name in slabOptions { add(name, cacheSlabs) }
        add("infra-cache-numhosts:", infrastructureHosts)
        add("msg-buffer-size:", messageBufferBytes)
        add("outgoing-num-tcp:", outgoingTCPConnections)
        add("outgoing-range:", outgoingSockets)
        if let range = outgoingPortRange {
            options.append(("outgoing-port-avoid:", "0-65535"))
            options.append(("outgoing-port-permit:", "\(range.lowerBound)-\(range.upperBound)"))
        }
        add("num-queries-per-thread:", queriesAtOnce)
        if let builtIn = privateReverseZonesBuiltIn {
            options.append(("unblock-lan-zones:", builtIn ? "no" : "yes"))
        }
        return options
    }
}
