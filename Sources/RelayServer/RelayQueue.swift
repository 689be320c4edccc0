import EventLoop
import RelayLog
import Routing
import S2S
import Store
import XMPPStream

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What the queue asks of the links; the `Router` does it.
protocol QueueCarrier: AnyObject {
    /// Writes `stanza` on the live link of `hop`; false when there is none (the link just went).
    /// `confirmed`: the queue waits for the hop's XEP-0198 acknowledgement of it. `source`: the link
    /// it came from, which a full output buffer on the hop's link pauses (backpressure).
    func send(_ stanza: Element, on hop: NextHop, confirmed: Bool, source: LinkID?) -> Bool
    /// XEP-0198 `<r/>` on the hop's link now.
    func requestAck(on hop: NextHop)
    /// The upstream link may confirm `count` more delivered stanzas.
    func custodyTaken(_ link: LinkID, count: Int)
    /// Stanza bytes handed to the store and not committed yet (reading pauses while it is high).
    func storeBacklogChanged(_ bytes: Int)
    /// Open a link for `hop`; report `up`, `down` or `unreachable`.
    func connect(_ hop: NextHop)
    /// Answer the stanza's sender with an error; the reply comes back through `relay(_:)`.
    func bounce(_ stanza: Element, _ condition: StanzaBounce.Condition, text: String, reason: String)
    /// The routing rule refused the stanza.
    func refuse(_ stanza: Element, _ refusal: RouteRule.Refusal, reason: String)
    /// Bytes written to the hop's link that the kernel has not taken yet (0 without a live link).
    func pendingOutput(on hop: NextHop) -> Int
    /// Where the hop's link output stands right after a write; nil without a live link.
    func outputMark(on hop: NextHop) -> OutputMark?
    /// Whether everything up to `mark` has left the process (the kernel took it); nil when that
    /// link is gone first.
    func hasLeft(_ mark: OutputMark) -> Bool?
}

/// A point in one link's socket output: `bytes` written so far.
struct OutputMark {
    let link: Int
    let bytes: Int
}

/// The durable queue in the running relay (issue 11): the pure `RoutingEngine` inside a class (so it
/// is never copied), the `Store` it writes through, and the stanzas it holds, by id, until `forget`.
/// Events go through one FIFO, so an action that makes a link report something (a send on a link
/// that just closed) is handled after the current step, never inside it.
///
/// Memory: a stanza's element and bytes stay here only while it is memory-only or being stored;
/// once committed they are dropped and read back from the store when it is sent or bounced, so a
/// long outage costs the store's disk, not the relay's memory.
final class RelayQueue {
    enum Event {
        case received(IncomingStanza)
        case up(NextHop, NextHopAcks)
        case down(NextHop, reason: String)
        case unreachable(NextHop, reason: String)
        case acknowledged(NextHop, count: Int)
        case committed([StanzaID])
        case storeFailed([StanzaID], RoutingEngine<SystemRandomNumberGenerator>.StoreFailure)
        case timer
        case inboundAuthenticated(DomainName)
        case upstreamClosed(LinkID)
        case restarted([StoredBacklog], newestStoredID: StanzaID)
        /// A page of a stored run the engine asked for with `load`, in id order (maybe short or empty).
        case loaded(NextHop, [StanzaRecord])
        case stopping
    }

    private struct Resident {
        var element: Element
        var bytes: [UInt8]
    }

    let store: Store
    weak var carrier: QueueCarrier?
    private var engine: RoutingEngine<SystemRandomNumberGenerator>
    private let loop: Loop
    private let logger: Logger
    private var resident: [StanzaID: Resident] = [:]
    /// The upstream link of each held stanza that came from one (until `forget`), for backpressure.
    private var sources: [StanzaID: LinkID] = [:]
    private var events: [Event] = []
    private var eventHead = 0
    private var draining = false
    /// After `stop`: the store is closed, late events (links ending) change nothing.
    private var stopped = false
    private var timer: Cancellable?
    private var completions: FileWatch?
    /// Appends in flight, in ticket order, with the stanzas each covers.
    private var storing: [(ticket: WriteTicket, ids: [StanzaID], bytes: Int)] = []
    /// Bytes of the appends in `storing`.
    private var uncommitted = 0
    /// How each live hop confirms, as reported `up` (a component writes without acks).
    private var acks: [NextHop: NextHopAcks] = [:]
    /// Stanzas appended to the store since start (`store_writes`).
    private(set) var storeWrites = 0
    /// Stanzas written to a hop without acks whose row waits until the bytes have left the process:
    /// a stanza still in the relay's own output buffer when it dies must not be gone from the store.
    private var unflushed: [StanzaID: OutputMark] = [:]
    private var deferredDeletes: [(id: StanzaID, mark: OutputMark)] = []
    private var flushCheck: Cancellable?
    /// Why each hop's last attempt or link failed, until it is up again (`queue list`).
    private var lastErrors: [NextHop: String] = [:]

