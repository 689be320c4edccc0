import XMPPStream

/// The relay's side of a XEP-0114 component connection, I/O-free.
///
/// header (`to` = a configured component domain) → our header with an id → `<handshake>` digest →
/// `.claimComponent` (the relay answers `claimResult`: a domain may have one live connection, a second
/// one gets `conflict`) → `<handshake/>` → established. Stanzas must come from the component's domain;
/// they are delivered in `jabber:server` and stanzas sent to the component are moved to its namespace.
public struct ComponentStream {
    public enum State: Hashable, Sendable {
        case awaitingHeader
        case awaitingHandshake
        /// Handshake verified; waiting for the relay to grant the domain.
        case claiming
        case established
        case closing
        case closed

        public var name: String {
            switch self {
            case .awaitingHeader: "header"
            case .awaitingHandshake: "handshake"
            case .claiming: "claim"
            case .established: "established"
            case .closing: "closing"
            case .closed: "closed"
            }
        }
    }

    public let configuration: ComponentConfiguration
    public private(set) var state = State.awaitingHeader
    public var stateName: String { state.name }
    /// The component domain, once its header named a configured one.
    public private(set) var domain: DomainName?

    private var streamID = ""
    private var secret = ""
    private var isUp = false
    private var started = false
    /// Our header went out (a stream error needs one first, RFC 6120 §4.9.1.1).
    private var headerSent = false

    public init(configuration: ComponentConfiguration) {
        self.configuration = configuration
    }

    // MARK: Events

    /// The TCP connection was accepted.
    public mutating func start() -> [Action] {
        guard !started else { return [] }
        started = true
        return [.scheduleTimer(.handshake, configuration.handshakeTimeout)]
    }

    public mutating func receive(_ event: StreamEvent) -> [Action] {
        guard state != .closed else { return [] }
        switch event {
        case .opened(let header): return opened(header)
        case .element(let element): return received(element)
        case .closed:
            if state == .closing { return finish(reason: "closed") }
            return [.sendClose] + finish(reason: "\(domain?.value ?? "the component") closed the stream")
        case .failed(let error): return fail(error)
        }
    }

    /// The relay's answer to `.claimComponent`: false when another live connection holds the domain.
    /// A granted claim is held until this link's `.linkDown`; if the answer produces no `.linkUp`
    /// (the connection ended meanwhile), the relay releases the claim at once.
    public mutating func claimResult(granted: Bool) -> [Action] {
        guard state == .claiming, let domain else { return [] }
        guard granted else {
            return fail(StreamError(.conflict, "\(domain) is already connected; close the other connection first"))
        }
        var actions: [Action] = [.send(Element("handshake", namespace: XMPPNamespace.component))]
        move(to: .established, &actions)
        isUp = true
        let pair = DomainPair(local: domain, remote: domain)
        actions += [
            .cancelTimer(.handshake), .pairAuthenticated(pair, .componentHandshake),
            .linkUp(
                LinkInfo(
                    pair: pair, authentication: .componentHandshake, peer: nil, streamManagement: false,
                    bidirectional: true)),
        ]
        return actions
    }

    /// A `jabber:server` stanza for the component; handed back when the component is not connected.
    public mutating func send(_ stanza: Element) -> [Action] {
        guard state == .established else { return [.returnUnacked([stanza])] }
        return [.send(NamespaceRebasing.rebase(stanza, from: XMPPNamespace.server, to: XMPPNamespace.component))]
    }

    public mutating func timerFired(_ timer: LinkTimer) -> [Action] {
        switch (timer, state) {
        case (.handshake, .awaitingHeader), (.handshake, .awaitingHandshake), (.handshake, .claiming):
            return fail(
                StreamError(
                    .connectionTimeout,
                    "the component did not complete its handshake within \(configuration.handshakeTimeout)"
                        + " (stuck in state \(stateName))"))
        case (.closeGrace, .closing):
            return finish(reason: "\(domain?.value ?? "the component") did not close its stream in time")
        default: return []
        }
    }

