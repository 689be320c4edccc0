import S2S
import XMPPStream

/// The relay's routing and queue (issue 11, DESIGN.md §2 and §5), I/O-free: the routing rule, the
/// per-kind queue policy, custody transfer, order per hop, backoff. Each event method returns the
/// actions RelayServer must execute, in order; time comes in with the events, randomness from `Random`.
///
/// A stanza accepted for a live hop that acknowledges (XEP-0198 or ping) is sent at once and never
/// touches the disk if the hop confirms it within `hold`; otherwise (hop down, connecting, slow, or
/// unable to acknowledge) it is stored, and custody is confirmed upstream only after the commit or
/// the hop's confirmation, in the upstream link's delivery order.
///
/// Memory: a stored stanza waiting for a hop that is not up (or beyond the live link's send window)
/// leaves memory: the hop keeps a `StoredRun` (ids, count, bytes, oldest) in its place, and the engine
/// asks for the records back a page at a time with `load` when the window empties or the run's oldest
/// is due to expire. Messages, subscription presence and errors page out; iqs (60 s) and availability
/// presence (a newer one replaces it) stay in memory, bounded by their nature.
public struct RoutingEngine<Random: RandomNumberGenerator> {
    /// Replaced on a reload (components and home domains may change); stanzas already queued keep
    /// the destination they were given.
    public var rule: RouteRule
    public let policy: QueuePolicy
    private let backoff: Backoff
    private var random: Random

    private var held: [StanzaID: HeldStanza] = [:]
    private var hops: [NextHop: HopQueue] = [:]
    private var ledgers: [LinkID: UpstreamLedger] = [:]
    private var deadlines = DeadlineHeap()
    /// Finished (delivered, bounced, dropped) while their `store` was in flight: delete once committed.
    private var finishedWhileStoring: Set<StanzaID> = []
    private var heldBytesPerDomain: [DomainName: Int] = [:]
    /// Bytes of every held stanza, in memory or stored (the `max_bytes` cap).
    public private(set) var heldBytes = 0
    /// The time of the last `schedule` action.
    private var scheduled: WallTime?

    public init(rule: RouteRule, policy: QueuePolicy, random: Random) {
        self.rule = rule
        self.policy = policy
        self.backoff = Backoff(first: policy.firstBackoff, maximum: policy.maxBackoff)
        self.random = random
    }

    /// Stanzas held (pending, in flight, or stored and waiting, in memory or paged out).
    public var heldCount: Int { held.count + hops.values.reduce(0) { $0 + $1.pending.storedCount } }

    /// Stanzas held in memory (the rest wait in stored runs).
    public var residentCount: Int { held.count }

    /// Failed attempts to reach `hop` since it was last up, and when the next is due (nil while an
    /// attempt runs or the hop is up), for the queue tools; nil when the engine holds nothing for it.
    public func retryState(of hop: NextHop) -> (failures: Int, nextAttempt: WallTime?)? {
        switch hops[hop]?.state {
        case .waiting(let failures, let until)?: (failures, until)
        case .connecting(let failures)?: (failures, nil)
        case .up?, .idle?: (0, nil)
        case nil: nil
        }
    }

    // MARK: Events

    /// A stanza delivered by an upstream link's engine, or written by the relay.
    public mutating func received(_ stanza: IncomingStanza, now: WallTime) -> [RoutingAction] {
        precondition(held[stanza.id] == nil, "stanza \(stanza.id) received twice")
        var step = Step()
        var upstream: Upstream?
        let destination: RouteRule.Destination
        switch stanza.origin {
        case .relay:
            destination = rule.destination(ofRelayStanzaTo: stanza.to)
        case .link(let link, let arrival):
            upstream = link
            if ledgers[link.link] == nil { ledgers[link.link] = UpstreamLedger() }
            switch rule.decide(arrival: arrival, from: stanza.from, to: stanza.to) {
            case .deliver(let target):
                destination = target
            case .refuse(let refusal, let reason):
                step.actions.append(.refuse(stanza.id, refusal, reason: reason))
                settle(link, &step)
                step.forgotten.append(stanza.id)
                return finish(step, now: now)
            }
        }
        let record = StanzaRecord(
            id: stanza.id, kind: stanza.kind, from: stanza.from, to: stanza.to, destination: destination,
            bytes: stanza.bytes, acceptedAt: now)
        if let limit = exceededCap(by: record) {
            step.actions.append(
                .log(
                    QueueLog(
                        .full, [.init("limit", limit), .init("to", "\(record.to)"), .init("kind", record.kind.name)])))
            if record.kind.bounces {
                step.actions.append(
                    .bounce(record.id, .resourceConstraint, text: "the relay's queue is full (\(limit))"))
            }
            if let upstream { settle(upstream, &step) }
            step.forgotten.append(record.id)
            return finish(step, now: now)
        }
        let hop = record.hop
        var queue = takeQueue(hop)
        if case .availability(let addresses) = record.kind {
            replaceAvailability(addresses, with: record.id, in: &queue, &step)
        }
        held[record.id] = HeldStanza(record: record, upstream: upstream, durability: .memory)
        heldBytes += record.bytes
        heldBytesPerDomain[record.to, default: 0] += record.bytes
        queue.pending.append(record.id)
        switch queue.state {
        case .up(let live) where live.acks != .none:
            break  // sent below (or when the window opens); stored only if the hop is slow
        case .up where upstream == nil && queue.pending.count == 1:
            // The relay's own stanza (a bounce) to a live hop without acks and nothing queued before
            // it: nobody upstream waits for its custody, so it is written at once (a full disk must
            // not swallow the bounces that say the disk is full).
            break
        case .idle:
            storeMemoryResident([record.id], hop: hop, logging: [.init("reason", "next-hop-down")], &step)
        case .up, .connecting, .waiting:
            // Already logged when the hop started deferring (one line per outage, not per stanza),
            // or a hop without acks, whose every stanza is stored first.
            storeMemoryResident([record.id], hop: hop, logging: nil, &step)
        }
        advance(hop, &queue, now: now, &step)
        put(queue, hop)
        if let stanza = held[record.id], stanza.sentAt == nil {
            deadlines.push(.expiry(record.id), at: deadline(of: record))
            // Waiting for a full window to open: the hold runs from now.
            if stanza.durability == .memory { deadlines.push(.hold(record.id), at: now + policy.hold) }
        }
        return finish(step, now: now)
    }

