import DNS
import EventLoop
import S2S
import TLS
import Trust
import XMPPStream

/// What a link reports to whoever routes stanzas and supervises links (the `Router`).
protocol LinkOwner: AnyObject {
    func linkUp(_ link: Link, _ info: LinkInfo)
    func pairAuthenticated(_ link: Link, _ pair: DomainPair)
    /// An inbound link answered the peer's XEP-0198 `<enable/>` (after the batch that wrote `<enabled/>`).
    func streamManagementEnabled(_ link: Link)
    /// An accepted stanza, the link's next in delivery order. The owner confirms custody later, in
    /// that order, with `Link.custodyTaken(_:)` (once stored or acknowledged by the next hop).
    func deliver(_ link: Link, _ stanza: Element, from: JID, to: JID)
    /// The peer confirmed (XEP-0198) the first `count` stanzas sent on this link and not yet confirmed.
    func acknowledged(_ link: Link, count: Int)
    /// Stanzas the link could not (or did not provably) hand to its peer.
    func returnUnacked(_ link: Link, _ stanzas: [Element])
    /// XEP-0220 receiving role: ask the authoritative server of `request.originating`; answer
    /// with `Link.dialbackKeyChecked`.
    func verifyDialbackKey(_ link: Link, _ request: DialbackVerification)
    /// XEP-0220 verifying link: the authoritative server's answer.
    func dialbackAnswered(_ link: Link, _ request: DialbackVerification, valid: Bool)
    /// XEP-0114: may this link hold `domain`?
    func claimComponent(_ link: Link, _ domain: DomainName) -> Bool
    /// The stream is over (the socket may linger a moment to flush). `wasUp` tells a refusal from a
    /// link going down.
    func linkClosed(_ link: Link, reason: String, wasUp: Bool)
}

/// One connection driven end to end: TCP bytes → (TLS) → XMPPStreamParser → S2S engine → actions
/// executed here (writes through the stream's serializer and TLS, TLS start, Trust verdicts,
/// timers, close). Everything runs on the loop thread; the engine decides, the link only does.
final class Link: OutputGauge {
    struct TLSSetup {
        let context: TLSContext
        /// SNI we send as a client (the peer's domain); nil on the server side.
        let serverName: String?
    }

    let id: Int
    let direction: LinkDirection
    let address: SocketAddress
    private(set) var engine: LinkEngine
    /// Set once the engine reported `linkUp`.
    private(set) var info: LinkInfo?
    private(set) var session: TLSSessionInfo?
    private(set) var authDetail = ""
    private(set) var isClosed = false
    /// Bytes read from and written to the TCP socket (TLS records included), for `stats`.
    private(set) var bytesIn = 0
    private(set) var bytesOut = 0

    private let loop: Loop
    private let log: LinkLog
    private let trust: PeerTrust
    private let tlsSetup: TLSSetup?
    /// The DNS plan target this outbound link reached (DANE), if it came from DNS.
    let target: PlanTarget?
    private weak var owner: LinkOwner?
    private var connection: TCPConnection?
    private let limits: StreamLimits
    private var parser: XMPPStreamParser
    private var serializer: ElementSerializer
    private var tls: TLSConnection?
    private var tlsUp = false
    private var timers: [LinkTimer: Cancellable] = [:]
    private var lingerTimer: Cancellable?
    private var inputEnded = false

    // Work collected while a batch of actions runs, done when it finishes.
    private var depth = 0
    private var deferredInput: [UInt8] = []
    private var tlsNeedsDriving = false
    /// `startTLS` already took the parser's leftover bytes; the `restartStream` after it is done.
    private var parserRestartedForTLS = false
    /// Our header went out on the current stream (a stream error needs one first, RFC 6120 §4.9.1.1).
    private var headerSent = false
    private var closeReason: String?
    private var downReason: String?
    private var unackedInBatch = 0
    /// Answers to the engine's questions, given once the batch that asked is done.
    private var afterBatch: [() -> Void] = []
    /// We asked the link to close (relay stopping): not a refusal by either side.
    private var shuttingDown = false
    /// A limit (`write_stall`) ended the link.
    private var closedByLimit = false

