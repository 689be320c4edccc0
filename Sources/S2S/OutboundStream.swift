import X509
import XMPPStream

/// The initiating side of an s2s link (RFC 6120, XEP-0178, XEP-0220, XEP-0198, XEP-0288), I/O-free:
/// each event method returns the actions the I/O layer must execute, in order.
///
/// header → features → STARTTLS → TLS (Trust verdict) → header → features → SASL EXTERNAL (restart,
/// header, features) or dialback → XEP-0198 enable → established.
public struct OutboundStream {
    public enum State: Hashable, Sendable {
        case initial
        /// Waiting for the peer's header and features of the plain, TLS or authenticated stream.
        case awaitingFeatures(StreamPhase)
        case requestingTLS
        case negotiatingTLS
        case authenticatingSASL
        case authenticatingDialback
        /// A `db:verify`-only link (configuration.authenticates == false), ready for `verify(_:)`.
        case verifying
        case enablingStreamManagement
        case established
        case closing
        case closed

        public var name: String {
            switch self {
            case .initial: "initial"
            case .awaitingFeatures(let phase): phase.featuresStateName
            case .requestingTLS: "starttls"
            case .negotiatingTLS: "tls"
            case .authenticatingSASL: "sasl"
            case .authenticatingDialback: "dialback"
            case .verifying: "verifying"
            case .enablingStreamManagement: "sm"
            case .established: "established"
            case .closing: "closing"
            case .closed: "closed"
            }
        }
    }

    public let configuration: OutboundConfiguration
    public private(set) var state = State.initial
    public var stateName: String { state.name }
    /// The Trust verdict on the peer, once TLS is up.
    public private(set) var peer: PeerAuthentication?
    public var isBidirectional: Bool { link.bidirectional }
    public var streamManagementEnabled: Bool { link.streamManagement.enabled }
    /// The peer ended the stream (closed it, sent a stream error or dropped the connection) while
    /// our SASL EXTERNAL was pending, having offered dialback. ejabberd 23.01 does so when it trusts
    /// a certificate with an XmppAddr (its s2s process crashes parsing it): a fresh connection that
    /// skips EXTERNAL (`certificateCoversLocalDomain: false`) gets through by dialback.
    public private(set) var externalCutOff = false

    private var link: EstablishedLink
    private var peerHeader: StreamHeader?
    private var offersStreamManagement = false
    private var dialbackOffered = false
    private var authentication = PairAuthentication.dialback
    private var queuedVerifications: [DialbackVerification] = []
    private var sentVerifications: [DialbackVerification] = []
    /// Our domains authenticated towards `remote` on this link, and those waiting for a dialback answer.
    public private(set) var authenticatedLocals: [DomainName] = []
    private var pendingLocals: [DomainName] = []

    private var pair: DomainPair { DomainPair(local: configuration.local, remote: configuration.remote) }

    public init(configuration: OutboundConfiguration) {
        self.configuration = configuration
        self.link = EstablishedLink(settings: configuration.settings)
    }

    private var header: StreamHeader {
        .server(to: configuration.remote.value, from: configuration.local.value, dialback: true)
    }

    // MARK: Events

    /// The TCP connection is up.
    public mutating func start() -> [Action] {
        guard state == .initial else { return [] }
        var actions: [Action] = [.scheduleTimer(.handshake, configuration.settings.handshakeTimeout)]
        if configuration.directTLS {
            move(to: .negotiatingTLS, &actions)
            actions.append(.startTLS)
        } else {
            actions.append(.sendHeader(header))
            move(to: .awaitingFeatures(.plain), &actions)
        }
        return actions
    }

    /// TLS is up and Trust has judged the peer's certificate for `configuration.remote`.
    public mutating func tlsEstablished(_ verdict: PeerAuthentication) -> [Action] {
        guard state == .negotiatingTLS else { return [] }
        peer = verdict
        var actions: [Action] = []
        if !verdict.isValid(for: configuration.remote) {
            guard verdict.method.allowsFallback, configuration.dialbackAllowed else {
                return fail(
                    StreamError(
                        .policyViolation, PeerAuthentication.refusalText(for: configuration.remote),
                        detail: verdict.refusalDetail(for: configuration.remote)))
            }
        }
        actions.append(.sendHeader(header))
        move(to: .awaitingFeatures(.secure), &actions)
        return actions
    }