    /// A link for `hop` is up (one the engine asked for, or an inbound link made bidirectional).
    public mutating func nextHopUp(_ hop: NextHop, acks: NextHopAcks, now: WallTime) -> [RoutingAction] {
        var step = Step()
        var queue = takeQueue(hop)
        precondition(!queue.isUp, "\(hop) reported up twice")
        queue.state = .up(HopQueue.LiveLink(acks: acks))
        advance(hop, &queue, now: now, &step)
        put(queue, hop)
        return finish(step, now: now)
    }

    /// The hop's link is gone, or the attempt `connect` started failed. What it had not confirmed
    /// goes back to the head of its queue, in order, and to the store; the next attempt waits a backoff.
    public mutating func nextHopDown(_ hop: NextHop, reason: String, now: WallTime) -> [RoutingAction] {
        var step = Step()
        guard var queue = hops.removeValue(forKey: hop) else {
            preconditionFailure("\(hop) reported down but was never up or asked for")
        }
        let failures: Int
        switch queue.state {
        case .up(let live):
            failures = 0
            // The store refused these earlier and nobody confirmed them: nothing holds them now.
            let refused = live.inFlight.filter { held[id: $0].durability == .refused }
            let returned = live.inFlight.filter { held[id: $0].durability != .refused }
            if !refused.isEmpty { bounceUnstorable(refused, reason: "next hop down before confirming", &step) }
            for id in returned {
                held[id]?.sentAt = nil
                deadlines.push(.expiry(id), at: deadline(of: held[id: id].record))
            }
            queue.pending.prepend(returned)
            // Everything still only in memory (handed back, or waiting for the window) goes to the store.
            let waiting = queue.pending.heldIDs.filter { held[$0] != nil }
            storeMemoryResident(waiting, hop: hop, logging: nil, &step)
        case .connecting(let previous):
            failures = previous + 1
        case .idle, .waiting:
            preconditionFailure("\(hop) reported down but was never up or asked for")
        }
        if queue.pending.isEmpty {
            queue.state = .idle
        } else {
            // A link that was up retries from the first step; a failed attempt doubles the ceiling.
            let delay = backoff.delay(attempt: max(failures - 1, 0), using: &random)
            queue.state = .waiting(failures: failures, until: now + delay)
            deadlines.push(.retry(hop), at: now + delay)
            step.actions.append(
                .log(
                    QueueLog(
                        .deferred,
                        [
                            .init("hop", "\(hop)"), .init("count", "\(queue.pending.count)"), .init("reason", reason),
                            .init("retry_in_ms", "\(delay.wholeMilliseconds)"),
                        ])))
            // What is committed (handed back, or kept for the window) waits in the store only now.
            pageOut(queue.pending.heldIDs, hop: hop, &queue)
        }
        armRunExpiry(hop, &queue)
        put(queue, hop)
        return finish(step, now: now)
    }

