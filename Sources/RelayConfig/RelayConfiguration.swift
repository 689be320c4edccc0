import RelayLog
import Trust

/// Everything the relay is configured with, defaults filled in. Built by `ConfigLoader` from a file, or
/// `RelayConfiguration.embeddedDefault()` when there is none. `Config/xmpp-relay.toml` documents each key.
public struct RelayConfiguration: Equatable, Sendable {
    public var relay = RelaySettings()
    public var log = LogSettings()
    public var tls = TLSSettings()
    public var dns = DNSSettings()
    public var listen = ListenSettings()
    public var homes: [HomeDomain] = []
    public var components: [ComponentDomain] = []
    public var peers: [PeerDomain] = []
    public var policy = PolicySettings()
    public var queue = QueueSettings()
    public var limits = LimitSettings()
    /// Where this configuration came from: the file path, or `(embedded default)`.
    public var source: String
    /// Files the configuration names, with the line that names them, for `checkFiles()`.
    public var referencedFiles: [ReferencedFile] = []
    /// Valid but risky or not-yet-effective settings found while decoding, with their lines.
    public var warnings: [ConfigWarning] = []

    /// Defaults for every key a file leaves out (the file's listeners face the network).
    public init(source: String) {
        self.source = source
    }

    /// Home and component domains: the domains this relay serves.
    public var localDomains: [String] { homes.map(\.domain) + components.map(\.domain) }
}

/// `[relay]`
public struct RelaySettings: Equatable, Sendable {
    /// Where the queue and DNSSEC trust-anchor state live; created at start if missing.
    public var stateDirectory = "/var/lib/xmpp-relay"
    /// The relay refuses to run as root unless this is true.
    public var allowRoot = false
}

/// `[log]`
public struct LogSettings: Equatable, Sendable {
    public var level = LogLevel.info
    /// How often an `event=stats` line is logged; zero turns it off.
    public var statsInterval = Duration.seconds(600)
}

/// `[tls]`
public struct TLSSettings: Equatable, Sendable {
    /// Certificate chain (PEM) presented for every served domain without its own certificate.
    public var certificate: String?
    /// Private key (PEM) of `certificate`; must be readable by the relay's user only.
    public var key: String?
    /// CA bundle for PKIX verification of remote servers.
    public var caFile = "/etc/ssl/certs/ca-certificates.crt"
    /// `[[tls.domain]]`: certificates for single domains, chosen by SNI.
    public var domainCertificates: [DomainCertificate] = []
}

/// `[[tls.domain]]`
public struct DomainCertificate: Equatable, Sendable {
    public var domain: String
    public var certificate: String
    public var key: String
}

/// `[dns]`
public struct DNSSettings: Equatable, Sendable {
    /// Root trust anchor seed; kept current with RFC 5011 in the state directory.
    public var trustAnchor = "/usr/share/dns/root.key"
    /// Resolvers to forward to; empty (the default) means full recursion from the root.
    public var forwarders: [DNSForwarder] = []
    /// Forward to the resolvers in /etc/resolv.conf instead.
    public var useResolvConf = false
    /// Zones asked of given servers instead (a local authoritative server); special-use zones such
    /// as `test.` or `home.arpa.` resolve only this way.
    public var stubZones: [DNSStubZone] = []
    /// Bytes of DNS cache (messages and records together).
    public var cacheSize = 512 * 1024
    /// How long finding one remote domain's servers may take, all lookups together; then its
    /// stanzas bounce with remote-server-timeout (wait).
    public var timeout = Duration.seconds(10)
}

/// One `[dns] stub_zones` entry, written `ZONE=IP[@PORT][,IP[@PORT]...]`.
public struct DNSStubZone: Equatable, Sendable {
    /// Absolute, lowercase: "home.arpa.".
    public var zone: String
    public var servers: [DNSForwarder]

    public init(zone: String, servers: [DNSForwarder]) {
        self.zone = zone
        self.servers = servers
    }
}

/// `[listen]`: where the relay accepts connections; an empty list turns a listener off.
public struct ListenSettings: Equatable, Sendable {
    /// Public s2s with STARTTLS (RFC 6120).
    public var s2s = [ListenAddress(host: "::", port: 5269)]
    /// Public s2s with direct TLS (XEP-0368).
    public var s2sDirectTLS = [ListenAddress(host: "::", port: 5270)]
    /// Where home servers connect.
    public var home = [ListenAddress(host: "127.0.0.1", port: 5289)]
    /// Where XEP-0114 components connect.
    public var component = [ListenAddress(host: "127.0.0.1", port: 5347)]
}

