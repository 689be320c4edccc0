import EventLoop
import RelayConfig
import RelayLog

/// A link's unsent output as the budget sees it.
protocol OutputGauge: AnyObject {
    /// Report the current backlog to the budget (`OutputBudget.adjust`).
    func syncOutput()
    /// The global cap was crossed or cleared: start or stop reading accordingly.
    func outputPressureChanged()
}

/// `[limits] link_output_bytes`, `max_output_bytes` and `write_stall`: bytes waiting for peers that
/// read slowly or not at all. A peer that sends requests and never reads the replies would otherwise
/// make the relay buffer without limit. Each link stops reading from its peer while its own backlog
/// is over `linkHighWater` (so the kernel's window throttles the requests) and resumes at
/// `linkLowWater`; so does a link whose input was being routed onto a link over its mark (a stanza
/// for a component that does not read). The sum over all links stops reading everywhere past
/// `globalCap` until it halves. Limits are logged like `ConnectionLimits`'.
final class OutputBudget {
    private(set) var linkHighWater: Int
    private(set) var globalCap: Int
    private(set) var writeStall: Duration
    /// Resume at a quarter of the mark: far enough below it that reading does not flap per record.
    var linkLowWater: Int { linkHighWater / 4 }

    /// Unsent bytes over all links, as last reported (links report after each write and when a
    /// backlog falls; a shrinking backlog may be reported late, so this errs high, never low).
    private(set) var total = 0
    private(set) var isOverGlobalCap = false
    /// The link whose input is being processed now, so a link whose backlog that input grows past
    /// its mark can stop the right reader (one loop thread: one reader at a time).
    weak var reading: OutputGauge?
    private var gauges: [ObjectIdentifier: Weak] = [:]
    private var recheck: Cancellable?
    private var lastLogged: [String: Int64] = [:]
    private let loop: Loop
    private let logger: Logger

    /// Released backlogs at least this large are handed back to the kernel (`malloc_trim`): glibc
    /// otherwise keeps the freed heap, and a flood's backlog would stay resident after it ends.
    /// Only links that went over a mark get there, so the trim (a heap walk) stays rare.
    static var trimThreshold: Int { 256 * 1024 }
    static var recheckInterval: Duration { .milliseconds(200) }

    private struct Weak {
        weak var gauge: OutputGauge?
    }

    convenience init(_ limits: LimitSettings, loop: Loop, logger: Logger) {
        self.init(
            linkHighWater: limits.linkOutputBytes, globalCap: limits.maxOutputBytes, writeStall: limits.writeStall,
            loop: loop, logger: logger)
    }

    init(linkHighWater: Int, globalCap: Int, writeStall: Duration, loop: Loop, logger: Logger) {
        self.linkHighWater = linkHighWater
        self.globalCap = globalCap
        self.writeStall = writeStall
        self.loop = loop
        self.logger = logger
    }

    /// A reload changes the marks for every link from now on.
    func configure(_ limits: LimitSettings) {
        linkHighWater = limits.linkOutputBytes
        globalCap = limits.maxOutputBytes
        writeStall = limits.writeStall
    }

    /// Stanza bytes handed to the store and not yet committed are over `storeBacklogCap`: every
    /// link stops reading until half of it is committed (the disk is the bottleneck; reading on would
    /// only pile stanzas up in memory). Commits do not wait for any link, so this always ends.
    private(set) var isStoreBacklogged = false
    static var storeBacklogCap: Int { 128 * 1024 }

    /// Whether every link stops reading now (global output cap, or the store's backlog).
    var pausesReading: Bool { isOverGlobalCap || isStoreBacklogged }

    /// The store's uncommitted bytes are now `bytes`.
    func storeBacklog(_ bytes: Int) {
        if !isStoreBacklogged, bytes > Self.storeBacklogCap {
            isStoreBacklogged = true
            notifyAll()
        } else if isStoreBacklogged, bytes <= Self.storeBacklogCap / 2 {
            isStoreBacklogged = false
            notifyAll()
        }
    }

    func register(_ gauge: OutputGauge) { gauges[ObjectIdentifier(gauge)] = Weak(gauge: gauge) }

    func unregister(_ gauge: OutputGauge) { gauges[ObjectIdentifier(gauge)] = nil }

    /// A link's backlog changed by `delta` bytes.
    func adjust(by delta: Int) {
        guard delta != 0 else { return }
        total = max(0, total + delta)
        if !isOverGlobalCap, total > globalCap {
            isOverGlobalCap = true
            report(
                "max_output_bytes", value: String(globalCap), address: nil,
                detail: "unsent output over all links; reading paused on every link until it halves",
                hint: "raise [limits] max_output_bytes in the configuration (then kill -HUP the relay)")
            recheck = loop.scheduleRepeating(every: Self.recheckInterval) { [weak self] in self?.measure() }
            notifyAll()
        } else if isOverGlobalCap, total <= globalCap / 2 {
            isOverGlobalCap = false
            recheck = nil
            notifyAll()
        }
    }

    /// A link closed while over its mark for `writeStall`: one `limit.reached` line (at most once a
    /// minute, so many stuck peers cannot flood the log).
    func reportStall(link: Int, _ address: SocketAddress, unsent: Int) {
        report(
            "write_stall", link: link, value: "\(writeStall.components.seconds)s", address: address,
            detail: "a link's peer left its output unread that long (\(unsent) bytes unsent); link closed",
            hint: "raise [limits] write_stall (or link_output_bytes) in the configuration (then kill -HUP the relay)")
    }

    /// A link let go of its connection, whose backlog peaked at `peak` bytes.
    func released(peak: Int) {
        if peak >= Self.trimThreshold { ProcessMemory.trimHeap() }
    }

    /// While over the cap, backlogs shrink without writes to report them: ask every link.
    private func measure() {
        for entry in Array(gauges.values) { entry.gauge?.syncOutput() }
        gauges = gauges.filter { $0.value.gauge != nil }
    }

    private func notifyAll() {
        for entry in Array(gauges.values) { entry.gauge?.outputPressureChanged() }
    }

    private func report(
        _ limit: String, link: Int? = nil, value: String, address: SocketAddress?, detail: String, hint: String
    ) {
        let now = loop.unixSeconds
        if let last = lastLogged[limit], now - last < 60 { return }
        lastLogged[limit] = now
        var fields: [(String, String)] = link.map { [("link", String($0))] } ?? []
        fields += [("limit", limit), ("value", value)]
        if let address { fields.append(("addr", address.ipText)) }
        fields += [("detail", detail), ("hint", hint)]
        logger.warn("limit.reached", fields)
    }
}
