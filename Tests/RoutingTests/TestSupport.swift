import Routing
import S2S
import XCTest
import XMPPStream

func domain(_ text: String) -> DomainName { try! DomainName(text) }

/// SplitMix64: a seeded generator, so jittered delays are the same on every run.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The relay of these transcripts serves smith.example (a home server on link 1) and the component
/// iot.smith.example (link 2); jabber.org is remote and reaches the relay on link 3.
enum Net {
    static let smith = domain("smith.example")
    static let iot = domain("iot.smith.example")
    static let jabber = domain("jabber.org")
    static let rule = RouteRule(homeDomains: [smith], componentDomains: [iot])
    static let homeLink = LinkID(1)
    static let componentLink = LinkID(2)
    static let remoteLink = LinkID(3)
    /// smith.example -> jabber.org, over the public network.
    static let toJabber = NextHop(from: smith, to: .remote(jabber))
    /// jabber.org -> smith.example, over the home link.
    static let toSmith = NextHop(from: jabber, to: .home(smith))
    static let toIoT = NextHop(from: smith, to: .component(iot))
    static let start = WallTime(milliseconds: 1_800_000_000_000)
}

/// Drives one engine through a transcript: stanzas get ids 1, 2, … in order, upstream sequences count
/// per link, and actions come back as text lines (times relative to the start) so a test reads as
/// the exchange it checks. A simulated store keeps the records of `store` actions once `stored`
/// reports their commit (until `delete`), and `loaded` answers the last `load` from it.
struct Transcript {
    var engine: RoutingEngine<SeededRandom>
    var now = Net.start
    private var nextID: UInt64 = 1
    private var sequences: [LinkID: UInt64] = [:]
    /// Records in `store` actions not reported committed yet.
    private var storing: [StanzaID: StanzaRecord] = [:]
    /// The simulated store's committed rows.
    var disk: [StanzaID: StanzaRecord] = [:]
    /// The `load` not answered yet, per hop.
    private(set) var loads: [NextHop: (from: StanzaID, through: StanzaID, limit: Int)] = [:]

    init(policy: QueuePolicy = QueuePolicy(), seed: UInt64 = 42) {
        engine = RoutingEngine(rule: Net.rule, policy: policy, random: SeededRandom(seed: seed))
    }

    mutating func wait(_ duration: Duration) { now = now + duration }

    /// The home server (link 1) sends a stanza from smith.example to `to`.
    mutating func fromSmith(
        _ kind: StanzaKind = .message, to: DomainName = Net.jabber, bytes: Int = 100
    ) -> [String] {
        receive(kind, from: Net.smith, to: to, bytes: bytes, link: Net.homeLink, arrival: .home([Net.smith]))
    }

    /// jabber.org (link 3) sends a stanza to smith.example.
    mutating func fromJabber(_ kind: StanzaKind = .message, to: DomainName = Net.smith, bytes: Int = 100) -> [String] {
        receive(kind, from: Net.jabber, to: to, bytes: bytes, link: Net.remoteLink, arrival: .remote)
    }

    mutating func receive(
        _ kind: StanzaKind, from: DomainName, to: DomainName, bytes: Int, link: LinkID, arrival: RouteRule.Arrival
    ) -> [String] {
        sequences[link, default: 0] += 1
        let stanza = IncomingStanza(
            id: StanzaID(nextID), kind: kind, from: from, to: to, bytes: bytes,
            origin: .link(Upstream(link: link, sequence: sequences[link]!), arrival: arrival))
        nextID += 1
        let actions = engine.received(stanza, now: now)
        return run(actions)
    }

    /// The relay writes a stanza itself (a bounce).
    mutating func fromRelay(_ kind: StanzaKind, from: DomainName, to: DomainName) -> [String] {
        let stanza = IncomingStanza(id: StanzaID(nextID), kind: kind, from: from, to: to, bytes: 50, origin: .relay)
        nextID += 1
        let actions = engine.received(stanza, now: now)
        return run(actions)
    }

    mutating func up(_ hop: NextHop, _ acks: NextHopAcks = .streamManagement) -> [String] {
        let actions = engine.nextHopUp(hop, acks: acks, now: now)
        return run(actions)
    }

    mutating func down(_ hop: NextHop, _ reason: String = "connection refused") -> [String] {
        let actions = engine.nextHopDown(hop, reason: reason, now: now)
        return run(actions)
    }

    mutating func unreachable(_ hop: NextHop, _ reason: String = "no such domain") -> [String] {
        Self.lines(engine.nextHopUnreachable(hop, reason: reason, now: now))
    }

    mutating func stopping() -> [String] { Self.lines(engine.stopping(now: now)) }

    mutating func acked(_ hop: NextHop, _ count: Int) -> [String] {
        let actions = engine.acknowledged(hop, count: count, now: now)
        return run(actions)
    }

    mutating func stored(_ ids: UInt64...) -> [String] { stored(ids) }

    mutating func stored(_ ids: [UInt64]) -> [String] {
        for id in ids.map(StanzaID.init) { disk[id] = storing.removeValue(forKey: id) }
        let actions = engine.stored(ids.map(StanzaID.init), now: now)
        return run(actions)
    }

