import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

/// The crash test (issue 11): peers send with XEP-0198 through the relay to the sink component, which
/// is down in some rounds and up in others; the relay is killed with SIGKILL at a random moment of
/// each round and started again on the same state directory. A peer resends on its next stream every
/// stanza the relay had not acknowledged (at least once). In the last round the sink stays up until
/// every stanza is acknowledged and every acknowledged stanza has arrived. Lost = acknowledged but
/// never delivered; it must be 0. Duplicates (delivered twice) are allowed and counted.
final class CrashRun {
    struct Figures {
        var rounds = 0
        var kills = 0
        var sinkDownRounds = 0
        var sent = 0
        var acknowledged = 0
        var deliveredUnique = 0
        var deliveredTotal = 0
        var lost: [String] = []
        var neverAcknowledged = 0
        /// The last round ended at its deadline rather than with everything delivered.
        var drainTimedOut = false
    }

    /// One peer domain's account of its stanzas across the relay's lives.
    private final class Sender {
        let peer: TestBed.Peer
        var link: PeerLink?
        var nextNumber = 0
        /// Not acknowledged on any stream: sent first on the next one, in order.
        var pending: [String] = []
        /// Sent on the current stream, in order; `<a h/>` counts a prefix of it.
        var sentOnStream: [String] = []
        var ackedOnStream = 0
        var acknowledged: Set<String> = []
        var everSent: Set<String> = []

        init(peer: TestBed.Peer) { self.peer = peer }

        /// The stream ended: what it did not acknowledge goes first next time.
        func streamEnded() {
            pending = Array(sentOnStream[ackedOnStream...]) + pending
            sentOnStream = []
            ackedOnStream = 0
            link?.onFailure = nil
            link?.close()
            link = nil
        }
    }

    private let options: CrashOptions
    private let bed: TestBed
    private let binary: String
    private let loop: Loop
    private var random: SystemRandomNumberGenerator
    private var senders: [Sender]
    private var sink: SinkComponent?
    private var delivered: [String: Int] = [:]
    private var figures = Figures()
    private var timers: [Cancellable] = []
    private var failure: String?
    private var finalRound = false

    init(options: CrashOptions, bed: TestBed, binary: String, loop: Loop) {
        self.options = options
        self.bed = bed
        self.binary = binary
        self.loop = loop
        random = SystemRandomNumberGenerator()
        senders = bed.peers.map { Sender(peer: $0) }
    }

    func run() throws(LoadError) -> Figures {
        for round in 1...(options.rounds + 1) {
            finalRound = round == options.rounds + 1
            try playRound(round)
            if let failure { throw LoadError(failure) }
        }
        figures.rounds = options.rounds
        for sender in senders {
            figures.sent += sender.everSent.count
            figures.acknowledged += sender.acknowledged.count
            figures.neverAcknowledged += sender.everSent.subtracting(sender.acknowledged).count
            figures.lost += sender.acknowledged.filter { delivered[$0] == nil }.sorted()
        }
        figures.deliveredUnique = delivered.count
        figures.deliveredTotal = delivered.values.reduce(0, +)
        return figures
    }

    private func playRound(_ round: Int) throws(LoadError) {
        let relay = try RelayChild(
            binary: binary, config: bed.configPath, logPath: bed.directory + "/relay-\(round).log",
            logLevel: options.logLevel)
        guard relay.waitForLog("event=relay.start", seconds: 60) else {
            let log = relay.log.split(separator: "\n").suffix(20).joined(separator: "\n")
            relay.stop()
            throw LoadError("round \(round): the relay did not start:\n\(log)")
        }
        let sinkUp = finalRound || Bool.random(using: &random)
        if !sinkUp { figures.sinkDownRounds += 1 }
        if sinkUp {
            let delay = finalRound ? 0 : Int.random(in: 0...400, using: &random)
            timers.append(loop.schedule(after: .milliseconds(delay)) { [unowned self] in self.connectSink() })
        }
        for sender in senders { connect(sender) }
        if finalRound {
            timers.append(
                loop.scheduleRepeating(every: .milliseconds(50)) { [unowned self] in
                    if self.allDelivered() { self.loop.stop() }
                })
            timers.append(
                loop.schedule(after: .seconds(options.drainSeconds)) { [unowned self] in
                    // Not a failure by itself: what was acknowledged and never arrived is counted as lost.
                    self.figures.drainTimedOut = true
                    self.loop.stop()
                })
        } else {
            let life = Int.random(in: options.minLifeMilliseconds...options.maxLifeMilliseconds, using: &random)
            timers.append(loop.schedule(after: .milliseconds(life)) { [unowned self] in self.loop.stop() })
            timers.append(
                loop.scheduleRepeating(every: .milliseconds(options.intervalMilliseconds)) { [unowned self] in
                    self.sendFresh()
                })
        }
        loop.run()
        timers = []
        if finalRound {
            relay.stop()
        } else {
            relay.killHard()
            figures.kills += 1
        }
        for sender in senders { sender.streamEnded() }
        if let sink { drain(sink) }
        sink?.onFailure = nil
        sink?.close()
        sink = nil
        loop.runOnce(blocking: false)
        print("round \(round): sink \(sinkUp ? "up" : "down"), \(finalRound ? "stopped" : "killed"); \(progress())")
    }