    // Backpressure (`OutputBudget`): the backlog last reported, its peak, and whether reading is
    // paused because this link's own output is over the mark (with the timer that ends a stall).
    private let output: OutputBudget
    private var reportedOutput = 0
    private var peakOutput = 0
    private var outputOverMark = false
    private var stallTimer: Cancellable?
    /// Links whose backlog stopped this link's reading: its input was being routed onto them (a
    /// stanza for a component that does not read). Reading resumes when the last of them drains.
    private var blockers: Set<ObjectIdentifier> = []
    /// The links this link's backlog stopped, to be resumed when it drains or closes.
    private var pausedSources: [WeakLink] = []

    private struct WeakLink {
        weak var link: Link?
    }

    init(
        id: Int, engine: LinkEngine, connection: TCPConnection, loop: Loop, log: LinkLog, trust: PeerTrust,
        tls: TLSSetup?, target: PlanTarget?, limits: StreamLimits, output: OutputBudget, owner: LinkOwner
    ) {
        self.id = id
        self.engine = engine
        self.direction = engine.direction
        self.connection = connection
        self.address = connection.peerAddress
        self.loop = loop
        self.log = log
        self.trust = trust
        self.tlsSetup = tls
        self.target = target
        self.limits = limits
        self.output = output
        self.owner = owner
        parser = XMPPStreamParser(limits: limits)
        if case .component = engine {
            serializer = .component
        } else {
            serializer = .server
        }
        connection.onRead = { [weak self] bytes in self?.fromSocket(Array(bytes)) }
        connection.onEndOfInput = { [weak self] in self?.endOfInput() }
        connection.onError = { [weak self] error in self?.lose("connection error: \(error.message)") }
        output.register(self)
        if output.pausesReading { connection.isReading = false }
    }

    /// The connection is up: let the engine begin.
    func start() {
        perform(engine.handle(.start))
    }

    /// A stanza for the peer (handed back through `returnUnacked` when it cannot go out).
    func send(_ stanza: Element) {
        guard !isClosed else {
            owner?.returnUnacked(self, [stanza])
            return
        }
        perform(engine.handle(.send(stanza)))
    }

    /// The relay holds `count` more of the stanzas this link delivered (in delivery order): XEP-0198
    /// may acknowledge them to the peer.
    func custodyTaken(_ count: Int) {
        guard !isClosed, count > 0 else { return }
        perform(engine.custodyTaken(count))
    }

    /// Asks the peer now to confirm what was sent (XEP-0198 `<r/>`).
    func requestAck() {
        guard !isClosed else { return }
        perform(engine.requestAck())
    }

    /// Dialback verifying role (a verify-only outbound link): ask the peer about a key.
    func verify(_ request: DialbackVerification) {
        guard !isClosed else {
            owner?.dialbackAnswered(self, request, valid: false)
            return
        }
        perform(engine.verify(request))
    }

    /// Dialback receiving role: the authoritative server's answer to `verifyDialbackKey`.
    func dialbackKeyChecked(_ request: DialbackVerification, valid: Bool) {
        guard !isClosed else { return }
        perform(engine.dialbackKeyChecked(request, valid: valid))
    }

    /// Close gracefully (`</stream:stream>`, then wait briefly for the peer's).
    func shutdown(reason: String) {
        guard !isClosed else { return }
        shuttingDown = true
        perform(engine.handle(.shutdown(reason)))
    }

    /// Ends the stream with a stream error (the relay no longer allows the link); `link.down` or
    /// `link.refused` carries the error's text.
    func close(_ error: StreamError) {
        guard !isClosed else { return }
        perform(engine.handle(.close(error)))
    }

    /// The certificate chain the peer presented (DER, leaf first); empty before TLS or without one.
    var peerCertificateChain: [[UInt8]] { tls?.peerCertificateChain ?? [] }

    /// Drops the connection at once (relay exit after the grace period).
    func abort() {
        timers.removeAll()
        isClosed = true
        release()
    }

    var remoteName: String { engine.remoteName }

    // MARK: Input

    private func fromSocket(_ bytes: [UInt8]) {
        bytesIn += bytes.count
        received(bytes)
    }

    private func received(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        charged {
            if let tls {
                tls.feed(ciphertext: bytes)
                driveTLS()
            } else {
                feedParser(bytes)
            }
        }
    }

    /// Output that `work` (handling this link's input) causes on another link is charged to this
    /// link (see `syncOutput`).
    private func charged(_ work: () -> Void) {
        let outer = output.reading
        output.reading = self
        defer { output.reading = outer }
        work()
    }

