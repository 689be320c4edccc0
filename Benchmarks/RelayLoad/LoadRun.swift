import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

/// One benchmark run on one loop: connect the sink, open the links, send, wait for the sink to
/// count everything, and take the relay's CPU and memory at each step. With a home sink every link
/// first sends one warm-up stanza, so the relay's home links (one per peer domain, opened on the
/// first stanza) are up before the figures start.
final class LoadRun {
    struct Figures {
        var beforeLinks = ProcessStats(cpuSeconds: 0, rssKB: 0, rssAnonKB: 0)
        var linksIdle = ProcessStats(cpuSeconds: 0, rssKB: 0, rssAnonKB: 0)
        var atEnd = ProcessStats(cpuSeconds: 0, rssKB: 0, rssAnonKB: 0)
        var setupSeconds = 0.0
        var sendSeconds = 0.0
        var ownCPUSeconds = 0.0
        /// With `--sink-late`: the relay holding the whole run, and how long the sink took to get it.
        var backlog: ProcessStats?
        var drainSeconds = 0.0
        /// With `--rate`: arrival at the sink minus send time of every stanza, in ns.
        var latencies: [Int64] = []
    }

    private let options: LoadOptions
    private let bed: TestBed
    private let relay: RelayChild
    private let loop: Loop
    private let sink: StanzaSink
    /// Stanzas per link sent before the measured phase (not in `options.messages`).
    private let warmUp: Int
    private var warmedUp = false
    private var links: [PeerLink] = []
    private var established = 0
    private var failure: String?
    private(set) var figures = Figures()
    private var perLink: Int { options.messages / options.links }
    private var nextLink = 0
    private var sending = false
    private var done = false
    private var startWall = 0.0
    private var startOwnCPU = 0.0
    private var lastProgress = 0.0
    private var lastReceived = 0
    private var watchdog: Cancellable?
    private var settle: Cancellable?
    /// `--rate`: the timer that sends on schedule, and how many it sent.
    private var pacer: Cancellable?
    private var paced = 0
    private var component: SinkComponent?

    /// `homeSink`: the home server the bed's `[[home]]` points at (bound on `loop`); nil for the component.
    init(options: LoadOptions, bed: TestBed, relay: RelayChild, loop: Loop, homeSink: HomeSink?) {
        self.options = options
        self.bed = bed
        self.relay = relay
        self.loop = loop
        if let homeSink {
            sink = homeSink
        } else {
            let component = SinkComponent(loop: loop, port: bed.componentPort)
            component.recordsLatency = options.rate != nil
            self.component = component
            sink = component
        }
        warmUp = homeSink == nil ? 0 : 1
    }

    func run() throws(LoadError) -> Figures {
        sink.onFailure = { [unowned self] why in self.stop(failing: why) }
        sink.onReceived = { [unowned self] in self.pump() }
        if options.sinkLate {
            openLinks()
        } else {
            sink.onReady = { [unowned self] in self.openLinks() }
            sink.start()
        }
        lastProgress = monotonicSeconds()
        watchdog = loop.scheduleRepeating(every: .seconds(1)) { [unowned self] in self.checkProgress() }
        loop.run()
        watchdog = nil
        for link in links { link.close() }
        sink.close()
        loop.runOnce(blocking: false)
        if let failure { throw LoadError(failure) }
        return figures
    }

    private func stop(failing why: String?) {
        if failure == nil, let why { failure = why }
        loop.stop()
    }

    /// Fails the run when nothing moved for 30 s (a stuck link or a dead relay).
    private func checkProgress() {
        let now = monotonicSeconds()
        let progress = established + sink.received + acked + links.reduce(0) { $0 + $1.sent }
        if progress != lastReceived {
            lastReceived = progress
            lastProgress = now
        } else if now - lastProgress > 30 {
            stop(failing: "no progress for 30 s: \(established) links up, \(sink.received) stanzas at the sink")
        }
        if !relay.isRunning { stop(failing: "the relay exited") }
    }

    private func openLinks() {
        figures.beforeLinks = ProcessStats.of(relay.pid)
        startWall = monotonicSeconds()
        for peer in bed.peers {
            let link = PeerLink(
                loop: loop, port: bed.s2sPort, domain: peer.domain, identity: peer.identity,
                streamManagement: options.streamManagement, bodyBytes: options.bodyBytes,
                maxFragmentLength: options.maxFragmentLength)
            link.onFailure = { [unowned self] why in self.stop(failing: why) }
            link.onEstablished = { [unowned self] in self.linkEstablished() }
            link.onDrained = { [unowned self] in self.pump() }
            if options.sinkLate && options.streamManagement {
                link.onAcked = { [unowned self] h in
                    self.acked += h - (self.ackedPerLink[peer.domain] ?? 0)
                    self.ackedPerLink[peer.domain] = h
                    self.pump()
                }
            }
            links.append(link)
        }
    }