    /// Attempts, next attempt (Unix ms) and last error of a hop, as the queue tools show them.
    func retryStatus(of hop: NextHop) -> (attempts: Int, nextAttemptAt: Int64?, lastError: String?) {
        let state = engine.retryState(of: hop)
        return (state?.failures ?? 0, state?.nextAttempt?.milliseconds, lastErrors[hop])
    }

    /// `load`s waiting for their hop's link output to fall under `pageHoldBackBytes`.
    private var heldLoads: [(hop: NextHop, from: StanzaID, through: StanzaID, limit: Int)] = []
    private var heldLoadCheck: Cancellable?
    static var pageHoldBackBytes: Int { 256 * 1024 }
    /// Deletes the `queue` tools asked for, answered once their commit reports.
    private var commitWaiters: [(ticket: WriteTicket, done: (StoreError?) -> Void)] = []

    init(store: Store, rule: RouteRule, policy: QueuePolicy, loop: Loop, logger: Logger) {
        self.store = store
        self.loop = loop
        self.logger = logger
        engine = RoutingEngine(rule: rule, policy: policy, random: SystemRandomNumberGenerator())
        completions = loop.watch(fileDescriptor: store.completionDescriptor, interest: .read) { [weak self] _ in
            self?.takeCommits()
        }
    }

    /// Stanzas held (memory or stored) and their bytes, for `stats`.
    var count: Int { engine.heldCount }
    var bytes: Int { engine.heldBytes }
    /// Stanzas in the store (appends not yet committed included) and their bytes.
    var stored: StoreTotals { store.totals }

    /// A reload's routing rule, for stanzas accepted from now on.
    func updateRule(_ rule: RouteRule) { engine.rule = rule }

    /// Seconds since the oldest stored stanza was accepted (0 when nothing is stored), for `stats`.
    func oldestAge() -> Int64 {
        guard !stopped, let keys = try? store.keys(), let oldest = keys.map(\.oldestAcceptedAt).min() else { return 0 }
        return max(0, (Self.wallNow().milliseconds - oldest) / 1000)
    }