    private func endOfInput() {
        inputEnded = true
        if isClosed {
            releaseIfDone()
            return
        }
        lose("the peer closed the connection")
    }

    private func feedParser(_ bytes: [UInt8]) {
        let events = parser.feed(bytes)
        for event in events {
            guard !isClosed else { return }
            perform(engine.handle(.receive(event)))
        }
    }

    private func driveTLS() {
        guard let tls, !isClosed else { return }
        if !tlsUp {
            do {
                let progress = try tls.handshake()
                flushTLS()
                guard progress == .complete else { return }
            } catch {
                flushTLS()
                lose("TLS handshake failed: \(error)")
                return
            }
            tlsUp = true
            parserRestartedForTLS = false
            session = tls.sessionInfo
            tlsEstablished()
            guard !isClosed else { return }
        }
        do {
            let plaintext = try tls.readPlaintext()
            flushTLS()
            if !plaintext.isEmpty { feedParser(plaintext) }
            if tls.peerClosure != nil && !isClosed { lose("the peer closed TLS") }
        } catch {
            flushTLS()
            lose("TLS failed: \(error)")
        }
    }

    private func tlsEstablished() {
        switch engine {
        case .outbound(let outbound):
            let verdict = judge(outbound.configuration.remote, role: .server)
            perform(engine.tlsEstablished(verdict))
        default:
            perform(engine.tlsEstablished(nil))
        }
    }

    private func judge(_ domain: DomainName, role: PeerRole) -> PeerAuthentication {
        let verdict = trust.decide(
            chain: tls?.peerCertificateChain ?? [], domain: domain, role: role, target: target, now: loop.unixSeconds)
        authDetail = verdict.detail
        return verdict.authentication
    }

    /// The connection broke: tell the engine, then close.
    private func lose(_ reason: String) {
        guard !isClosed else { return }
        perform(engine.handle(.lost(reason)))
        if !isClosed { finish(reason: reason) }
    }

    // MARK: Actions

    private func perform(_ actions: [Action]) {
        depth += 1
        for action in actions { execute(action) }
        depth -= 1
        guard depth == 0 else { return }
        if let reason = downReason {
            downReason = nil
            log.down(self, reason: reason, unacked: unackedInBatch)
        }
        unackedInBatch = 0
        if let reason = closeReason, !isClosed {
            closeReason = nil
            // The engine closed itself (then this tells it nothing new), or the driver hit a TLS or
            // serialization failure: the engine learns the link is gone and hands back what is unacked.
            lose(reason)
            return
        }
        if !afterBatch.isEmpty {
            let answers = afterBatch
            afterBatch = []
            for answer in answers where !isClosed { answer() }
        }
        if tlsNeedsDriving {
            tlsNeedsDriving = false
            driveTLS()
        }
        if !deferredInput.isEmpty, !isClosed {
            let input = deferredInput
            deferredInput = []
            // Bytes the old parser had read past a stream restart: already plaintext (TLS, if any,
            // decrypted them), so they go to the new parser, never back through TLS.
            charged { feedParser(input) }
        }
    }

