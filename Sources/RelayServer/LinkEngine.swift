import S2S
import XMPPStream

/// The S2S engine a `Link` drives: one of the three roles, behind one face for the driver.
enum LinkEngine {
    case outbound(OutboundStream)
    case inbound(InboundStream)
    case component(ComponentStream)

    var direction: LinkDirection {
        switch self {
        case .outbound: .outbound
        case .inbound: .inbound
        case .component: .component
        }
    }

    var stateName: String {
        switch self {
        case .outbound(let engine): engine.stateName
        case .inbound(let engine): engine.stateName
        case .component(let engine): engine.stateName
        }
    }

    /// What the driver reports to every engine, whatever its role.
    enum Input {
        case start
        case receive(StreamEvent)
        case send(Element)
        case timer(LinkTimer)
        case shutdown(String)
        case lost(String)
        /// The relay ends the stream with a stream error (a reload no longer allows the link).
        case close(StreamError)
    }

    mutating func handle(_ input: Input) -> [Action] {
        switch self {
        case .outbound(var engine):
            let actions = Self.apply(input, to: &engine)
            self = .outbound(engine)
            return actions
        case .inbound(var engine):
            let actions = Self.apply(input, to: &engine)
            self = .inbound(engine)
            return actions
        case .component(var engine):
            let actions = Self.apply(input, to: &engine)
            self = .component(engine)
            return actions
        }
    }

    private static func apply<Engine: StreamEngine>(_ input: Input, to engine: inout Engine) -> [Action] {
        switch input {
        case .start: engine.start()
        case .receive(let event): engine.receive(event)
        case .send(let stanza): engine.send(stanza)
        case .timer(let timer): engine.timerFired(timer)
        case .shutdown(let reason): engine.shutdown(reason: reason)
        case .lost(let reason): engine.connectionLost(reason: reason)
        case .close(let error): engine.close(with: error)
        }
    }

    /// Outbound: TLS is up and judged. Inbound: TLS is up (judged later, once the header names the peer).
    mutating func tlsEstablished(_ verdict: PeerAuthentication?) -> [Action] {
        switch self {
        case .outbound(var engine):
            let actions = engine.tlsEstablished(verdict ?? .unverified("no certificate check"))
            self = .outbound(engine)
            return actions
        case .inbound(var engine):
            let actions = engine.tlsEstablished()
            self = .inbound(engine)
            return actions
        case .component:
            return []
        }
    }

    mutating func peerVerified(_ verdict: PeerAuthentication) -> [Action] {
        guard case .inbound(var engine) = self else { return [] }
        let actions = engine.peerVerified(verdict)
        self = .inbound(engine)
        return actions
    }

    mutating func dialbackKeyChecked(_ request: DialbackVerification, valid: Bool) -> [Action] {
        guard case .inbound(var engine) = self else { return [] }
        let actions = engine.dialbackKeyChecked(request, valid: valid)
        self = .inbound(engine)
        return actions
    }

    /// Dialback verifying role: ask the authoritative server (outbound verify-only links).
    mutating func verify(_ request: DialbackVerification) -> [Action] {
        guard case .outbound(var engine) = self else { return [] }
        let actions = engine.verify(request)
        self = .outbound(engine)
        return actions
    }

    mutating func claimResult(granted: Bool) -> [Action] {
        guard case .component(var engine) = self else { return [] }
        let actions = engine.claimResult(granted: granted)
        self = .component(engine)
        return actions
    }

    mutating func custodyTaken(_ count: Int) -> [Action] {
        switch self {
        case .outbound(var engine):
            let actions = engine.custodyTaken(count)
            self = .outbound(engine)
            return actions
        case .inbound(var engine):
            let actions = engine.custodyTaken(count)
            self = .inbound(engine)
            return actions
        case .component:
            return []
        }
    }

    /// XEP-0198 `<r/>` now, if anything sent is unconfirmed.
    mutating func requestAck() -> [Action] {
        switch self {
        case .outbound(var engine):
            let actions = engine.requestAck()
            self = .outbound(engine)
            return actions
        case .inbound(var engine):
            let actions = engine.requestAck()
            self = .inbound(engine)
            return actions
        case .component:
            return []
        }
    }

    /// The peer domain this link is about, as far as known (for the log).
    var remoteName: String {
        switch self {
        case .outbound(let engine): engine.configuration.remote.value
        case .inbound(let engine): engine.peerDomain?.value ?? "-"
        case .component(let engine): engine.domain?.value ?? "-"
        }
    }

    /// The (local, remote) pairs authenticated on this s2s link; empty for components and
    /// verify-only links.
    var authenticatedPairs: [DomainPair] {
        switch self {
        case .outbound(let engine):
            guard engine.configuration.authenticates else { return [] }
            return engine.authenticatedLocals.map { DomainPair(local: $0, remote: engine.configuration.remote) }
        case .inbound(let engine): return engine.pairs
        case .component: return []
        }
    }

    /// An inbound XEP-0288 link that may carry stanzas from `pair.local` to `pair.remote`.
    func carriesOutbound(_ pair: DomainPair) -> Bool {
        if case .inbound(let engine) = self { return engine.carries(pair) }
        return false
    }

    /// The home server a home-listener link comes from; nil for every other link.
    var homeSource: HomeSource? {
        if case .inbound(let engine) = self { return engine.configuration.home }
        return nil
    }

    /// The component domain this link holds, once the handshake named it.
    var componentDomain: DomainName? {
        if case .component(let engine) = self { return engine.domain }
        return nil
    }

    /// A link used only for `db:verify` (it never comes "up", and its end is no refusal): an
    /// outbound one we opened to ask, or an inbound one on which a peer asked and authenticated
    /// nothing.
    var verifiesOnly: Bool {
        switch self {
        case .outbound(let engine): !engine.configuration.authenticates
        case .inbound(let engine): engine.answeredDialbackVerify && engine.pairs.isEmpty
        case .component: false
        }
    }

    /// An outbound link whose peer ended the stream during our SASL EXTERNAL (see `OutboundStream`).
    var saslExternalCutOff: Bool {
        if case .outbound(let engine) = self { return engine.externalCutOff }
        return false
    }

    /// An inbound link that offers XEP-0198: its peer's stream is up only after `<enabled/>`.
    var offersStreamManagement: Bool {
        if case .inbound(let engine) = self { return engine.configuration.settings.streamManagement }
        return false
    }

    var streamManagementEnabled: Bool {
        switch self {
        case .outbound(let engine): engine.streamManagementEnabled
        case .inbound(let engine): engine.streamManagementEnabled
        case .component: false
        }
    }
}

/// `dir=` in the log.
enum LinkDirection: String {
    case inbound = "in"
    case outbound = "out"
    case component
}
