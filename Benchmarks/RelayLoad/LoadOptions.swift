import TLS

#if canImport(Glibc)
    import Glibc
#endif

/// Command-line options of relay-load.
struct LoadOptions {
    /// What the relay delivers to.
    enum Sink: String {
        /// A XEP-0114 component on plain TCP: TLS in, plaintext out.
        case component
        /// A home server over a pinned TLS home link: TLS in, TLS out (the full s2s hop).
        case home
    }

    /// The server under test.
    enum Server: String {
        /// The release `xmpp-relay run`.
        case relay
        /// Debian's Prosody 0.12 with a config for the same load (ProsodyBed), for the side-by-side
        /// figures of Scripts/compare.
        case prosody
    }

    var links = 10
    var sink = Sink.component
    var server = Server.relay
    /// The Prosody launcher (`prosody` or a wrapper that runs it under callgrind).
    var prosody = "/usr/bin/prosody"
    /// Prosody's `network_settings.nagle` (true is what Prosody ships).
    var nagle = true
    /// Latency mode: stanzas at this steady rate per second, one per TLS write, each carrying its
    /// send time in its id; the sink prints percentiles of arrival minus send time.
    var rate: Int?
    /// With the home sink: check the relay's dialback keys through its home listener.
    var homeVerify = false
    /// Stanzas in the whole run (split evenly over the links).
    var messages = 20_000
    var relay: String?
    var streamManagement = false
    /// Stanzas sent but not yet counted at the sink, over all links.
    var window = 2_000
    /// Stanzas per TLS write.
    var batch = 10
    var bodyBytes = 100
    var logLevel = "info"
    var keep = false
    /// A board profile (Hardware/profiles/*.toml) laid over the run's config.
    var profilePath: String?
    /// Queue a backlog: the sink connects only once every stanza was sent (and, with XEP-0198,
    /// acknowledged by the relay), so the relay holds them all first.
    var sinkLate = false
    /// RFC 6066 max_fragment_length the peers ask for (512, 1024, 2048 or 4096), or nil.
    var maxFragmentLength: TLSConfiguration.MaxFragmentLength?

    static let usage = """
        usage: relay-load [--links N] [--messages M] [--relay PATH] [--sm on|off] [--window W] [--batch B]
                          [--body BYTES] [--mfl BYTES] [--sink component|home]
                          [--home-verify] [--log-level LEVEL] [--keep] [--profile FILE] [--sink-late]
                          [--rate R] [--server relay|prosody] [--prosody PATH] [--nagle on|off]

        Starts `xmpp-relay run` on loopback ports with N pinned peers and one component (the sink), opens
        N s2s links (STARTTLS, SASL EXTERNAL) and sends M message stanzas in total through the relay to
        the sink; prints stanzas/s, the relay's CPU per stanza and its memory per link. With --sink home
        the sink is a home server the relay reaches over pinned TLS (one home link per peer domain).

          --links N        s2s links, one peer domain each (default 10)
          --messages M     stanzas in total, split evenly over the links (default 20000)
          --relay PATH     the xmpp-relay binary (default: next to this program)
          --sm on|off      enable XEP-0198 on every link and request an ack after every batch (default off)
          --window W       most stanzas in flight (sent, not yet at the sink) over all links (default 2000)
          --batch B        stanzas per TLS record write (default 10)
          --body BYTES     body text per stanza (default 100)
          --mfl BYTES      peers ask for TLS max_fragment_length 512|1024|2048|4096 (default: none)
          --sink KIND      component: a XEP-0114 component on plain TCP (default); home: a [[home]] server
                           over a pinned TLS home link, so each stanza crosses a TLS-to-TLS hop
          --home-verify    with --sink home: check the relay's dialback key with db:verify through its
                           home listener, as a real home server does (default: the sink takes it as valid)
          --log-level L    the relay's log level (default info)
          --keep           keep the temporary directory (config, keys, relay.log)
          --profile FILE   lay a board profile's tables (Hardware/profiles/*.toml) over the relay's config
          --sink-late      the sink connects only after every stanza was sent (and acknowledged with
                           --sm on): the relay queues the whole run first, then delivers the backlog
          --rate R         latency: send the stanzas at a steady R per second, one per TLS write, each with
                           its send time in its id; prints p50/p99 of arrival at the sink minus send time
          --server S       relay (default) or prosody: Debian's Prosody 0.12 on the same load (STARTTLS,
                           SASL EXTERNAL with the peers' certificates in its cafile, a XEP-0114 component)
          --prosody PATH   the Prosody launcher, run as user prosody (default /usr/bin/prosody)
          --nagle on|off   with --server prosody: network_settings.nagle (default on, as Prosody ships)
        """

