// relay-load: a first throughput figure for xmpp-relay. Opens N s2s links (STARTTLS, TLS, SASL
// EXTERNAL) to a relay it starts itself on loopback, sends message stanzas through it to a XEP-0114
// sink component (or, with --sink home, a home server over pinned TLS) and prints stanzas/s, the
// relay's CPU per stanza and its memory per link.
// It is a program that prints figures, not a test. See docs/load.md.
import EventLoop
import TLS

#if canImport(Glibc)
    import Glibc
#endif

signal(SIGPIPE, SIG_IGN)

func kb(_ value: Int) -> String { "\(value) KB" }
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return digits == 0 ? String(Int(rounded)) : String(rounded)
}

func printBacklog(_ backlog: ProcessStats, _ figures: LoadRun.Figures, _ options: LoadOptions) {
    let held = backlog.rssAnonKB - figures.linksIdle.rssAnonKB
    print(
        "backlog queued:           \(options.messages) stanzas in \(fixed(figures.sendSeconds, 3)) s"
            + " (\(options.streamManagement ? "all acknowledged by the relay" : "all written; no XEP-0198"))")
    print(
        "relay RssAnon, backlog:   \(kb(backlog.rssAnonKB)) (+\(kb(held)) over the idle links ="
            + " \(fixed(Double(held) * 1024 / Double(options.messages), 1)) bytes per queued stanza),"
            + " VmRSS \(kb(backlog.rssKB))")
    print(
        "backlog delivered:        in \(fixed(figures.drainSeconds, 3)) s"
            + " (\(fixed(Double(options.messages) / figures.drainSeconds, 0)) stanzas/s)")
    print("relay VmRSS / RssAnon end: \(kb(figures.atEnd.rssKB)) / \(kb(figures.atEnd.rssAnonKB))")
}

/// `text` padded to the column the figures start in (`relay CPU (send phase):   `).
func label(_ text: String) -> String { text + String(repeating: " ", count: max(1, 26 - text.count)) }

func printLatency(_ figures: LoadRun.Figures, _ options: LoadOptions) {
    let sample = Percentiles(figures.latencies)
    func ms(_ percent: Double) -> String { sample.value(percent).map { fixed(Double($0) / 1e6, 3) } ?? "-" }
    print(
        "latency send→sink:        p50 \(ms(50)) ms, p99 \(ms(99)) ms, max \(ms(100)) ms"
            + " (\(sample.count) stanzas at \(options.rate ?? 0)/s, one per TLS write)")
}

func printThroughput(_ figures: LoadRun.Figures, _ options: LoadOptions, _ homeSink: HomeSink?) {
    let name = options.server.rawValue
    let stanzas = Double(options.messages)
    let relayCPU = figures.atEnd.cpuSeconds - figures.linksIdle.cpuSeconds
    let perLink = Double(figures.linksIdle.rssAnonKB - figures.beforeLinks.rssAnonKB) / Double(options.links)
    if let homeSink {
        print(
            "links established:        \(options.links) peer links and \(homeSink.authenticatedStreams) home links"
                + " (after one warm-up stanza per link) in \(fixed(figures.setupSeconds, 3)) s")
    } else {
        print("links established:        \(options.links) in \(fixed(figures.setupSeconds, 3)) s")
    }
    print("stanzas relayed:          \(options.messages) in \(fixed(figures.sendSeconds, 3)) s wall")
    print("throughput:               \(fixed(stanzas / figures.sendSeconds, 0)) stanzas/s")
    print(
        label("\(name) CPU (send phase):") + "\(fixed(relayCPU, 2)) s = \(fixed(relayCPU / stanzas * 1e6, 1)) µs/stanza"
            + " (\(fixed(relayCPU / figures.sendSeconds * 100, 0))% of one core)")
    print(
        "load CPU (send phase):    \(fixed(figures.ownCPUSeconds, 2)) s = \(fixed(figures.ownCPUSeconds / stanzas * 1e6, 1)) µs/stanza"
            + " (\(fixed(figures.ownCPUSeconds / figures.sendSeconds * 100, 0))% of one core)")
    print(
        label("\(name) VmRSS / RssAnon:")
            + "before links \(kb(figures.beforeLinks.rssKB)) / \(kb(figures.beforeLinks.rssAnonKB)),"
            + " links idle \(kb(figures.linksIdle.rssKB)) / \(kb(figures.linksIdle.rssAnonKB)),"
            + " end \(kb(figures.atEnd.rssKB)) / \(kb(figures.atEnd.rssAnonKB))")
    // With a home sink each peer link has its home link: the figure is per pair.
    let pairNote = homeSink == nil ? "" : " (a peer link and its home link)"
    print("RssAnon per link (idle):  \(fixed(perLink, 1)) KB\(pairNote)")
    print(
        "RssAnon per link (end):   \(fixed(Double(figures.atEnd.rssAnonKB - figures.beforeLinks.rssAnonKB) / Double(options.links), 1)) KB\(pairNote)"
    )
}