    private func linkEstablished() {
        established += 1
        guard established == links.count else { return }
        if warmUp > 0 {
            for link in links { link.sendBatch(warmUp) }
            totalSent += warmUp * links.count
            return
        }
        startMeasuring()
    }

    /// Starts the measured phase once the links (and with a home sink the home links) are up.
    private func startMeasuring() {
        warmedUp = true
        figures.setupSeconds = monotonicSeconds() - startWall
        // Let the relay finish its own bookkeeping for the last link before sampling memory.
        settle = loop.schedule(after: .milliseconds(500)) { [unowned self] in
            self.figures.linksIdle = ProcessStats.of(self.relay.pid)
            self.startOwnCPU = ownCPUSeconds()
            self.startWall = monotonicSeconds()
            self.sending = true
            if let rate = self.options.rate {
                self.pacer = self.loop.scheduleRepeating(every: .milliseconds(1)) { [unowned self] in self.pace(rate) }
            } else {
                self.pump()
            }
        }
    }

    /// `--rate`: sends what is due by now at `rate` per second since the start, one stanza per TLS
    /// write, round robin over the links, each id carrying the moment just before its write.
    private func pace(_ rate: Int) {
        let due = min(options.messages, Int((monotonicSeconds() - startWall) * Double(rate)) + 1)
        while paced < due {
            let link = links[nextLink]
            nextLink = (nextLink + 1) % links.count
            link.send(ids: [LatencyID.make(sequence: paced, sentAt: monotonicNanoseconds())])
            paced += 1
            totalSent += 1
        }
        if paced >= options.messages { pacer = nil }
    }

    /// Tops the window up, round robin over the links that have stanzas left and an empty socket
    /// buffer (a full one means the relay is not reading: it pushes back).
    private func pump() {
        if options.sinkLate { return pumpBacklog() }
        if !warmedUp, established == links.count, sink.received >= warmUp * links.count { return startMeasuring() }
        guard sending else { return }
        if sink.received >= options.messages + warmUp * links.count {
            guard !done else { return }
            done = true
            figures.sendSeconds = monotonicSeconds() - startWall
            figures.ownCPUSeconds = ownCPUSeconds() - startOwnCPU
            figures.atEnd = ProcessStats.of(relay.pid)
            figures.latencies = component?.latencies ?? []
            stop(failing: nil)
            return
        }
        if options.rate != nil { return }
        var skipped = 0
        while skipped < links.count {
            let inFlight = totalSent - sink.received
            guard inFlight < options.window else { return }
            let link = links[nextLink]
            nextLink = (nextLink + 1) % links.count
            let left = perLink + warmUp - link.sent
            if left <= 0 || link.pendingBytes > 0 {
                skipped += 1
                continue
            }
            skipped = 0
            let count = min(left, options.batch, options.window - inFlight)
            link.sendBatch(count)
            totalSent += count
        }
    }

    private var totalSent = 0
    private var acked = 0
    private var ackedPerLink: [String: Int] = [:]
    private var backlogDone = false
    private var quiet: Cancellable?

    /// `--sink-late`: send everything with only the sockets' backpressure, wait for the relay's
    /// acknowledgements (or, without XEP-0198, a quiet second), sample its memory with the whole run
    /// held, then connect the sink and time the delivery.
    private func pumpBacklog() {
        guard sending else { return }
        if backlogDone {
            guard !done, sink.received >= options.messages else { return }
            done = true
            figures.drainSeconds = monotonicSeconds() - startWall
            figures.atEnd = ProcessStats.of(relay.pid)
            stop(failing: nil)
            return
        }
        for link in links where link.pendingBytes == 0 {
            let left = perLink - link.sent
            if left > 0 { link.sendBatch(min(left, options.batch)) }
        }
        guard links.allSatisfy({ $0.sent >= perLink && $0.pendingBytes == 0 }) else { return }
        if options.streamManagement {
            guard acked >= options.messages else { return }
            backlogQueued()
        } else if quiet == nil {
            quiet = loop.schedule(after: .seconds(1)) { [unowned self] in self.backlogQueued() }
        }
    }

    private func backlogQueued() {
        guard !backlogDone else { return }
        backlogDone = true
        figures.sendSeconds = monotonicSeconds() - startWall
        figures.ownCPUSeconds = ownCPUSeconds() - startOwnCPU
        figures.backlog = ProcessStats.of(relay.pid)
        startWall = monotonicSeconds()
        sink.start()
    }
}