    /// The attempt `connect` started learned that the hop cannot exist (DNS: no such domain, or no
    /// XMPP service): waiting helps nobody, so every stanza waiting for it bounces with
    /// remote-server-not-found (those that never bounce are dropped), one `queue.bounced` line. Those
    /// in memory go now; stored runs are read back a page at a time and bounce as they come.
    public mutating func nextHopUnreachable(_ hop: NextHop, reason: String, now: WallTime) -> [RoutingAction] {
        var step = Step()
        guard var queue = hops.removeValue(forKey: hop), case .connecting = queue.state else {
            preconditionFailure("\(hop) reported unreachable but no attempt was asked for")
        }
        var waiting: [StanzaID] = []
        var runs: [StoredRun] = []
        while let entry = queue.pending.popFront() {
            switch entry {
            case .held(let id): if held[id] != nil { waiting.append(id) }
            case .stored(let run): runs.append(run)
            }
        }
        queue.pending.removeAll()
        for run in runs { queue.pending.append(run) }
        queue.availability = [:]
        queue.state = .idle
        if let last = runs.last {
            queue.discard = HopQueue.Discard(condition: .remoteServerNotFound, reason: reason, through: last.last)
        }
        let count = waiting.count + runs.reduce(0) { $0 + $1.count }
        if count > 0 {
            step.actions.append(
                .log(
                    QueueLog(
                        .bounced, [.init("hop", "\(hop)"), .init("count", "\(count)"), .init("reason", reason)])))
        }
        for id in waiting {
            if held[id: id].record.kind.bounces {
                step.actions.append(.bounce(id, .remoteServerNotFound, text: reason))
            }
            release(id, &step)
        }
        requestPage(hop, &queue, now: now, &step)
        armRunExpiry(hop, &queue)
        put(queue, hop)
        return finish(step, now: now)
    }

    /// The relay is stopping: everything held only in memory goes to the store (custody was, or will
    /// be, confirmed upstream from there; nothing is bounced for the stop).
    public mutating func stopping(now: WallTime) -> [RoutingAction] {
        var step = Step()
        var resident: [NextHop: [StanzaID]] = [:]
        for (id, stanza) in held where stanza.durability == .memory {
            resident[stanza.record.hop, default: []].append(id)
        }
        for hop in resident.keys.sorted(by: { $0.description < $1.description }) {
            storeMemoryResident(resident[hop]!.sorted(), hop: hop, logging: [.init("reason", "stopping")], &step)
        }
        return finish(step, now: now)
    }

    /// The hop confirmed the first `count` stanzas in flight (XEP-0198 `<a h/>`, or the reply to the
    /// ping of `requestAck`): custody has passed to it.
    public mutating func acknowledged(_ hop: NextHop, count: Int, now: WallTime) -> [RoutingAction] {
        var step = Step()
        guard var queue = hops.removeValue(forKey: hop), case .up(var live) = queue.state, live.acks != .none else {
            preconditionFailure("acknowledgement from \(hop), which is not a live hop that acknowledges")
        }
        precondition(
            count >= 0 && count <= live.inFlight.count,
            "\(hop) acknowledged \(count) of \(live.inFlight.count) in flight")
        let confirmed = live.inFlight.prefix(count)
        live.inFlight.removeFirst(count)
        live.requested = max(0, live.requested - count)
        for id in confirmed { release(id, &step) }
        queue.state = .up(live)
        advance(hop, &queue, now: now, &step)  // the window moved
        put(queue, hop)
        return finish(step, now: now)
    }

    /// The store committed these stanzas: custody rests on the disk now.
    public mutating func stored(_ ids: [StanzaID], now: WallTime) -> [RoutingAction] {
        var step = Step()
        var touched: [NextHop] = []
        for id in ids {
            if finishedWhileStoring.remove(id) != nil {
                step.deleted.append(id)
                continue
            }
            precondition(held[id]?.durability == .storing, "stored \(id), which was not being stored")
            held[id]?.durability = .stored
            takeCustody(of: id, &step)
            touched.append(held[id: id].record.hop)
        }
        // A hop that cannot acknowledge sends only what is stored: its queue may move now.
        advanceLive(touched, now: now, &step)
        // What is committed and still waiting leaves memory (but what the live window takes next).
        var byHop: [NextHop: [StanzaID]] = [:]
        var order: [NextHop] = []
        for id in ids {
            guard let stanza = held[id], stanza.durability == .stored, stanza.sentAt == nil else { continue }
            if byHop[stanza.record.hop] == nil { order.append(stanza.record.hop) }
            byHop[stanza.record.hop, default: []].append(id)
        }
        for hop in order {
            guard var queue = hops.removeValue(forKey: hop) else { continue }
            pageOut(byHop[hop] ?? [], hop: hop, &queue)
            armRunExpiry(hop, &queue)
            put(queue, hop)
        }
        return finish(step, now: now)
    }

    /// Why the store could not commit.
    public enum StoreFailure: Hashable, Sendable {
        /// The disk (or the database's size limit) is full.
        case full
        /// Any other failure, as the store reports it.
        case io(String)
    }

