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
    /// Slabs per cache: more slabs only help many threads, and each costs a hash table.
    public var cacheSlabs: Int?
    public var infrastructureHosts: Int?
    /// Largest DNS message handled; each buffer of this size is allocated up front.
    public var messageBufferBytes: Int?
    /// Simultaneous TCP queries; each holds a message buffer.
    public var outgoingTCPConnections: Int?
    /// UDP ports kept for outgoing queries.
    public var outgoingPorts: Int?
    public var queriesAtOnce: Int?

    public init(
        messageCacheBytes: Int? = nil, rrsetCacheBytes: Int? = nil, keyCacheBytes: Int? = nil,
        negativeCacheBytes: Int? = nil, cacheSlabs: Int? = nil, infrastructureHosts: Int? = nil,
        messageBufferBytes: Int? = nil, outgoingTCPConnections: Int? = nil, outgoingPorts: Int? = nil,
        queriesAtOnce: Int? = nil
    ) {
        self.messageCacheBytes = messageCacheBytes
        self.rrsetCacheBytes = rrsetCacheBytes
        self.keyCacheBytes = keyCacheBytes
        self.negativeCacheBytes = negativeCacheBytes
        self.cacheSlabs = cacheSlabs
        self.infrastructureHosts = infrastructureHosts
        self.messageBufferBytes = messageBufferBytes
        self.outgoingTCPConnections = outgoingTCPConnections
        self.outgoingPorts = outgoingPorts
        self.queriesAtOnce = queriesAtOnce
    }

    /// libunbound as shipped (about 1.5 MB of private memory once the first query ran).
    public static var libunboundDefaults: ResolverLimits { ResolverLimits() }

    /// Sized for a relay talking to a few dozen domains on a 512 MB board.
    public static var smallBoard: ResolverLimits {
        ResolverLimits(
            messageCacheBytes: 256 * 1024, rrsetCacheBytes: 512 * 1024, keyCacheBytes: 128 * 1024,
            negativeCacheBytes: 64 * 1024, cacheSlabs: 1, infrastructureHosts: 200, messageBufferBytes: 65552,
            outgoingTCPConnections: 2, outgoingPorts: 64, queriesAtOnce: 64)
    }

    /// (option, value) pairs for `ub_ctx_set_option`; libunbound wants the trailing colon.
    var unboundOptions: [(String, String)] {
        var options: [(String, String)] = []
        func add(_ name: String, _ value: Int?) {
            if let value { options.append((name, String(value))) }
        }
        add("msg-cache-size:", messageCacheBytes)
        add("rrset-cache-size:", rrsetCacheBytes)
        add("key-cache-size:", keyCacheBytes)
        add("neg-cache-size:", negativeCacheBytes)
        for slabs in ["msg-cache-slabs:", "rrset-cache-slabs:", "key-cache-slabs:", "infra-cache-slabs:"] {
            add(slabs, cacheSlabs)
        }
        for slabs in ["ratelimit-slabs:", "ip-ratelimit-slabs:"] { add(slabs, cacheSlabs) }
        add("infra-cache-numhosts:", infrastructureHosts)
        add("msg-buffer-size:", messageBufferBytes)
        add("outgoing-num-tcp:", outgoingTCPConnections)
        add("outgoing-range:", outgoingPorts)
        add("num-queries-per-thread:", queriesAtOnce)
        return options
    }
}