    private func connectSink() {
        let sink = SinkComponent(loop: loop, port: bed.componentPort)
        sink.collectsIDs = true
        taken = 0  // ids are counted per sink connection
        sink.onFailure = { [weak sink] _ in sink?.onFailure = nil }  // the relay died: the round ends anyway
        sink.onReceived = { [unowned self, unowned sink] in self.take(sink) }
        self.sink = sink
        sink.start()
    }

    /// Reads what the relay wrote to the sink before it died, up to the end of the stream (a
    /// component reads its socket to the end; what the kernel holds for it was delivered), at most 5 s.
    private func drain(_ sink: SinkComponent) {
        sink.onFailure = { [unowned self] _ in self.loop.stop() }
        let deadline = loop.schedule(after: .seconds(5)) { [unowned self] in self.loop.stop() }
        loop.run()
        deadline.cancel()
        take(sink)
    }

    private var taken = 0
    private func take(_ sink: SinkComponent) {
        for id in sink.ids.dropFirst(taken) { delivered[id, default: 0] += 1 }
        taken = sink.ids.count
    }

    private func connect(_ sender: Sender) {
        let link = PeerLink(
            loop: loop, port: bed.s2sPort, domain: sender.peer.domain, identity: sender.peer.identity,
            streamManagement: true, bodyBytes: options.bodyBytes, maxFragmentLength: nil)
        link.onFailure = { [unowned self] why in
            if self.finalRound { self.failure = "last round: \(why)" }
            if self.finalRound { self.loop.stop() }
        }
        link.onEstablished = { [unowned sender] in
            guard !sender.pending.isEmpty else { return }
            let resend = sender.pending
            sender.pending = []
            sender.sentOnStream += resend
            sender.link?.send(ids: resend)
        }
        link.onAcked = { [unowned sender] h in
            guard h > sender.ackedOnStream, h <= sender.sentOnStream.count else { return }
            for id in sender.sentOnStream[sender.ackedOnStream..<h] { sender.acknowledged.insert(id) }
            sender.ackedOnStream = h
        }
        sender.link = link
    }

    private func sendFresh() {
        for sender in senders {
            guard let link = sender.link, link.phase == .established, link.pendingBytes == 0 else { continue }
            let ids = (0..<options.batch).map { _ -> String in
                sender.nextNumber += 1
                return "\(sender.peer.domain)-\(sender.nextNumber)"
            }
            sender.everSent.formUnion(ids)
            sender.sentOnStream += ids
            link.send(ids: ids)
        }
    }

    /// Every stanza acknowledged, and every acknowledged one at the sink.
    private func allDelivered() -> Bool {
        if let sink { take(sink) }
        for sender in senders {
            guard sender.pending.isEmpty, sender.ackedOnStream == sender.sentOnStream.count else { return false }
            guard sender.acknowledged.allSatisfy({ delivered[$0] != nil }) else { return false }
        }
        return true
    }

    private func progress() -> String {
        if let sink { take(sink) }
        let sent = senders.reduce(0) { $0 + $1.everSent.count }
        let acked = senders.reduce(0) { $0 + $1.acknowledged.count }
        return
            "sent \(sent), acknowledged \(acked), delivered \(delivered.count) (\(delivered.values.reduce(0, +)) with duplicates)"
    }
}