    /// The store could not commit these stanzas. Those no live hop is carrying bounce with
    /// resource-constraint (never a silent drop); those in flight wait for the hop's confirmation.
    public mutating func storeFailed(_ ids: [StanzaID], _ failure: StoreFailure, now: WallTime) -> [RoutingAction] {
        var step = Step()
        var waiting: [StanzaID] = []
        for id in ids {
            if finishedWhileStoring.remove(id) != nil { continue }
            precondition(held[id]?.durability == .storing, "store failure for \(id), which was not being stored")
            if held[id: id].sentAt != nil {
                held[id]?.durability = .refused
            } else {
                waiting.append(id)
            }
        }
        var touched: [NextHop] = []
        for id in waiting {
            let hop = held[id: id].record.hop
            hops[hop]?.pending.left()
            touched.append(hop)
        }
        let reason =
            switch failure {
            case .full: "store full"
            case .io(let message): "store failed: \(message)"
            }
        bounceUnstorable(waiting, reason: reason, &step)
        advanceLive(touched, now: now, &step)
        for hop in touched { if let queue = hops.removeValue(forKey: hop) { put(queue, hop) } }
        return finish(step, now: now)
    }

    /// The time `schedule` asked for has come (or any later time): hold expiries, age limits, retries.
    public mutating func timer(now: WallTime) -> [RoutingAction] {
        var step = Step()
        scheduled = nil
        processDue(now: now, &step)
        return finish(step, now: now)
    }

    /// A link from `domain` authenticated inbound: it is reachable again, so retry its hops now
    /// instead of waiting out the backoff.
    public mutating func inboundAuthenticated(_ domain: DomainName, now: WallTime) -> [RoutingAction] {
        var step = Step()
        for hop in hops.keys.sorted(by: { $0.description < $1.description }) where hop.domain == domain {
            guard case .waiting(let failures, _)? = hops[hop]?.state else { continue }
            hops[hop]?.state = .connecting(failures: failures)
            step.actions.append(.connect(hop))
        }
        return finish(step, now: now)
    }

    /// An upstream link closed: nothing more can be confirmed to it. Its stanzas stay queued (the peer
    /// resends what we had not confirmed: at least once, duplicates allowed).
    public mutating func upstreamClosed(_ link: LinkID) {
        ledgers[link] = nil
    }

    /// The relay started with these stored backlogs (`Store.keys()`; custody of all of them was
    /// confirmed before the restart): each hop resumes with one stored run and is dialled; records
    /// come back through `load` when the hop takes them or the oldest may be due. `newestStoredID` is
    /// the store's largest id at start (every id given out afterwards is larger), the runs' end.
    public mutating func restarted(_ backlogs: [StoredBacklog], newestStoredID: StanzaID, now: WallTime)
        -> [RoutingAction]
    {
        precondition(held.isEmpty && hops.isEmpty, "restarted with stanzas already queued")
        var step = Step()
        var order: [NextHop] = []
        for backlog in backlogs where backlog.count > 0 {
            precondition(hops[backlog.hop] == nil, "\(backlog.hop) restored twice")
            precondition(backlog.oldestID <= newestStoredID, "\(backlog.hop) restored beyond the store's newest id")
            var queue = HopQueue()
            queue.unswept = true
            queue.pending.append(
                StoredRun(
                    first: backlog.oldestID, last: newestStoredID, count: backlog.count, bytes: backlog.bytes,
                    oldestAcceptedAt: backlog.oldestAcceptedAt, mayHoldShortLived: true))
            heldBytes += backlog.bytes
            heldBytesPerDomain[backlog.hop.domain, default: 0] += backlog.bytes
            armRunExpiry(backlog.hop, &queue)
            hops[backlog.hop] = queue
            order.append(backlog.hop)
        }
        processDue(now: now, &step)
        for hop in order {
            guard var queue = hops.removeValue(forKey: hop) else { continue }
            advance(hop, &queue, now: now, &step)
            put(queue, hop)
        }
        return finish(step, now: now)
    }