    public mutating func receive(_ event: StreamEvent) -> [Action] {
        switch state {
        case .closed: return []
        case .initial, .negotiatingTLS:
            if case .failed(let error) = event { return fail(error) }
            return fail(StreamError(.badFormat, "data from \(configuration.remote) before the stream was opened"))
        default: break
        }
        switch event {
        case .opened(let header): return opened(header)
        case .element(let element):
            var actions = link.noteInbound()
            actions += received(element)
            return actions
        case .closed: return peerClosed()
        case .failed(let error): return fail(error)
        }
    }

    /// A stanza for the peer, kept until acknowledged where XEP-0198 is on. Handed straight back
    /// (`.returnUnacked`) when the link is not established or the stanza's `from` domain is not
    /// authenticated on it (`configuration.local` or one added with `authenticate(local:)`): the peer
    /// would close the link with `invalid-from`.
    public mutating func send(_ stanza: Element) -> [Action] {
        guard state == .established, configuration.authenticates,
            let from = try? JID(stanza[attribute: "from"] ?? ""), authenticatedLocals.contains(from.domain)
        else { return [.returnUnacked([stanza])] }
        return link.send(stanza)
    }

    /// Authenticates another of our domains towards `remote` on this established link by dialback
    /// (XEP-0220 multiplexing): answered with `.pairAuthenticated` or `.pairRefused`.
    public mutating func authenticate(local: DomainName) -> [Action] {
        let newPair = DomainPair(local: local, remote: configuration.remote)
        guard state == .established, configuration.authenticates else {
            return [.pairRefused(newPair, reason: "the link to \(configuration.remote) is not established")]
        }
        guard !authenticatedLocals.contains(local), !pendingLocals.contains(local) else { return [] }
        guard dialbackOffered, let streamID = peerHeader?.id else {
            return [.pairRefused(newPair, reason: "\(configuration.remote) offers no dialback on this link")]
        }
        pendingLocals.append(local)
        let key = DialbackKey.generate(
            secret: configuration.dialbackSecret, receiving: configuration.remote.value, originating: local.value,
            streamID: streamID)
        return [.send(Dialback.result(pair: newPair, key: key))]
    }

    /// Dialback verifying role: ask the peer (authoritative for `request.originating`) about a key.
    /// Answered with `.dialbackKeyChecked`; queued until the TLS stream is ready.
    public mutating func verify(_ request: DialbackVerification) -> [Action] {
        switch state {
        case .verifying:
            // The authoritative server owes an answer within the handshake timeout, like any
            // negotiation: a server that never answers must not hold the link (and a max_links slot).
            sentVerifications.append(request)
            return [
                .send(Dialback.verify(request)), .scheduleTimer(.handshake, configuration.settings.handshakeTimeout),
            ]
        case .established:
            sentVerifications.append(request)
            return [.send(Dialback.verify(request))]
        case .closing, .closed:
            return [.dialbackKeyChecked(request, valid: false)]
        default:
            queuedVerifications.append(request)
            return []
        }
    }

    /// The relay took custody of `count` more delivered stanzas (bidi links): XEP-0198 may acknowledge them.
    public mutating func custodyTaken(_ count: Int = 1) -> [Action] {
        link.streamManagement.custodyTaken(count)
    }

    /// The relay's queue wants confirmation of what it sent now (XEP-0198 `<r/>`), not at the next
    /// batch or keepalive tick; nothing when stream management is off or nothing is outstanding.
    public mutating func requestAck() -> [Action] {
        link.streamManagement.requestIfOutstanding()
    }