/// `[[home]]`: a home XMPP server's domain, reached over an s2s link to `server`.
public struct HomeDomain: Equatable, Sendable {
    public var domain: String
    public var server: ServerAddress
    /// The home server's certificate pins; the only way its TLS is accepted.
    public var pins: [TLSARecord]
    /// Plaintext to `server` (which must be a loopback address) instead of pinned TLS.
    public var plaintextLoopback: Bool

    public init(domain: String, server: ServerAddress, pins: [TLSARecord], plaintextLoopback: Bool) {
        self.domain = domain
        self.server = server
        self.pins = pins
        self.plaintextLoopback = plaintextLoopback
    }
}

/// `[[component]]`: an XEP-0114 component.
public struct ComponentDomain: Equatable, Sendable {
    public enum Secret: Equatable, Sendable {
        /// Written in the configuration file itself.
        case inline(String)
        /// Read from this file at start (first line, without the line end).
        case file(String)
    }

    public var domain: String
    public var secret: Secret
}

/// `[[peer]]`: settings for one remote domain.
public struct PeerDomain: Equatable, Sendable {
    public var domain: String
    /// When set, the peer is accepted by these pins only (no DANE, no PKIX, no dialback).
    public var pins: [TLSARecord]
    /// Accept dialback for this peer (only without pins).
    public var allowDialback: Bool
    /// Connect here instead of looking up SRV records.
    public var server: ServerAddress?
}

/// `[policy]`
public struct PolicySettings: Equatable, Sendable {
    public enum Requirement: String, Equatable, Sendable {
        /// DANE, a pin, or PKIX (CA + name check).
        case verified
        /// DANE or a pin; a CA-signed certificate alone is not enough.
        case dane
    }

    public enum Dialback: Equatable, Sendable {
        case none
        case domains([String])
        case all
    }

    public var require = Requirement.verified
    public var allowDialback = Dialback.none

    /// Whether dialback may authenticate `domain` (policy list or the peer's own `allow_dialback`).
    public func dialbackAllowed(for domain: String, peers: [PeerDomain]) -> Bool {
        if let peer = peers.first(where: { $0.domain == domain }) {
            if !peer.pins.isEmpty { return false }
            if peer.allowDialback { return true }
        }
        switch allowDialback {
        case .none: return false
        case .all: return true
        case .domains(let domains): return domains.contains(domain)
        }
    }
}

/// `[queue]`
public struct QueueSettings: Equatable, Sendable {
    /// How long a stanza sent on a live link may wait for the next hop's acknowledgement before it
    /// is stored (and custody confirmed upstream from the disk).
    public var hold = Duration.milliseconds(500)
    /// How long a message waits for its next hop before it bounces.
    public var maxAge = Duration.seconds(3 * 86400)
    /// How long an iq waits before it bounces.
    public var iqHold = Duration.seconds(60)
    /// The longest pause between two delivery attempts (`retry_max` is its deprecated name).
    public var maxBackoff = Duration.seconds(15 * 60)
    /// Bytes the whole queue may hold; beyond, new stanzas are refused with resource-constraint.
    public var maxBytes = 64 * 1024 * 1024
    /// Bytes queued for one destination domain.
    public var maxBytesPerDomain = 16 * 1024 * 1024
}

/// `[limits]`
public struct LimitSettings: Equatable, Sendable {
    public var maxStanzaBytes = 262_144
    public var maxDepth = 32
    public var maxAttributes = 64
    public var connectionsPerIP = 32
    public var maxLinks = 256
    public var handshakeTimeout = Duration.seconds(30)
    /// Unsent output one link may hold before the relay stops reading from it (resumed at a quarter).
    public var linkOutputBytes = 512 * 1024
    /// Unsent output all links together may hold before the relay stops reading from every link.
    public var maxOutputBytes = 32 * 1024 * 1024
    /// How long a link may stay over `linkOutputBytes` before it is closed with a stream error.
    public var writeStall = Duration.seconds(60)
}

/// A file named in the configuration, remembered with its line so checks can say where it came from.
public struct ReferencedFile: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// Must exist and be readable (certificates, CA bundle, trust anchor).
        case readable
        /// Must be readable and accessible by its owner only (keys, secrets).
        case `private`
        /// A directory the relay creates if missing; if it exists it must be a directory.
        case directory
    }

    /// The key as written, e.g. `tls.key`, `component.secret_file`.
    public var key: String
    public var path: String
    /// The line that sets it; 0 for defaults nobody wrote.
    public var line: Int
    public var kind: Kind
}