    /// Milliseconds since the Unix epoch: stanza ages survive restarts, so the queue uses calendar time.
    static func wallNow() -> WallTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallTime(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    // MARK: Input

    /// A new id for a stanza, in acceptance order: the store's row id if it is ever stored.
    func nextID() -> StanzaID { StanzaID(UInt64(store.reserveID().rawValue)) }

    /// A stanza an upstream link delivered, or one the relay wrote (a bounce, `origin: .relay`).
    func accept(_ stanza: Element, from: DomainName, to: DomainName, origin: IncomingStanza.Origin) {
        let id = nextID()
        let bytes = (try? ElementSerializer.server.serialize(stanza)) ?? []
        resident[id] = Resident(element: stanza, bytes: bytes)
        if case .link(let upstream, _) = origin { sources[id] = upstream.link }
        post(
            .received(
                IncomingStanza(
                    id: id, kind: QueuedStanza.kind(of: stanza), from: from, to: to, bytes: bytes.count, origin: origin)
            ))
    }

    func post(_ event: Event) {
        guard !stopped else { return }
        events.append(event)
        guard !draining else { return }
        draining = true
        while eventHead < events.count {
            let next = events[eventHead]
            eventHead += 1
            execute(handle(next))
        }
        events.removeAll(keepingCapacity: true)
        eventHead = 0
        draining = false
    }

    private func handle(_ event: Event) -> [RoutingAction] {
        let now = Self.wallNow()
        switch event {
        case .received(let stanza):
            return engine.received(stanza, now: now)
        case .up(let hop, let how):
            acks[hop] = how
            lastErrors[hop] = nil
            return engine.nextHopUp(hop, acks: how, now: now)
        case .down(let hop, let reason):
            acks[hop] = nil
            lastErrors[hop] = reason
            return engine.nextHopDown(hop, reason: reason, now: now)
        case .unreachable(let hop, let reason):
            lastErrors[hop] = reason
            return engine.nextHopUnreachable(hop, reason: reason, now: now)
        case .acknowledged(let hop, let count):
            if logger.isEnabled(.debug) {
                logger.debug("queue.delivered", [("hop", hop.description), ("count", String(count))])
            }
            return engine.acknowledged(hop, count: count, now: now)
        case .committed(let ids):
            return engine.stored(ids, now: now)
        case .storeFailed(let ids, let failure):
            return engine.storeFailed(ids, failure, now: now)
        case .timer:
            return engine.timer(now: now)
        case .inboundAuthenticated(let domain):
            return engine.inboundAuthenticated(domain, now: now)
        case .upstreamClosed(let link):
            engine.upstreamClosed(link)
            return []
        case .restarted(let backlogs, let newest):
            return engine.restarted(backlogs, newestStoredID: newest, now: now)
        case .loaded(let hop, let records):
            return engine.loaded(hop, records, now: now)
        case .stopping:
            return engine.stopping(now: now)
        }
    }

    // MARK: Actions

    private func execute(_ actions: [RoutingAction]) {
        for action in actions {
            switch action {
            case .send(let id, let hop):
                guard let stanza = element(id) else { continue }
                let confirmed = acks[hop] == .streamManagement
                let written = carrier?.send(stanza, on: hop, confirmed: confirmed, source: sources[id]) ?? false
                if !confirmed {
                    if written, let mark = carrier?.outputMark(on: hop) { unflushed[id] = mark }
                    if written {
                        if logger.isEnabled(.debug) {
                            logger.debug("queue.delivered", [("hop", hop.description), ("count", "1")])
                        }
                    } else {
                        // Written means delivered for a hop without acks, and its row is deleted next:
                        // queue it again (as the relay's own stanza) rather than lose it.
                        requeue(stanza)
                    }
                }
            case .requestAck(let hop, _):
                carrier?.requestAck(on: hop)
            case .load(let hop, let from, let through, let limit):
                // Answered through the FIFO, after this step: the engine allows one load per hop. A
                // hop whose link has not taken what it was given gets its next page only once it
                // has: a backlog drains at the link's pace instead of into the relay's memory.
                if (carrier?.pendingOutput(on: hop) ?? 0) > Self.pageHoldBackBytes {
                    heldLoads.append((hop, from, through, limit))
                    answerHeldLoadsSoon()
                } else {
                    events.append(.loaded(hop, page(of: hop, from: from, through: through, limit: limit)))
                }
            case .store(let records):
                var rows: [NewRecord] = []
                var ids: [RecordID] = []
                for record in records {
                    guard let body = resident[record.id]?.bytes else {
                        preconditionFailure("stanza \(record.id) is stored but its bytes are gone")
                    }
                    rows.append(
                        NewRecord(
                            key: record.hop.storeKey, kind: record.kind.storeCode, body: body,
                            acceptedAt: record.acceptedAt.milliseconds))
                    ids.append(RecordID(Int64(record.id.value)))
                }
                let ticket = store.append(rows, ids: ids)
                let bytes = rows.reduce(0) { $0 + $1.body.count }
                storing.append((ticket, records.map(\.id), bytes))
                storeWrites += rows.count
                uncommitted += bytes
                carrier?.storeBacklogChanged(uncommitted)
            case .delete(let ids):
                var now: [RecordID] = []
                for id in ids {
                    if let mark = unflushed.removeValue(forKey: id) {
                        deferredDeletes.append((id, mark))
                    } else {
                        now.append(RecordID(Int64(id.value)))
                    }
                }
                if !now.isEmpty { store.delete(now) }
                if !deferredDeletes.isEmpty { deleteFlushedSoon() }
            case .forget(let ids):
                for id in ids {
                    resident[id] = nil
                    sources[id] = nil
                }
            case .bounce(let id, let condition, let text):
                guard let stanza = element(id) else { continue }
                carrier?.bounce(stanza, Self.condition(condition), text: text, reason: text)
            case .refuse(let id, let refusal, let reason):
                guard let stanza = element(id) else { continue }
                carrier?.refuse(stanza, refusal, reason: reason)
            case .ackUpstream(let link, let count):
                carrier?.custodyTaken(link, count: count)
            case .connect(let hop):
                carrier?.connect(hop)
            case .schedule(let at):
                let delay = max(at - Self.wallNow(), .zero)
                timer = loop.schedule(after: delay) { [weak self] in self?.post(.timer) }
            case .log(let line):
                log(line)
            }
        }
    }

    private func answerHeldLoadsSoon() {
        guard heldLoadCheck == nil, !stopped else { return }
        heldLoadCheck = loop.schedule(after: .milliseconds(5)) { [weak self] in
            guard let self else { return }
            self.heldLoadCheck = nil
            let loads = self.heldLoads
            self.heldLoads = []
            for load in loads {
                if (self.carrier?.pendingOutput(on: load.hop) ?? 0) > Self.pageHoldBackBytes {
                    self.heldLoads.append(load)
                } else {
                    self.post(
                        .loaded(
                            load.hop, self.page(of: load.hop, from: load.from, through: load.through, limit: load.limit)
                        ))
                }
            }
            if !self.heldLoads.isEmpty { self.answerHeldLoadsSoon() }
        }
    }

    /// Checks the deferred deletes on the next loop turns until their bytes have left: deleted then;
    /// those whose link closed first are queued again (the relay's own stanza, stored anew) before
    /// their old row goes, so a crash in between leaves a duplicate, never a loss.
    private func deleteFlushedSoon() {
        guard flushCheck == nil, !stopped else { return }
        flushCheck = loop.schedule(after: .milliseconds(5)) { [weak self] in
            guard let self else { return }
            self.flushCheck = nil
            var waiting: [(id: StanzaID, mark: OutputMark)] = []
            var gone: [RecordID] = []
            for entry in self.deferredDeletes {
                switch self.carrier?.hasLeft(entry.mark) {
                case true?:
                    gone.append(RecordID(Int64(entry.id.value)))
                case false?:
                    waiting.append(entry)
                case nil:
                    if let stanza = self.element(entry.id) { self.requeue(stanza) }
                    gone.append(RecordID(Int64(entry.id.value)))
                }
            }
            self.deferredDeletes = waiting
            if !gone.isEmpty { self.store.delete(gone) }
            if !waiting.isEmpty { self.deleteFlushedSoon() }
        }
    }

    private func requeue(_ stanza: Element) {
        guard let from = try? JID(stanza[attribute: "from"] ?? ""), let to = try? JID(stanza[attribute: "to"] ?? "")
        else { return }
        accept(stanza, from: from.domain, to: to.domain, origin: .relay)
    }

    private func log(_ line: QueueLog) {
        let fields = line.fields.map { ($0.key, $0.value) }
        switch line.event {
        case .deferred: logger.info(line.event.rawValue, fields)
        case .expired, .bounced, .full: logger.warn(line.event.rawValue, fields)
        }
    }

    /// The stanza, from memory or read back from the store (committed stanzas leave memory).
    private func element(_ id: StanzaID) -> Element? {
        if let held = resident[id] { return held.element }
        do {
            guard let record = try store.record(RecordID(Int64(id.value))),
                let element = QueuedStanza.parse(record.body)
            else {
                logger.error(
                    "queue.store_failed",
                    [("id", String(id.value)), ("reason", "the stored stanza is missing or unreadable")])
                return nil
            }
            return element
        } catch {
            logger.error("queue.store_failed", [("id", String(id.value)), ("reason", error.message)])
            return nil
        }
    }

    // MARK: Commits

    private func takeCommits() { process(store.takeCommits()) }

    private func process(_ commits: [StoreCommit]) {
        for commit in commits {
            let answered = commitWaiters.filter { commit.covers($0.ticket) }
            commitWaiters.removeAll { commit.covers($0.ticket) }
            for waiter in answered { waiter.done(commit.error) }
            var ids: [StanzaID] = []
            while let first = storing.first, commit.covers(first.ticket) {
                storing.removeFirst()
                ids += first.ids
                uncommitted -= first.bytes
            }
            carrier?.storeBacklogChanged(uncommitted)
            guard !ids.isEmpty else { continue }  // a commit of deletes only
            if let error = commit.error {
                logger.error("queue.store_failed", [("count", String(ids.count)), ("reason", error.message)])
                post(.storeFailed(ids, error.code == .diskFull ? .full : .io(error.message)))
            } else {
                // On disk now: read back when needed.
                for id in ids { resident[id] = nil }
                post(.committed(ids))
                // What was not sent on the commit waits for its hop; its sender may be long gone by
                // then, and a long outage must not cost memory per stanza.
                for id in ids { sources[id] = nil }
            }
        }
    }

    // MARK: The queue tools (running relay)

    /// Retries now the hops whose far end is one of `domains` (as when a link from there comes up).
    func retryNow(_ domains: [DomainName]) {
        for domain in domains { post(.inboundAuthenticated(domain)) }
    }

    /// Bounces a stored stanza to its sender (the reply is the relay's own stanza, queued like any).
    func bounceStored(_ id: StanzaID, text: String) -> Bool {
        guard let stanza = element(id) else { return false }
        carrier?.bounce(stanza, .remoteServerTimeout, text: text, reason: text)
        return true
    }

    /// Deletes stored rows behind the engine, which skips rows that are gone when it reads a run back;
    /// `done` runs on the loop once the delete is committed (or failed).
    func deleteStored(_ ids: [RecordID], done: @escaping (StoreError?) -> Void) {
        commitWaiters.append((store.delete(ids), done))
    }

    // MARK: Start and stop

    /// Rebuilds the queue from the store's per-hop summaries (no stanza is read here: the engine
    /// reads each hop's records back a page at a time with `load`) and lets the engine resume:
    /// custody of all of them was confirmed before the restart. Returns how many were restored.
    func restore() throws(StoreError) -> Int {
        // The newest id on disk, read before any new id is reserved.
        let newest = StanzaID(UInt64(max(store.nextRecordID.rawValue - 1, 0)))
        var backlogs: [StoredBacklog] = []
        for summary in try store.keys() {
            guard let hop = NextHop(storeKey: summary.key) else {
                logger.warn(
                    "queue.store_failed",
                    [
                        ("key", summary.key),
                        ("reason", "a queue key this relay did not write; its records stay untouched"),
                    ])
                continue
            }
            backlogs.append(
                StoredBacklog(
                    hop: hop, count: summary.totals.count, bytes: summary.totals.bytes,
                    oldestID: StanzaID(UInt64(summary.oldestID.rawValue)),
                    oldestAcceptedAt: WallTime(milliseconds: summary.oldestAcceptedAt)))
        }
        post(.restarted(backlogs, newestStoredID: newest))
        return backlogs.reduce(0) { $0 + $1.count }
    }

    /// A page of the hop's stored records for the engine; rows that are not stanzas are logged,
    /// deleted and left out (a short page is fine). A failed read is an empty page after a log line:
    /// the engine then ends the run, and the rows stay on disk for the next start.
    private func page(of hop: NextHop, from: StanzaID, through: StanzaID, limit: Int) -> [StanzaRecord] {
        let rows: [StoredRecord]
        do {
            rows = try store.records(
                forKey: hop.storeKey, after: RecordID(Int64(from.value) - 1), through: RecordID(Int64(through.value)),
                limit: limit)
        } catch {
            logger.error("queue.store_failed", [("key", hop.storeKey), ("reason", error.message)])
            return []
        }
        var records: [StanzaRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows {
            if let record = Self.record(row, hop: hop) {
                records.append(record)
            } else {
                logger.warn(
                    "queue.store_failed",
                    [("id", row.id.description), ("reason", "a stored stanza that cannot be read; deleted")])
                store.delete([row.id])
            }
        }
        return records
    }

    /// A stored row as the engine's record; nil when its bytes are not a stanza.
    private static func record(_ row: StoredRecord, hop: NextHop) -> StanzaRecord? {
        // The kind is the stanza's own (the store's byte says the same; the queue tools read that one).
        guard StanzaKind.name(ofStoreCode: row.kind) != nil, let element = QueuedStanza.parse(row.body),
            let fromJID = try? JID(element[attribute: "from"] ?? ""),
            let toJID = try? JID(element[attribute: "to"] ?? "")
        else { return nil }
        return StanzaRecord(
            id: StanzaID(UInt64(row.id.rawValue)), kind: QueuedStanza.kind(of: element),
            from: hop.from ?? fromJID.domain,
            to: toJID.domain,
            destination: hop.destination, bytes: row.body.count,
            acceptedAt: WallTime(milliseconds: row.acceptedAt))
    }

    /// The relay is stopping: what is only in memory goes to the store, and its commit is awaited,
    /// at most `stopDeadline` (a hung disk must not hang the stop: what did not commit was never
    /// acknowledged upstream, so its senders resend it).
    func stop() {
        guard !stopped else { return }
        post(.stopping)
        var waited = Duration.zero
        while !storing.isEmpty && waited < Self.stopDeadline {
            process(store.waitForCommits(timeoutMilliseconds: 100))
            waited += .milliseconds(100)
        }
        stopped = true
        timer = nil
        completions = nil
        guard storing.isEmpty else {
            let count = storing.reduce(0) { $0 + $1.ids.count }
            logger.error(
                "queue.store_failed",
                [
                    ("count", String(count)),
                    ("reason", "the last commit did not finish within \(Self.stopDeadline); exiting without it"),
                ])
            return
        }
        store.close()
        _ = store.takeCommits()
    }

    static var stopDeadline: Duration { .seconds(5) }

    private static func condition(_ condition: BounceCondition) -> StanzaBounce.Condition {
        switch condition {
        case .remoteServerTimeout: .remoteServerTimeout
        case .resourceConstraint: .resourceConstraint
        case .remoteServerNotFound: .remoteServerNotFound
        }
    }
}