    public mutating func timerFired(_ timer: LinkTimer) -> [Action] {
        switch (timer, state) {
        case (_, .closed): return []
        case (.handshake, .established), (.handshake, .closing): return []
        case (.handshake, .verifying):
            guard let unanswered = sentVerifications.first else { return [] }
            return fail(
                StreamError(
                    .connectionTimeout,
                    "\(configuration.remote) did not answer <db:verify/> for \(unanswered.originating) within"
                        + " \(configuration.settings.handshakeTimeout)"))
        case (.handshake, _):
            return fail(
                StreamError(
                    .connectionTimeout,
                    "negotiation with \(configuration.remote) did not finish within"
                        + " \(configuration.settings.handshakeTimeout) (stuck in state \(stateName))"))
        case (.keepalive, .established):
            switch link.tick(ping: pair, repliesOnThisStream: link.bidirectional) {
            case .keepGoing(let actions): return actions
            case .idle: return shutdown(reason: "idle for \(configuration.settings.idleClose.map { "\($0)" } ?? "")")
            }
        case (.deadPeer, .established), (.deadPeer, .closing):
            return fail(
                StreamError(
                    .connectionTimeout,
                    "\(configuration.remote) did not answer within \(configuration.settings.deadPeerTimeout)"))
        case (.closeGrace, .closing):
            return finish(reason: "\(configuration.remote) did not close its stream in time")
        default: return []
        }
    }

    /// Close gracefully: ask for a last ack, send `</stream:stream>`, wait for the peer's (or `closeGrace`).
    public mutating func shutdown(reason: String) -> [Action] {
        switch state {
        case .closing, .closed: return []
        case .established:
            var actions = link.startClosing(closeGrace: configuration.settings.closeGrace)
            move(to: .closing, &actions)
            return actions
        default:
            return [.sendClose] + finish(reason: reason)
        }
    }

    public mutating func close(with error: StreamError) -> [Action] {
        guard state != .closed else { return [] }
        // What we took custody of is acknowledged first (XEP-0198 allows it at any time), so the
        // peer does not resend or bounce it.
        let acknowledgement = state == .established || state == .closing ? link.streamManagement.finalAck() : []
        return acknowledgement + fail(error)
    }

    /// The connection broke (read error, TLS failure, EOF).
    public mutating func connectionLost(reason: String) -> [Action] {
        guard state != .closed else { return [] }
        let reason = reason + noteCutOff()
        var actions: [Action] = []
        move(to: .closed, &actions)
        return actions + teardown(reason: reason)
    }

    // MARK: Negotiation

    private mutating func opened(_ header: StreamHeader) -> [Action] {
        guard case .awaitingFeatures = state, peerHeader == nil else {
            return fail(StreamError(.badFormat, "unexpected stream header in state \(stateName)"))
        }
        guard header.contentNamespace == XMPPNamespace.server else {
            return fail(StreamError(.invalidNamespace, "the stream's namespace is not jabber:server"))
        }
        if case .newer(let version) = StreamVersion(header.version) {
            return fail(
                StreamError(
                    .unsupportedVersion, "\(configuration.remote) answered with XMPP \(version); we asked for 1.0"))
        }
        guard StreamVersion(header.version) == .supported else {
            return fail(
                StreamError(
                    .unsupportedVersion,
                    "\(configuration.remote) does not speak XMPP 1.0 (version '\(header.version ?? "")'), so it cannot do STARTTLS"
                ))
        }
        peerHeader = header
        return []
    }