    /// The page `load` asked for: the hop's records with ids in its range, in id order, at most its
    /// limit (none: the range holds no more). What is due expires; what the live hop's window takes
    /// is held and sent; the rest stays in the store, and the run now starts at the first of those.
    /// A run restored at start is swept once, page by page: iqs and availability presence in it are
    /// held (on their own deadlines), the rest becomes exact runs again.
    public mutating func loaded(_ hop: NextHop, _ records: [StanzaRecord], now: WallTime) -> [RoutingAction] {
        var step = Step()
        guard var queue = hops.removeValue(forKey: hop), let request = queue.loading else {
            preconditionFailure("\(hop) loaded a page nobody asked for")
        }
        queue.loading = nil
        dropLeftFront(&queue)
        // The run may have changed meanwhile (a link handed stanzas back before it and they joined
        // it): then the page is stale, and asked for again below if still needed.
        var fresh: [StanzaID] = []
        if let (index, run) = queue.pending.run(from: request.from) {
            var room = 0
            if queue.pending.isFront(index, skipping: { held[$0] == nil }), case .up(let live) = queue.state {
                room = live.acks == .none ? request.limit : policy.sendWindow - live.inFlight.count
            }
            var rest = run
            var entries: [PendingEntry] = []
            var stopped = false
            /// Whether the next stored record may join the last new run: not across one that left
            /// (its row may be read again until its delete commits).
            var joinable = false
            for record in records where record.id >= rest.first && record.id <= request.through && record.hop == hop {
                guard rest.count > 0 else { break }
                if let discard = queue.discard, record.id <= discard.through {
                    // Found unreachable: it bounces (or is dropped) like those that were in memory.
                    rest.count -= 1
                    rest.bytes -= record.bytes
                    rest.first = StanzaID(record.id.value + 1)
                    rest.oldestAcceptedAt = record.acceptedAt
                    held[record.id] = HeldStanza(record: record, upstream: nil, durability: .stored)
                    if record.kind.bounces {
                        step.actions.append(.bounce(record.id, discard.condition, text: discard.reason))
                    }
                    release(record.id, &step)
                    joinable = false
                    continue
                }
                let due = deadline(of: record) <= now
                let wanted = fresh.count < room
                guard due || wanted || rest.mayHoldShortLived else {
                    // Neither due nor wanted yet: the run starts here again.
                    rest.first = record.id
                    rest.oldestAcceptedAt = record.acceptedAt
                    stopped = true
                    break
                }
                rest.count -= 1
                rest.bytes -= record.bytes
                rest.first = StanzaID(record.id.value + 1)
                rest.oldestAcceptedAt = record.acceptedAt  // the next was accepted no earlier
                // Its bytes stay counted: the run counted them, the held stanza or new run does now.
                if !due && !wanted && record.kind.pages {
                    if joinable, case .stored(let earlier)? = entries.last {
                        entries[entries.count - 1] = .stored(earlier.joined(with: StoredRun(record)))
                    } else {
                        entries.append(.stored(StoredRun(record)))
                    }
                    joinable = true
                    continue
                }
                joinable = false
                held[record.id] = HeldStanza(record: record, upstream: nil, durability: .stored)
                if due {
                    expire(record.id, now: now, &step)
                } else {
                    entries.append(.held(record.id))
                    fresh.append(record.id)
                }
            }
            // Done when all it counted came back, or nothing is left in its range: rows deleted behind
            // the engine's back (`queue drop`) are found gone then. A short page proves nothing (the
            // relay leaves out rows it cannot read); an empty one ends the asked range, and a run that
            // grew meanwhile continues after it.
            var exhausted = rest.count <= 0 || rest.first > rest.last
            if !stopped && !records.contains(where: { $0.id >= run.first && $0.id <= request.through && $0.hop == hop })
            {
                if rest.last > request.through {
                    rest.first = StanzaID(request.through.value + 1)
                } else {
                    exhausted = true
                }
            }
            if exhausted {
                heldBytes -= rest.bytes
                heldBytesPerDomain[hop.domain, default: 0] -= rest.bytes
                if heldBytesPerDomain[hop.domain] == 0 { heldBytesPerDomain[hop.domain] = nil }
            }
            queue.pending.replace(runAt: index, with: entries + (exhausted ? [] : [.stored(rest)]))
        }
        advance(hop, &queue, now: now, &step)
        for id in fresh {
            guard let stanza = held[id], stanza.sentAt == nil else { continue }
            deadlines.push(.expiry(id), at: deadline(of: stanza.record))
        }
        armRunExpiry(hop, &queue)
        put(queue, hop)
        return finish(step, now: now)
    }

    // MARK: Queue moves

    /// Per-event bookkeeping: actions in order, plus the store, delete and forget batches that close the step.
    private struct Step {
        var actions: [RoutingAction] = []
        var toStore: [StanzaRecord] = []
        var deleted: [StanzaID] = []
        var forgotten: [StanzaID] = []
    }

    /// Moves the hop's pending stanzas as far as its state allows: out on a live link (up to the send
    /// window), or a `connect`
    /// when nobody is trying. (Stanzas waiting for a hop that is not up were stored as they came.)
    private mutating func advance(_ hop: NextHop, _ queue: inout HopQueue, now: WallTime, _ step: inout Step) {
        switch queue.state {
        case .up(var live):
            switch live.acks {
            case .streamManagement, .ping:
                while live.inFlight.count < policy.sendWindow, case .held(let id)? = queue.pending.front {
                    _ = queue.pending.popFront()
                    guard let stanza = held[id] else { continue }  // left from the middle earlier
                    queue.pending.left()
                    if case .availability(let addresses) = stanza.record.kind, queue.availability[addresses] == id {
                        queue.availability[addresses] = nil
                    }
                    held[id]?.sentAt = now
                    step.actions.append(.send(id, on: hop))
                    live.inFlight.append(id)
                    if stanza.durability == .memory { deadlines.push(.hold(id), at: now + policy.hold) }
                }
                requestAckIfDue(hop, &live, &step)
            case .none:
                // Send in order only what is committed; written means delivered.
                while case .held(let first)? = queue.pending.front {
                    guard let stanza = held[first] else {
                        _ = queue.pending.popFront()
                        continue
                    }
                    // Committed, or the relay's own stanza that `received` let through unstored.
                    guard stanza.durability == .stored || (stanza.durability == .memory && stanza.upstream == nil)
                    else { break }
                    _ = queue.pending.popFront()
                    queue.pending.left()
                    if case .availability(let addresses) = stanza.record.kind { queue.availability[addresses] = nil }
                    step.actions.append(.send(first, on: hop))
                    release(first, &step)
                }
            }
            queue.state = .up(live)
        case .idle:
            guard !queue.pending.isEmpty else { return }
            queue.state = .connecting(failures: 0)
            step.actions.append(.connect(hop))
        case .connecting, .waiting:
            break
        }
        requestPage(hop, &queue, now: now, &step)
    }