    static func parse(_ arguments: [String]) throws(LoadError) -> LoadOptions {
        var options = LoadOptions()
        var rest = ArgumentList(arguments, usage: usage)
        while let argument = rest.next() {
            switch argument {
            case "--links": options.links = try rest.number(argument)
            case "--messages": options.messages = try rest.number(argument)
            case "--relay": options.relay = try rest.value(argument)
            case "--window": options.window = try rest.number(argument)
            case "--batch": options.batch = try rest.number(argument)
            case "--body": options.bodyBytes = try rest.number(argument)
            case "--log-level": options.logLevel = try rest.value(argument)
            case "--keep": options.keep = true
            case "--profile": options.profilePath = try rest.value(argument)
            case "--sink-late": options.sinkLate = true
            case "--home-verify": options.homeVerify = true
            case "--rate": options.rate = try rest.number(argument)
            case "--prosody": options.prosody = try rest.value(argument)
            case "--server":
                let text = try rest.value(argument)
                guard let server = Server(rawValue: text) else { throw LoadError("--server wants relay or prosody") }
                options.server = server
            case "--nagle":
                let text = try rest.value(argument)
                guard text == "on" || text == "off" else { throw LoadError("--nagle wants on or off") }
                options.nagle = text == "on"
            case "--sink":
                let text = try rest.value(argument)
                guard let sink = Sink(rawValue: text) else { throw LoadError("--sink wants component or home") }
                options.sink = sink
            case "--mfl":
                let bytes = try rest.number(argument)
                let lengths: [Int: TLSConfiguration.MaxFragmentLength] = [
                    512: .bytes512, 1024: .bytes1024, 2048: .bytes2048, 4096: .bytes4096,
                ]
                guard let length = lengths[bytes] else { throw LoadError("--mfl wants 512, 1024, 2048 or 4096") }
                options.maxFragmentLength = length
            case "--sm":
                let text = rest.first == "on" || rest.first == "off" ? try rest.value(argument) : "on"
                options.streamManagement = text == "on"
            case "-h", "--help": throw LoadError(usage)
            default: throw LoadError("unknown option \(argument)\n\(usage)")
            }
        }
        if options.homeVerify && options.sink != .home { throw LoadError("--home-verify needs --sink home") }
        if options.sinkLate && options.sink != .component { throw LoadError("--sink-late needs the component sink") }
        if options.server == .prosody && (options.sink != .component || options.sinkLate || options.profilePath != nil)
        {
            throw LoadError(
                "--server prosody runs with the component sink only (no --sink home, --sink-late, --profile)")
        }
        if options.rate != nil && options.sinkLate { throw LoadError("--rate and --sink-late do not go together") }
        options.messages = max(options.messages / options.links, 1) * options.links
        options.batch = min(options.batch, options.window)
        return options
    }

    var sinkDescription: String {
        switch sink {
        case .component: "component (TLS in, plain TCP out)"
        case .home where homeVerify: "home server (TLS in, TLS out; dialback checked by db:verify)"
        case .home: "home server (TLS in, TLS out; dialback taken as valid)"
        }
    }

    /// The relay binary: --relay, else `xmpp-relay` in this program's directory.
    func relayBinary() -> String {
        if let relay { return relay }
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "xmpp-relay" }
        let path = String(decoding: buffer[0..<length].map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return "xmpp-relay" }
        return String(path[...slash]) + "xmpp-relay"
    }
}