    public mutating func shutdown(reason: String) -> [Action] {
        switch state {
        case .closing, .closed: return []
        case .established:
            var actions: [Action] = [.sendClose, .scheduleTimer(.closeGrace, configuration.closeGrace)]
            move(to: .closing, &actions)
            return actions
        default:
            return [.sendClose] + finish(reason: reason)
        }
    }

    public mutating func close(with error: StreamError) -> [Action] {
        guard state != .closed else { return [] }
        return fail(error)
    }

    public mutating func connectionLost(reason: String) -> [Action] {
        guard state != .closed else { return [] }
        return finish(reason: nil, logged: reason)
    }

    // MARK: Protocol

    private mutating func opened(_ header: StreamHeader) -> [Action] {
        guard state == .awaitingHeader else {
            return fail(StreamError(.badFormat, "unexpected stream header in state \(stateName)"))
        }
        streamID = configuration.makeStreamID()
        var actions: [Action] = [.sendHeader(.component(to: nil, from: header.to, id: streamID))]
        headerSent = true
        guard header.contentNamespace == XMPPNamespace.component else {
            return actions + fail(StreamError(.invalidNamespace, "a component stream must be jabber:component:accept"))
        }
        guard let to = header.to, let requested = try? DomainName(to), let secret = configuration.secret(requested)
        else {
            return actions
                + fail(StreamError(.hostUnknown, "'\(header.to ?? "")' is not a configured component domain"))
        }
        domain = requested
        self.secret = secret
        move(to: .awaitingHandshake, &actions)
        return actions
    }

    private mutating func received(_ element: Element) -> [Action] {
        if StanzaRules.isStreamError(element) {
            let reason = "the component sent a stream error: \(StanzaRules.describePeerError(element))"
            return [.sendClose] + finish(reason: reason)
        }
        switch state {
        case .awaitingHandshake where element.name == "handshake" && element.namespace == XMPPNamespace.component:
            guard ComponentHandshake.matches(element.text, streamID: streamID, secret: secret), let domain else {
                return fail(
                    StreamError(
                        .notAuthorized,
                        "the handshake for \(domain?.value ?? "the component") does not match its configured secret"))
            }
            var actions: [Action] = [.claimComponent(domain)]
            move(to: .claiming, &actions)
            return actions
        case .established, .closing:
            if StanzaRules.isStanza(element, contentNamespace: XMPPNamespace.component) { return stanza(element) }
        case .awaitingHandshake, .claiming:
            if StanzaRules.isStanza(element, contentNamespace: XMPPNamespace.component) {
                return fail(StreamError(.notAuthorized, "a stanza before the handshake"))
            }
        default: break
        }
        return fail(StreamError(.unsupportedStanzaType, "unexpected <\(element.name)/> in state \(stateName)"))
    }

    private mutating func stanza(_ element: Element) -> [Action] {
        let addresses: (from: JID, to: JID)
        do { addresses = try StanzaRules.addresses(of: element) } catch { return fail(error) }
        guard addresses.from.domain == domain else {
            return fail(
                StreamError(
                    .invalidFrom, "'\(addresses.from.domain)' is not this component's domain (\(domain?.value ?? ""))"))
        }
        let stanza = NamespaceRebasing.rebase(element, from: XMPPNamespace.component, to: XMPPNamespace.server)
        return [.deliver(stanza, from: addresses.from, to: addresses.to)]
    }

    // MARK: Closing

    private mutating func fail(_ error: StreamError) -> [Action] {
        var actions: [Action] = []
        if !headerSent {
            actions.append(.sendHeader(.component(to: nil, id: configuration.makeStreamID())))
            headerSent = true
        }
        return actions + StanzaRules.failing(error) + finish(reason: nil, logged: error.description)
    }

    private mutating func finish(reason: String?, logged: String? = nil) -> [Action] {
        var actions: [Action] = []
        if let reason { actions.append(.close(reason: reason)) }
        move(to: .closed, &actions)
        if isUp { actions.append(.linkDown(reason: reason ?? logged ?? "")) }
        isUp = false
        return actions
    }

    private mutating func move(to next: State, _ actions: inout [Action]) {
        guard next != state else { return }
        actions.append(.stateChanged(from: state.name, to: next.name))
        state = next
    }
}