    private func execute(_ action: Action) {
        switch action {
        case .sendHeader(let header):
            serializer = header.serializer
            headerSent = true
            if let bytes = try? header.serializedOpening() { write(bytes) }
        case .send(let element):
            do {
                write(try serializer.serialize(element))
                if direction == .inbound && element.name == "enabled" && element.namespace == "urn:xmpp:sm:3" {
                    // The peer's stream is up once it reads this: only now may stanzas go to it.
                    afterBatch.append { [unowned self] in self.owner?.streamManagementEnabled(self) }
                }
            } catch {
                // Parsed input always serializes; if it ever does not, end the link rather than lose it silently.
                closeReason = closeReason ?? "cannot serialize <\(element.name)/>: \(error)"
            }
        case .sendStreamError(let error):
            // The outbound engine can fail right after TLS, before its header on the new stream.
            if !headerSent, case .outbound(let outbound) = engine {
                let header = StreamHeader.server(
                    to: outbound.configuration.remote.value, from: outbound.configuration.local.value)
                execute(.sendHeader(header))
            }
            write(StreamHeader.serializedError(error))
        case .sendClose:
            write(StreamHeader.closing)
        case .startTLS:
            startTLS()
        case .restartStream:
            if parserRestartedForTLS {
                parserRestartedForTLS = false
                break
            }
            let leftover = parser.restart()
            parser = XMPPStreamParser(limits: limits)
            headerSent = false
            deferredInput += leftover
        case .close(let reason):
            if closeReason == nil { closeReason = reason }
        case .stateChanged(let from, let to):
            log.state(self, from: from, to: to)
        case .verifyPeer(let domain):
            // Answered after this batch, so the log shows the engine's state changes in order.
            afterBatch.append { [unowned self] in self.verifyPeer(domain) }
        case .verifyDialbackKey(let request):
            owner?.verifyDialbackKey(self, request)
        case .dialbackKeyChecked(let request, let valid):
            owner?.dialbackAnswered(self, request, valid: valid)
        case .pairAuthenticated(let pair, _):
            owner?.pairAuthenticated(self, pair)
        case .pairRefused(let pair, let reason):
            log.pairRefused(self, pair: pair, reason: reason)
        case .linkUp(let linkInfo):
            info = linkInfo
            log.up(self, linkInfo)
            owner?.linkUp(self, linkInfo)
        case .linkDown(let reason):
            downReason = reason
        case .deliver(let stanza, let from, let to):
            owner?.deliver(self, stanza, from: from, to: to)
        case .acknowledged(let stanzas):
            owner?.acknowledged(self, count: stanzas.count)
        case .returnUnacked(let stanzas):
            unackedInBatch += stanzas.count
            owner?.returnUnacked(self, stanzas)
        case .scheduleTimer(let timer, let delay):
            timers[timer] = loop.schedule(after: delay) { [weak self] in self?.timerFired(timer) }
        case .cancelTimer(let timer):
            timers[timer] = nil
        case .claimComponent(let domain):
            afterBatch.append { [unowned self] in
                let granted = self.owner?.claimComponent(self, domain) ?? false
                self.perform(self.engine.claimResult(granted: granted))
            }
        }
    }

    private func verifyPeer(_ domain: DomainName) {
        let loop = self.loop
        trust.decideInbound(chain: tls?.peerCertificateChain ?? [], domain: domain, now: { loop.unixSeconds }) {
            [weak self] verdict in
            guard let self, !self.isClosed else { return }
            self.authDetail = verdict.detail
            self.perform(self.engine.peerVerified(verdict.authentication))
        }
    }

    private func timerFired(_ timer: LinkTimer) {
        timers[timer] = nil
        guard !isClosed else { return }
        perform(engine.handle(.timer(timer)))
    }

    private func startTLS() {
        guard tls == nil, let tlsSetup else {
            closeReason = closeReason ?? "cannot start TLS: no TLS configuration for this link"
            return
        }
        do {
            tls = try TLSConnection(context: tlsSetup.context, serverName: tlsSetup.serverName)
        } catch {
            closeReason = closeReason ?? "cannot start TLS: \(error)"
            return
        }
        // The bytes after <proceed/> (or <starttls/>) are the first TLS records.
        let early = parser.restart()
        parser = XMPPStreamParser(limits: limits)
        headerSent = false
        if !early.isEmpty { tls?.feed(ciphertext: early) }
        parserRestartedForTLS = true
        tlsNeedsDriving = true
    }

    private func write(_ bytes: [UInt8]) {
        guard !isClosed, connection != nil else { return }
        if let tls, tlsUp {
            do {
                try tls.write(plaintext: bytes)
            } catch {
                closeReason = closeReason ?? "TLS write failed: \(error)"
                return
            }
            flushTLS()
        } else {
            toSocket(bytes)
        }
        syncOutput()
    }

    private func flushTLS() {
        if let tls, tls.hasCiphertextToSend { toSocket(tls.takeCiphertext()) }
    }

    /// Bytes written to the socket so far and how many of them the kernel has taken; nil once the
    /// connection is gone (what it had not taken then never left).
    var socketOutput: (written: Int, handedToKernel: Int)? {
        guard let connection, !connection.isClosed else { return nil }
        return (connection.bytesAccepted, connection.bytesHandedToKernel)
    }

    private func toSocket(_ bytes: [UInt8]) {
        guard let connection else { return }
        bytesOut += bytes.count
        connection.write(bytes)
    }