    private mutating func received(_ element: Element) -> [Action] {
        if StanzaRules.isStreamError(element) {
            let reason = "\(configuration.remote) sent a stream error: \(StanzaRules.describePeerError(element))"
            return [.sendClose] + finish(reason: reason + noteCutOff())
        }
        switch state {
        case .awaitingFeatures(let phase):
            guard peerHeader != nil, element.name == "features", element.namespace == XMPPNamespace.streams else {
                return fail(StreamError(.policyViolation, "expected stream features, got <\(element.name)/>"))
            }
            return features(element, phase: phase)
        case .requestingTLS:
            return tlsAnswer(element)
        case .authenticatingSASL:
            return saslAnswer(element)
        case .authenticatingDialback:
            return dialbackAnswer(element)
        case .enablingStreamManagement where StreamManagement.isNonza(element):
            guard element.name == "enabled" || element.name == "failed" else { break }
            if element.name == "enabled" { link.streamManagement.enable() }
            return goUp()
        case .verifying where Dialback.isVerify(element):
            return verifyAnswer(element)
        case .established, .closing:
            return established(element)
        default: break
        }
        return fail(StreamError(.unsupportedStanzaType, "unexpected <\(element.name)/> in state \(stateName)"))
    }

    private mutating func features(_ features: Element, phase: StreamPhase) -> [Action] {
        var actions: [Action] = []
        switch phase {
        case .plain where configuration.plaintext && !configuration.directTLS:
            // The configured plaintext loopback home link: authenticate on this stream.
            peer = .unverified("plaintext loopback link, no certificate")
            return self.features(features, phase: .secure)
        case .plain:
            guard features.firstChild(named: "starttls", namespace: XMPPNamespace.tls) != nil else {
                return fail(
                    StreamError(
                        .policyViolation,
                        "\(configuration.remote) does not offer STARTTLS; this relay never sends s2s traffic unencrypted"
                    ))
            }
            actions.append(.send(Element("starttls", namespace: XMPPNamespace.tls)))
            move(to: .requestingTLS, &actions)
            return actions
        case .secure:
            actions += noteOffers(features)
            if !configuration.authenticates {
                move(to: .verifying, &actions)
                return actions + flushVerifications()
            }
            let mechanisms =
                features.firstChild(named: "mechanisms", namespace: XMPPNamespace.sasl)?
                .elements.filter { $0.name == "mechanism" }.map(\.text) ?? []
            if mechanisms.contains("EXTERNAL") && configuration.certificateCoversLocalDomain {
                actions.append(
                    .send(
                        Element(
                            "auth", namespace: XMPPNamespace.sasl, attributes: [Attribute("mechanism", "EXTERNAL")],
                            children: [.text(Base64.encode(Array(configuration.local.value.utf8)))])))
                move(to: .authenticatingSASL, &actions)
                return actions
            }
            guard Dialback.offered(in: features, header: peerHeader) else {
                return fail(
                    StreamError(
                        .unsupportedFeature,
                        "\(configuration.remote) offers neither SASL EXTERNAL usable with our certificate nor dialback"
                    ))
            }
            dialbackOffered = true
            return actions + startDialback()
        case .authenticated:
            actions += noteOffers(features)
            return actions + authenticated(.saslExternal)
        }
    }

    /// Remembers XEP-0198 and enables XEP-0288 where the peer offers them.
    private mutating func noteOffers(_ features: Element) -> [Action] {
        offersStreamManagement =
            features.firstChild(named: "sm", namespace: S2SNamespace.streamManagement) != nil
        if Dialback.offered(in: features, header: peerHeader) { dialbackOffered = true }
        guard configuration.settings.bidi, configuration.authenticates, !link.bidirectional,
            features.firstChild(named: "bidi", namespace: S2SNamespace.bidiFeature) != nil
        else { return [] }
        link.bidirectional = true
        return [.send(Element("bidi", namespace: S2SNamespace.bidi))]
    }

    private mutating func tlsAnswer(_ element: Element) -> [Action] {
        guard element.namespace == XMPPNamespace.tls else {
            return fail(StreamError(.policyViolation, "expected <proceed/>, got <\(element.name)/>"))
        }
        guard element.name == "proceed" else {
            return [.sendClose] + finish(reason: "\(configuration.remote) refused STARTTLS")
        }
        var actions: [Action] = [.startTLS, .restartStream]
        peerHeader = nil
        move(to: .negotiatingTLS, &actions)
        return actions
    }