    // MARK: Paging

    /// The committed, waiting stanzas among `ids` (in the hop's queue, in id order) leave memory for a
    /// stored run, except those the live link's window takes next; only kinds that expire by
    /// `maxAge` (so a run's deadline is its oldest's).
    private mutating func pageOut(_ ids: [StanzaID], hop: NextHop, _ queue: inout HopQueue) {
        let keep = queue.isUp ? policy.sendWindow : 0
        for id in ids {
            guard let stanza = held[id], stanza.durability == .stored, stanza.sentAt == nil,
                stanza.upstream == nil, stanza.record.kind.pages,
                let index = queue.pending.index(ofHeld: id)
            else { continue }
            if keep > 0 && queue.pending.entries.startIndex + keep > index { continue }
            held[id] = nil
            queue.pending.pageOut(at: index, stanza.record)
        }
    }

    /// Asks for the next page the hop needs, unless one is being read: for the live link (the front
    /// run's next page, once half its window is free, so the link keeps busy while the page is read
    /// and never more than a window is in memory), for expiry (the first run's oldest may be due), or
    /// to sweep a run restored at start. Runs of a hop found unreachable come first: they bounce.
    private func requestPage(_ hop: NextHop, _ queue: inout HopQueue, now: WallTime, _ step: inout Step) {
        guard queue.loading == nil else { return }
        guard let (_, first) = queue.pending.firstRun else {
            queue.discard = nil
            return
        }
        if let discard = queue.discard {
            if first.first <= discard.through { return load(hop, first, limit: policy.sendWindow, &queue, &step) }
            queue.discard = nil
        }
        if case .stored(let front)? = queue.pending.front, case .up(let live) = queue.state {
            switch live.acks {
            case .none:
                return load(hop, front, limit: policy.sendWindow, &queue, &step)
            case .streamManagement, .ping:
                if live.inFlight.count * 2 <= policy.sendWindow {
                    return load(hop, front, limit: policy.sendWindow - live.inFlight.count, &queue, &step)
                }
            }
        }
        if first.deadline(policy) <= now { return load(hop, first, limit: policy.sendWindow, &queue, &step) }
        guard queue.unswept else { return }
        if let restored = queue.pending.entries.lazy.compactMap(\.restoredRun).first {
            load(hop, restored, limit: policy.sendWindow, &queue, &step)
        } else {
            queue.unswept = false
        }
    }

    private func load(_ hop: NextHop, _ run: StoredRun, limit: Int, _ queue: inout HopQueue, _ step: inout Step) {
        let request = PageRequest(from: run.first, through: run.last, limit: limit)
        queue.loading = request
        step.actions.append(.load(hop, from: request.from, through: request.through, limit: limit))
    }

    /// Keeps one `runExpiry` deadline for the hop's first run (later runs are younger).
    private mutating func armRunExpiry(_ hop: NextHop, _ queue: inout HopQueue) {
        guard queue.loading == nil else { return }
        guard let (_, run) = queue.pending.firstRun else {
            queue.runExpiryAt = nil
            return
        }
        let at = run.deadline(policy)
        guard queue.runExpiryAt != at else { return }
        queue.runExpiryAt = at
        deadlines.push(.runExpiry(hop), at: at)
    }

    /// Takes held ids that left the queue off its front.
    private func dropLeftFront(_ queue: inout HopQueue) {
        while case .held(let id)? = queue.pending.front, held[id] == nil { _ = queue.pending.popFront() }
    }

    /// Advances the live hops among `touched` (a hop without acks may send what was just committed).
    private mutating func advanceLive(_ touched: [NextHop], now: WallTime, _ step: inout Step) {
        var seen: Set<NextHop> = []
        for hop in touched where seen.insert(hop).inserted {
            guard hops[hop]?.isUp == true, var queue = hops.removeValue(forKey: hop) else { continue }
            advance(hop, &queue, now: now, &step)
            put(queue, hop)
        }
    }