/// `relay-load crash …`: the durable queue's crash test (CrashRun).
func crashTest(_ arguments: [String]) throws(LoadError) {
    let options = try CrashOptions.parse(arguments)
    var load = LoadOptions()
    load.relay = options.relay
    let binary = load.relayBinary()
    guard access(binary, X_OK) == 0 else { throw LoadError("no relay at \(binary): pass --relay PATH") }
    print(
        "relay-load crash: \(options.rounds) SIGKILLs, \(options.links) peers with XEP-0198, \(options.batch) stanzas"
            + " per peer every \(options.intervalMilliseconds) ms, lives of \(options.minLifeMilliseconds)-"
            + "\(options.maxLifeMilliseconds) ms; relay \(binary)")
    let bed = try TestBed(links: options.links)
    defer { if !options.keep { bed.remove(extraLogs: options.rounds + 1) } }
    let figures = try CrashRun(options: options, bed: bed, binary: binary, loop: Loop()).run()
    let duplicates = figures.deliveredTotal - figures.deliveredUnique
    print(
        "relay lives:              \(figures.kills) ended by SIGKILL, 1 stopped; sink down in \(figures.sinkDownRounds)"
    )
    print("stanzas sent:             \(figures.sent) (each resent until acknowledged)")
    print("acknowledged by the relay: \(figures.acknowledged)")
    print("delivered:                \(figures.deliveredUnique) distinct, \(duplicates) duplicates")
    if figures.drainTimedOut {
        print("the last round ended at --drain-seconds \(options.drainSeconds) with stanzas still on the way")
    }
    print(
        "lost:                     \(figures.lost.count)\(figures.lost.isEmpty ? "" : " e.g. " + figures.lost.prefix(5).joined(separator: ", "))"
    )
    if options.keep {
        print("kept: \(bed.directory)")
        if !figures.lost.isEmpty { print("all lost: \(figures.lost.joined(separator: " "))") }
    }
    guard figures.lost.isEmpty else { throw LoadError("\(figures.lost.count) acknowledged stanzas were lost") }
}

do throws(LoadError) {
    if CommandLine.arguments.dropFirst().first == "crash" {
        try crashTest(Array(CommandLine.arguments.dropFirst(2)))
        exit(0)
    }
    let options = try LoadOptions.parse(Array(CommandLine.arguments.dropFirst()))
    let binary = options.server == .prosody ? options.prosody : options.relayBinary()
    guard access(binary, X_OK) == 0 else {
        throw LoadError(
            "no \(options.server.rawValue) at \(binary): build it (swift build -c release) or pass --relay PATH")
    }
    print(
        "relay-load: \(options.links) links, \(options.messages) stanzas (\(options.messages / options.links) per link),"
            + " window \(options.window), batch \(options.batch), body \(options.bodyBytes) B,"
            + " XEP-0198 \(options.streamManagement ? "on" : "off"), relay log level \(options.logLevel),"
            + " max_fragment_length \(options.maxFragmentLength.map { String(256 << $0.rawValue) } ?? "none"),"
            + " sink \(options.sinkDescription)")
    if options.server == .prosody {
        print("prosody: \(binary) as user prosody (network_settings.nagle = \(options.nagle))")
    } else {
        print("relay: \(binary) (TLS variable buffer length: \(TLSLibrary.hasVariableBufferLength ? "yes" : "no"))")
    }
    let keysStart = monotonicSeconds()
    let loop = Loop()
    let homeSink = options.sink == .home ? try HomeSink(loop: loop) : nil
    let profile = options.profilePath.map { readText($0) }
    if let path = options.profilePath, profile?.isEmpty != false { throw LoadError("cannot read the profile \(path)") }
    let bed = try TestBed(
        links: options.links, home: homeSink.map { .init(port: $0.port, pin: $0.pin) }, profile: profile)
    if options.homeVerify { homeSink?.verifyPort = bed.homeListenerPort }
    print(
        "keys and config for \(options.links) peers: \(fixed(monotonicSeconds() - keysStart, 2)) s (\(bed.directory))")
    let prosody = options.server == .prosody ? try ProsodyBed(bed: bed, nagle: options.nagle) : nil
    let relay: RelayChild
    if let prosody {
        relay = try RelayChild(
            arguments: prosody.arguments(launcher: binary), logPath: prosody.logPath, stderrPath: prosody.stderrPath)
    } else {
        relay = try RelayChild(
            binary: binary, config: bed.configPath, logPath: bed.directory + "/relay.log", logLevel: options.logLevel)
    }
    defer {
        // Under callgrind Prosody writes its profile on the way out: give it time.
        relay.stop(seconds: prosody == nil ? 10 : 120)
        if !options.keep {
            if prosody != nil { ProsodyBed.remove(bed.directory) }
            bed.remove()
        }
    }
    if let prosody {
        guard relay.waitForLog("Activated service 'component'", seconds: 180),
            relay.waitForLog("Activated service 's2s'", seconds: 60)
        else {
            throw LoadError("Prosody did not start:\n\(relay.log)\n\(readText(prosody.stderrPath))")
        }
    } else {
        guard relay.waitForLog("event=relay.start") else {
            throw LoadError("the relay did not start:\n\(relay.log)")
        }
    }
    let figures: LoadRun.Figures
    do throws(LoadError) {
        figures = try LoadRun(options: options, bed: bed, relay: relay, loop: loop, homeSink: homeSink).run()
    } catch {
        let log = relay.log.split(separator: "\n").suffix(20).joined(separator: "\n")
        throw LoadError("\(error.description)\nlast relay log lines:\n\(log)")
    }
    if let backlog = figures.backlog {
        printBacklog(backlog, figures, options)
    } else {
        printThroughput(figures, options, homeSink)
    }
    if options.rate != nil { printLatency(figures, options) }
    if prosody != nil {
        let auth = ProsodyBed.authentications(in: relay.log)
        print(
            "prosody s2s auth:         \(auth.external) links by SASL EXTERNAL (certificate), \(auth.dialback) log lines on dialback"
        )
        guard auth.external == options.links, auth.dialback == 0 else {
            throw LoadError("Prosody did not authenticate every link by its certificate:\n\(relay.log)")
        }
    }
} catch {
    let text = Array("relay-load: \(error.description)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}