    private mutating func saslAnswer(_ element: Element) -> [Action] {
        guard element.namespace == XMPPNamespace.sasl, element.name == "success" || element.name == "failure" else {
            return fail(StreamError(.policyViolation, "expected a SASL answer, got <\(element.name)/>"))
        }
        if element.name == "success" {
            var actions: [Action] = [.restartStream, .sendHeader(header)]
            peerHeader = nil
            move(to: .awaitingFeatures(.authenticated), &actions)
            return actions
        }
        let condition = element.elements.first?.name ?? "no condition"
        guard dialbackOffered else {
            return [.sendClose]
                + finish(
                    reason:
                        "\(configuration.remote) refused SASL EXTERNAL for \(configuration.local) (\(condition)) and offers no dialback"
                )
        }
        return startDialback()
    }

    private mutating func startDialback() -> [Action] {
        guard let streamID = peerHeader?.id else {
            return fail(
                StreamError(.invalidXML, "\(configuration.remote)'s stream header has no id, needed for dialback"))
        }
        let key = DialbackKey.generate(
            secret: configuration.dialbackSecret, receiving: configuration.remote.value,
            originating: configuration.local.value, streamID: streamID)
        var actions: [Action] = [.send(Dialback.result(pair: pair, key: key))]
        move(to: .authenticatingDialback, &actions)
        return actions
    }

    private mutating func dialbackAnswer(_ element: Element) -> [Action] {
        if Dialback.isVerify(element) { return verifyAnswer(element) }
        guard Dialback.isResult(element), element[attribute: "from"] == configuration.remote.value,
            element[attribute: "to"] == configuration.local.value
        else {
            return fail(StreamError(.policyViolation, "expected the dialback result, got <\(element.name)/>"))
        }
        switch element[attribute: "type"] {
        case "valid":
            return authenticated(.dialback)
        case "invalid":
            return [.sendClose]
                + finish(
                    reason: "\(configuration.remote) rejected our dialback key for \(configuration.local):"
                        + " its check against our authoritative server failed (DNS for \(configuration.local) must point here)"
                )
        default:
            let condition =
                element.firstChild(named: "error", namespace: XMPPNamespace.server)?.elements.first?.name
                ?? "no condition"
            return [.sendClose]
                + finish(reason: "\(configuration.remote) could not check our dialback key (\(condition))")
        }
    }

    private mutating func authenticated(_ method: PairAuthentication) -> [Action] {
        authentication = method
        authenticatedLocals = [configuration.local]
        var actions: [Action] = [.pairAuthenticated(pair, method)]
        if offersStreamManagement && configuration.settings.streamManagement {
            actions.append(.send(StreamManagement.enable))
            move(to: .enablingStreamManagement, &actions)
            return actions
        }
        return actions + goUp()
    }

    private mutating func goUp() -> [Action] {
        var actions: [Action] = []
        move(to: .established, &actions)
        actions += link.up(
            LinkInfo(
                pair: pair, authentication: authentication, peer: peer,
                streamManagement: link.streamManagement.enabled, bidirectional: link.bidirectional))
        return actions + flushVerifications()
    }

    private mutating func flushVerifications() -> [Action] {
        let queued = queuedVerifications
        queuedVerifications.removeAll()
        return queued.flatMap { verify($0) }
    }

    private mutating func verifyAnswer(_ element: Element) -> [Action] {
        guard
            let index = sentVerifications.firstIndex(where: {
                $0.streamID == element[attribute: "id"] && $0.originating.value == element[attribute: "from"]
                    && $0.receiving.value == element[attribute: "to"]
            })
        else { return fail(StreamError(.invalidXML, "a <db:verify/> answer matching no question of ours")) }
        let request = sentVerifications.remove(at: index)
        return [.dialbackKeyChecked(request, valid: element[attribute: "type"] == "valid")]
    }

    // MARK: Established