    /// Timers due by `now`, in deadline order: age limits, hold expiries (stored, one `queue.deferred`
    /// per hop), retries.
    private mutating func processDue(now: WallTime, _ step: inout Step) {
        var overdue: [NextHop: [StanzaID]] = [:]
        var overdueOrder: [NextHop] = []
        var expiredOn: [NextHop] = []
        while let entry = deadlines.top, entry.at <= now {
            deadlines.pop()
            guard isLive(entry) else { continue }
            switch entry.due {
            case .expiry(let id):
                let hop = held[id: id].record.hop
                expiredOn.append(hop)
                hops[hop]?.pending.left()
                expire(id, now: now, &step)
            case .runExpiry(let hop):
                guard var queue = hops.removeValue(forKey: hop) else { continue }
                queue.runExpiryAt = nil
                requestPage(hop, &queue, now: now, &step)
                armRunExpiry(hop, &queue)  // unless a page is being read: `loaded` arms it then
                put(queue, hop)
            case .hold(let id):
                let hop = held[id: id].record.hop
                if overdue[hop] == nil { overdueOrder.append(hop) }
                overdue[hop, default: []].append(id)
            case .retry(let hop):
                guard case .waiting(let failures, _)? = hops[hop]?.state else { continue }
                if hops[hop]?.pending.isEmpty == true {
                    hops[hop] = nil  // idle and empty
                } else {
                    hops[hop]?.state = .connecting(failures: failures)
                    step.actions.append(.connect(hop))
                }
            }
        }
        for hop in overdueOrder {
            storeMemoryResident(overdue[hop] ?? [], hop: hop, logging: [.init("reason", "hold-expired")], &step)
        }
        advanceLive(expiredOn, now: now, &step)
    }

    /// Whether a heap entry still applies (see `DeadlineHeap`).
    private func isLive(_ entry: DeadlineHeap.Entry) -> Bool {
        switch entry.due {
        case .expiry(let id):
            guard let stanza = held[id] else { return false }
            return stanza.sentAt == nil && deadline(of: stanza.record) == entry.at
        case .hold(let id):
            // Held in memory only: in flight since `sentAt`, or waiting for the window since acceptance.
            guard let stanza = held[id], stanza.durability == .memory else { return false }
            return (stanza.sentAt ?? stanza.record.acceptedAt) + policy.hold == entry.at
        case .retry(let hop):
            guard case .waiting(_, let until)? = hops[hop]?.state else { return false }
            return until == entry.at
        case .runExpiry(let hop):
            return hops[hop]?.runExpiryAt == entry.at
        }
    }

    /// One outstanding ack request per hop: a new one covers everything sent since the last was asked.
    private func requestAckIfDue(_ hop: NextHop, _ live: inout HopQueue.LiveLink, _ step: inout Step) {
        guard live.requested == 0, live.unrequested > 0 else { return }
        live.requested = live.unrequested
        step.actions.append(.requestAck(hop, covering: live.requested))
    }

    /// Puts the memory-only stanzas among `ids` into this step's `store`; logs `queue.deferred` once
    /// for the hop when `logging` gives the fields.
    private mutating func storeMemoryResident(
        _ ids: [StanzaID], hop: NextHop, logging: [QueueLog.Field]?, _ step: inout Step
    ) {
        var count = 0
        for id in ids where held[id: id].durability == .memory {
            held[id]?.durability = .storing
            step.toStore.append(held[id: id].record)
            count += 1
        }
        guard count > 0, let logging else { return }
        step.actions.append(.log(QueueLog(.deferred, [.init("hop", "\(hop)"), .init("count", "\(count)")] + logging)))
    }

    /// A newer availability presence replaces an unsent one for the same addresses.
    private mutating func replaceAvailability(
        _ addresses: PresenceAddresses, with newer: StanzaID, in queue: inout HopQueue, _ step: inout Step
    ) {
        if let older = queue.availability[addresses], let stanza = held[older], stanza.sentAt == nil {
            queue.pending.left()
            release(older, &step)
        }
        queue.availability[addresses] = newer
    }

    /// Bounces (or drops) a pending stanza whose time is up: iqs after `iqHold`, the rest after `maxAge`.
    /// The caller took it off its hop's queue.
    private mutating func expire(_ id: StanzaID, now: WallTime, _ step: inout Step) {
        let record = held[id: id].record
        let outcome = record.kind.bounces ? "bounced" : "dropped"
        step.actions.append(
            .log(
                QueueLog(
                    .expired,
                    [
                        .init("id", "\(id.value)"), .init("hop", "\(record.hop)"), .init("kind", record.kind.name),
                        .init("age_ms", "\((now - record.acceptedAt).wholeMilliseconds)"), .init("outcome", outcome),
                    ])))
        if record.kind.bounces {
            step.actions.append(.bounce(id, .remoteServerTimeout, text: "\(record.to) could not be reached in time"))
        }
        release(id, &step)
    }