    mutating func storeFailed(_ failure: RoutingEngine<SeededRandom>.StoreFailure, _ ids: UInt64...) -> [String] {
        let actions = engine.storeFailed(ids.map(StanzaID.init), failure, now: now)
        return run(actions)
    }

    mutating func timer() -> [String] {
        let actions = engine.timer(now: now)
        return run(actions)
    }

    mutating func inbound(_ domain: DomainName) -> [String] {
        let actions = engine.inboundAuthenticated(domain, now: now)
        return run(actions)
    }

    /// The relay restarts on the simulated store's rows: the engine gets their summaries per hop.
    mutating func restarted() -> [String] {
        var backlogs: [NextHop: StoredBacklog] = [:]
        for record in disk.values.sorted(by: { $0.id < $1.id }) {
            if var backlog = backlogs[record.hop] {
                backlog.count += 1
                backlog.bytes += record.bytes
                backlogs[record.hop] = backlog
            } else {
                backlogs[record.hop] = StoredBacklog(
                    hop: record.hop, count: 1, bytes: record.bytes, oldestID: record.id,
                    oldestAcceptedAt: record.acceptedAt)
            }
        }
        nextID = max(nextID, (disk.keys.map(\.value).max() ?? 0) + 1)
        // Store.keys() lists keys in key order.
        let summaries = backlogs.values.sorted { $0.hop.storeKey < $1.hop.storeKey }
        let actions = engine.restarted(summaries, newestStoredID: StanzaID(nextID - 1), now: now)
        return run(actions)
    }

    /// Answers the hop's outstanding `load` from the simulated store (`dropping` rows first, as
    /// `queue drop` would; `omitting` rows read but unreadable, which the relay deletes and leaves out).
    mutating func loaded(_ hop: NextHop, dropping: [UInt64] = [], omitting: [UInt64] = []) -> [String] {
        for id in dropping { disk[StanzaID(id)] = nil }
        guard let request = loads.removeValue(forKey: hop) else {
            XCTFail("no load outstanding for \(hop)")
            return []
        }
        let page = disk.values.filter { $0.hop == hop && $0.id >= request.from && $0.id <= request.through }
            .sorted { $0.id < $1.id }.prefix(request.limit).filter { !omitting.contains($0.id.value) }
        for id in omitting { disk[StanzaID(id)] = nil }
        let actions = engine.loaded(hop, Array(page), now: now)
        return run(actions)
    }

    /// `unreachable`, keeping the simulated store in step: the stored runs it reads back to bounce.
    mutating func unreachableReadingBack(_ hop: NextHop, _ reason: String = "no such domain") -> [String] {
        let actions = engine.nextHopUnreachable(hop, reason: reason, now: now)
        return run(actions)
    }

    /// Keeps the simulated store in step with the actions, and describes them.
    private mutating func run(_ actions: [RoutingAction]) -> [String] {
        for action in actions {
            switch action {
            case .store(let records): for record in records { storing[record.id] = record }
            case .delete(let ids): for id in ids { disk[id] = nil }
            case .load(let hop, let from, let through, let limit): loads[hop] = (from, through, limit)
            default: break
            }
        }
        return Self.lines(actions)
    }

    /// Static, so that `Self.lines(engine.received(…))` does not copy `self` (and the engine with it)
    /// as the base of the call before the engine mutates: that copy made every event O(held stanzas).
    static func lines(_ actions: [RoutingAction]) -> [String] { actions.map(describe) }

    static func describe(_ action: RoutingAction) -> String {
        func ids(_ list: [StanzaID]) -> String { list.map(\.description).joined(separator: " ") }
        switch action {
        case .send(let id, let hop): return "send \(id) \(hop)"
        case .requestAck(let hop, let covering): return "requestAck \(hop) \(covering)"
        case .store(let records): return "store \(ids(records.map(\.id)))"
        case .delete(let list): return "delete \(ids(list))"
        case .forget(let list): return "forget \(ids(list))"
        case .bounce(let id, let condition, _): return "bounce \(id) \(condition.rawValue) \(condition.type)"
        case .refuse(let id, let refusal, _): return "refuse \(id) \(refusal.rawValue)"
        case .ackUpstream(let link, let count): return "ackUpstream \(link) \(count)"
        case .connect(let hop): return "connect \(hop)"
        case .load(let hop, let from, let through, let limit): return "load \(hop) \(from)...\(through) \(limit)"
        case .schedule(let at): return "schedule +\(at.milliseconds - Net.start.milliseconds)ms"
        case .log(let log):
            return ([log.event.rawValue] + log.fields.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
        }
    }
}

/// The retry delay a `queue.deferred` line announces.
func retryDelay(in lines: [String]) -> Int? {
    for line in lines where line.hasPrefix("queue.deferred") {
        for field in line.split(separator: " ") where field.hasPrefix("retry_in_ms=") {
            return Int(field.dropFirst("retry_in_ms=".count))
        }
    }
    return nil
}

func XCTAssertLines(
    _ actual: [String], _ expected: [String], _ message: String = "", file: StaticString = #filePath,
    line: UInt = #line
) {
    XCTAssertEqual(actual, expected, "\(message)\n" + actual.joined(separator: "\n"), file: file, line: line)
}