    private mutating func established(_ element: Element) -> [Action] {
        if StreamManagement.isNonza(element) {
            do {
                if let actions = try link.streamManagement.handle(element) { return actions }
            } catch { return fail(error) }
        } else if Dialback.isVerify(element) {
            return verifyAnswer(element)
        } else if Dialback.isResult(element) {
            return multiplexedAnswer(element)
        } else if StanzaRules.isStanza(element, contentNamespace: XMPPNamespace.server) {
            return stanza(element)
        }
        return fail(StreamError(.unsupportedStanzaType, "unexpected <\(element.name)/> on an established link"))
    }

    /// The answer to `authenticate(local:)`.
    private mutating func multiplexedAnswer(_ element: Element) -> [Action] {
        guard element[attribute: "from"] == configuration.remote.value,
            let index = pendingLocals.firstIndex(where: { $0.value == element[attribute: "to"] })
        else { return fail(StreamError(.invalidXML, "a dialback result matching no request of ours")) }
        let local = pendingLocals.remove(at: index)
        let newPair = DomainPair(local: local, remote: configuration.remote)
        guard element[attribute: "type"] == "valid" else {
            return [
                .pairRefused(newPair, reason: "\(configuration.remote) did not accept our dialback key for \(local)")
            ]
        }
        authenticatedLocals.append(local)
        return [.pairAuthenticated(newPair, .dialback)]
    }

    /// Stanzas on our outbound link come only with bidi (XEP-0288), from the peer's domain to ours.
    private mutating func stanza(_ element: Element) -> [Action] {
        guard link.bidirectional else {
            return fail(StreamError(.policyViolation, "a stanza on an outbound link that is not bidirectional"))
        }
        if link.consumePingReply(element) { return [] }
        let addresses: (from: JID, to: JID)
        do { addresses = try StanzaRules.addresses(of: element) } catch { return fail(error) }
        guard addresses.from.domain == configuration.remote else {
            return fail(
                StreamError(
                    .invalidFrom,
                    "'\(addresses.from.domain)' is not authenticated on this link (\(configuration.remote) is)"))
        }
        guard authenticatedLocals.contains(addresses.to.domain) else {
            return fail(StreamError(.hostUnknown, "'\(addresses.to.domain)' is not served on this link"))
        }
        link.noteInboundStanza()
        return [.deliver(element, from: addresses.from, to: addresses.to)]
    }

    // MARK: Closing

    private mutating func peerClosed() -> [Action] {
        if state == .closing { return finish(reason: "closed") }
        let acknowledgement = state == .established ? link.streamManagement.finalAck() : []
        return acknowledgement + [.sendClose]
            + finish(reason: "\(configuration.remote) closed the stream" + noteCutOff())
    }

    /// Sets `externalCutOff` where the stream ends mid-EXTERNAL with dialback on offer; returns
    /// what to add to the reason.
    private mutating func noteCutOff() -> String {
        guard state == .authenticatingSASL, dialbackOffered else { return "" }
        externalCutOff = true
        return " during SASL EXTERNAL; it offers dialback, which a fresh connection will use"
    }

    private mutating func fail(_ error: StreamError) -> [Action] {
        StanzaRules.failing(error) + finish(reason: nil, logged: error.description)
    }

    /// Ends the link: `.close` (unless `reason` is nil because `failing` already closed), link down,
    /// unacked stanzas and unanswered verifications back to the relay.
    private mutating func finish(reason: String?, logged: String? = nil) -> [Action] {
        var actions: [Action] = []
        if let reason { actions.append(.close(reason: reason)) }
        move(to: .closed, &actions)
        return actions + teardown(reason: reason ?? logged ?? "")
    }

    private mutating func teardown(reason: String) -> [Action] {
        var actions = link.teardown(reason: reason)
        for request in sentVerifications + queuedVerifications {
            actions.append(.dialbackKeyChecked(request, valid: false))
        }
        sentVerifications.removeAll()
        queuedVerifications.removeAll()
        return actions
    }

    private mutating func move(to next: State, _ actions: inout [Action]) {
        guard next != state else { return }
        actions.append(.stateChanged(from: state.name, to: next.name))
        state = next
    }
}