    private func deadline(of record: StanzaRecord) -> WallTime {
        switch record.kind {
        case .iqRequest, .iqResponse: record.acceptedAt + policy.iqHold
        case .message, .subscription, .availability, .error: record.acceptedAt + policy.maxAge
        }
    }

    /// Stanzas neither the store nor a hop holds: bounced with resource-constraint (error stanzas and
    /// the like only dropped), one `queue.bounced` line for the lot.
    private mutating func bounceUnstorable(_ ids: [StanzaID], reason: String, _ step: inout Step) {
        guard !ids.isEmpty else { return }
        step.actions.append(.log(QueueLog(.bounced, [.init("count", "\(ids.count)"), .init("reason", reason)])))
        for id in ids {
            if held[id: id].record.kind.bounces {
                step.actions.append(.bounce(id, .resourceConstraint, text: "the relay could not queue it (\(reason))"))
            }
            release(id, &step)
        }
    }

    /// The engine is done with the stanza (delivered, bounced, dropped, replaced): it is settled for
    /// its upstream, its row goes, its bytes are freed. The caller took it off its hop's lists.
    private mutating func release(_ id: StanzaID, _ step: inout Step) {
        takeCustody(of: id, &step)
        guard let stanza = held.removeValue(forKey: id) else { preconditionFailure("released \(id) twice") }
        heldBytes -= stanza.record.bytes
        heldBytesPerDomain[stanza.record.to, default: 0] -= stanza.record.bytes
        if heldBytesPerDomain[stanza.record.to] == 0 { heldBytesPerDomain[stanza.record.to] = nil }
        switch stanza.durability {
        case .stored: step.deleted.append(id)
        case .storing: finishedWhileStoring.insert(id)
        case .memory, .refused: break
        }
        step.forgotten.append(id)
    }

    /// The relay holds the stanza for good (stored, confirmed by the hop, or answered): settle it upstream.
    private mutating func takeCustody(of id: StanzaID, _ step: inout Step) {
        guard let upstream = held[id]?.upstream else { return }
        held[id]?.upstream = nil
        settle(upstream, &step)
    }

    private mutating func settle(_ upstream: Upstream, _ step: inout Step) {
        // Settled in place (a copy would copy its set); nil when the link closed meanwhile.
        guard let count = ledgers[upstream.link]?.settle(upstream.sequence) else { return }
        guard count > 0 else { return }
        // One confirmation per link and step: several stanzas settled together make one `<a h/>`.
        if case .ackUpstream(let link, let earlier)? = step.actions.last, link == upstream.link {
            step.actions[step.actions.count - 1] = .ackUpstream(link, count: earlier + count)
        } else {
            step.actions.append(.ackUpstream(upstream.link, count: count))
        }
    }

    /// The cap a new stanza would break, by its configuration key.
    private func exceededCap(by record: StanzaRecord) -> String? {
        if heldBytes + record.bytes > policy.maxBytes { return "max_bytes" }
        if heldBytesPerDomain[record.to, default: 0] + record.bytes > policy.maxBytesPerDomain {
            return "max_bytes_per_domain"
        }
        return nil
    }

    /// Takes the hop's queue out of the table to change it (so its arrays are not copied on write);
    /// `put` returns it.
    private mutating func takeQueue(_ hop: NextHop) -> HopQueue {
        hops.removeValue(forKey: hop) ?? HopQueue()
    }

    private mutating func put(_ queue: HopQueue, _ hop: NextHop) {
        hops[hop] = queue.isDisposable ? nil : queue
    }

    /// Closes the step: the batched store, delete and forget, then a new `schedule` if the earliest
    /// deadline moved.
    private mutating func finish(_ step: Step, now: WallTime) -> [RoutingAction] {
        var actions = step.actions
        if !step.toStore.isEmpty { actions.append(.store(step.toStore)) }
        if !step.deleted.isEmpty { actions.append(.delete(step.deleted)) }
        if !step.forgotten.isEmpty { actions.append(.forget(step.forgotten)) }
        if let next = nextDeadline(), next != scheduled {
            scheduled = next
            actions.append(.schedule(at: next))
        }
        return actions
    }

    /// The earliest hold expiry, age limit or retry that still applies.
    private mutating func nextDeadline() -> WallTime? {
        while let top = deadlines.top, !isLive(top) { deadlines.pop() }
        // Stale entries (stanzas delivered long before their age limit) would otherwise stay for days.
        if deadlines.count > 2 * (held.count + hops.count) + 64 {
            var heap = deadlines
            heap.retain { isLive($0) }
            deadlines = heap
        }
        return deadlines.top?.at
    }
}

extension Dictionary where Key == StanzaID, Value == HeldStanza {
    /// A stanza the engine's lists name: it must be held (a miss is a bookkeeping bug, not an input).
    subscript(id id: StanzaID) -> HeldStanza {
        guard let stanza = self[id] else { preconditionFailure("stanza \(id) is listed but not held") }
        return stanza
    }
}