    // MARK: Backpressure

    /// Reports the backlog to the budget; past the link's mark, stops reading from the peer (its
    /// requests are what fill the backlog) until the backlog falls to the low-water mark.
    func syncOutput() {
        let pending = connection?.pendingWriteByteCount ?? 0
        output.adjust(by: pending - reportedOutput)
        reportedOutput = pending
        peakOutput = max(peakOutput, pending)
        guard !isClosed, pending > output.linkHighWater, let connection else { return }
        if let source = output.reading as? Link, source !== self { source.pause(for: self) }
        guard !outputOverMark else { return }
        outputOverMark = true
        updateReading()
        connection.notifyWhenPending(atMost: output.linkLowWater) { [weak self] in self?.outputFell() }
        stallTimer = loop.schedule(after: output.writeStall) { [weak self] in self?.outputStalled() }
    }

    func outputPressureChanged() { updateReading() }

    private func updateReading() {
        guard !isClosed else { return }
        connection?.isReading = !outputOverMark && blockers.isEmpty && !output.pausesReading
    }

    /// Stop reading until `blocker`'s backlog drains: our peer's stanzas are what fill it.
    private func pause(for blocker: Link) {
        guard !isClosed, blockers.insert(ObjectIdentifier(blocker)).inserted else { return }
        blocker.pausedSources.append(WeakLink(link: self))
        updateReading()
    }

    private func resumeSources() {
        let sources = pausedSources
        pausedSources = []
        for entry in sources {
            guard let source = entry.link else { continue }
            source.blockers.remove(ObjectIdentifier(self))
            source.updateReading()
        }
    }

    private func outputFell() {
        outputOverMark = false
        stallTimer = nil
        syncOutput()
        updateReading()
        resumeSources()
    }

    /// Not back under the low-water mark `write_stall` after crossing the mark: the peer is not
    /// reading (or too slowly to matter). End the stream with
    /// policy-violation (RFC 6120 §4.9.3.14: the peer broke a local policy, the write-stall limit;
    /// resource-constraint, §4.9.3.17, says the server lacks resources) and free its backlog.
    private func outputStalled() {
        stallTimer = nil
        guard outputOverMark, !isClosed else { return }
        let unsent = connection?.pendingWriteByteCount ?? 0
        output.reportStall(link: id, address, unsent: unsent)
        let reason =
            "the peer left over \(output.linkHighWater) bytes unread for \(output.writeStall.components.seconds)s"
            + " (\(unsent) unsent; [limits] write_stall, link_output_bytes)"
        if headerSent { write(StreamHeader.serializedError(StreamError(.policyViolation, reason))) }
        closedByLimit = true
        lose(reason)
    }

    // MARK: Closing

    /// Ends the stream: TLS close_notify, FIN, then the socket closes once the peer closes too or
    /// after a short linger.
    private func finish(reason: String) {
        guard !isClosed else { return }
        isClosed = true
        timers.removeAll()
        if let tls, tlsUp {
            tls.close()
            flushTLS()
        }
        // A link paused for its backlog stays paused: closing with the peer's bytes unread sends a
        // reset, which frees the kernel's buffers too, instead of a FIN queued behind unsent output.
        stallTimer = nil
        resumeSources()
        connection?.onRead = { _ in }
        connection?.onDrained = { [weak self] in self?.releaseIfDone() }
        connection?.onError = { [weak self] _ in self?.release() }
        connection?.shutdownOutput()
        lingerTimer = loop.schedule(after: .seconds(2)) { [self] in self.release() }
        let wasUp = info != nil
        // A link used only for db:verify ends quietly, unless a limit ended it (the operator must see that).
        if !wasUp && !shuttingDown && (closedByLimit || !engine.verifiesOnly) { log.refused(self, reason: reason) }
        owner?.linkClosed(self, reason: reason, wasUp: wasUp)
        releaseIfDone()
    }

    private func releaseIfDone() {
        guard isClosed, inputEnded, (connection?.pendingWriteByteCount ?? 0) == 0 else { return }
        release()
    }

    private func release() {
        lingerTimer = nil
        stallTimer = nil
        resumeSources()
        connection?.close()
        connection = nil
        output.adjust(by: -reportedOutput)
        reportedOutput = 0
        output.unregister(self)
        output.released(peak: peakOutput)
    }
}
