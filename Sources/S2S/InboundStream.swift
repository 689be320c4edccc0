import X509
import XMPPStream

/// The receiving side of an s2s connection (RFC 6120, XEP-0178, XEP-0220 receiving and authoritative
/// roles, XEP-0198, XEP-0288), I/O-free: each event method returns the actions to execute, in order.
///
/// header → features (STARTTLS required) → TLS → header (Trust verdict for its `from`) → features
/// (EXTERNAL where the certificate is valid, dialback where allowed) → SASL (restart, header, features)
/// or dialback pairs → established. Several (local, remote) pairs may share the link.
public struct InboundStream {
    public enum State: Hashable, Sendable {
        case awaitingHeader(StreamPhase)
        case awaitingStartTLS
        case negotiatingTLS
        /// Waiting for Trust's verdict on the certificate for the header's `from`.
        case awaitingVerdict
        /// Features sent after TLS: SASL EXTERNAL, dialback and `db:verify` may come.
        case authenticating
        case established
        case closing
        case closed

        public var name: String {
            switch self {
            case .awaitingHeader(.plain): "header"
            case .awaitingHeader(.secure): "header-tls"
            case .awaitingHeader(.authenticated): "header-auth"
            case .awaitingStartTLS: "starttls"
            case .negotiatingTLS: "tls"
            case .awaitingVerdict: "trust"
            case .authenticating: "auth"
            case .established: "established"
            case .closing: "closing"
            case .closed: "closed"
            }
        }
    }

    public let configuration: InboundConfiguration
    public private(set) var state = State.awaitingHeader(.plain)
    public var stateName: String { state.name }
    /// The authenticated (local, remote) pairs, in the order they were authenticated.
    public private(set) var pairs: [DomainPair] = []
    public private(set) var peer: PeerAuthentication?
    /// The `from` of the peer's latest header, if it gave one.
    public private(set) var peerDomain: DomainName?
    public var isBidirectional: Bool { link.bidirectional }
    public var streamManagementEnabled: Bool { link.streamManagement.enabled }
    /// True once this stream answered a `db:verify` as the authoritative server: a peer that
    /// opens a stream only to ask (ejabberd does) and closes it was served, not refused.
    public private(set) var answeredDialbackVerify = false

    private var link: EstablishedLink
    /// The `to` of the peer's latest header: the local domain it addressed.
    private var localDomain: DomainName?
    /// The id of our header on the TLS stream: dialback keys are bound to it.
    private var secureStreamID: String?
    private var pendingDialback: [DialbackVerification] = []
    /// How the first pair was authenticated (for `link.up`).
    private var authentication = PairAuthentication.saslExternal
    private var started = false
    /// Our header for the current stream went out (a stream error needs one first, RFC 6120 §4.9.1.1).
    private var headerSent = false
    /// Failed SASL attempts and refused dialback requests on this stream: a peer retrying without end
    /// costs a reply (and a log line) each time, so the stream ends at `maxFailedAttempts`.
    private var failedSASL = 0
    private var refusedDialback = 0
    /// RFC 6120 §6.4.5 asks for a configurable number of retries, at least 2 and at most 5.
    public static var maxFailedAttempts: Int { 3 }

    public init(configuration: InboundConfiguration) {
        self.configuration = configuration
        self.link = EstablishedLink(settings: configuration.settings)
    }

    // MARK: Events

    /// The TCP connection was accepted.
    public mutating func start() -> [Action] {
        guard !started else { return [] }
        started = true
        var actions: [Action] = [.scheduleTimer(.handshake, configuration.settings.handshakeTimeout)]
        if configuration.directTLS {
            move(to: .negotiatingTLS, &actions)
            actions.append(.startTLS)
        }
        return actions
    }

    /// The TLS handshake finished; the peer's certificate is judged once its header names its domain.
    public mutating func tlsEstablished() -> [Action] {
        guard state == .negotiatingTLS else { return [] }
        var actions: [Action] = []
        move(to: .awaitingHeader(.secure), &actions)
        return actions
    }

    /// Trust's verdict on the peer certificate for `peerDomain` (asked with `.verifyPeer`).
    public mutating func peerVerified(_ verdict: PeerAuthentication) -> [Action] {
        guard state == .awaitingVerdict, let remote = peerDomain else { return [] }
        peer = verdict
        let external = verdict.isValid(for: remote)
        // A home server is accepted by its pins alone: no dialback in its place.
        let dialback =
            external
            || (configuration.home == nil && verdict.method.allowsFallback && configuration.dialbackAllowed(remote))
        guard external || dialback else {
            return fail(
                StreamError(
                    .policyViolation, PeerAuthentication.refusalText(for: remote),
                    detail: verdict.refusalDetail(for: remote)))
        }
        return offerAuthentication(external: external, dialback: dialback)
    }

    public mutating func receive(_ event: StreamEvent) -> [Action] {
        guard state != .closed else { return [] }
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

    /// Dialback receiving role: the authoritative server's answer to `.verifyDialbackKey`.
    public mutating func dialbackKeyChecked(_ request: DialbackVerification, valid: Bool) -> [Action] {
        guard let index = pendingDialback.firstIndex(of: request), state == .authenticating || state == .established
        else { return [] }
        pendingDialback.remove(at: index)
        let pair = DomainPair(local: request.receiving, remote: request.originating)
        let actions: [Action] = [.send(Dialback.resultReply(pair: pair, valid: valid))]
        guard valid else {
            return actions
                + refuseDialback(
                    pair, reason: "the authoritative server of \(pair.remote) did not confirm its dialback key")
        }
        return actions + authenticated(pair, .dialback)
    }

    /// A stanza for the peer: only on a bidirectional (XEP-0288) link and only for a pair the peer
    /// authenticated here (from our `local` to its `remote`), else handed back: the peer would close
    /// the link with `invalid-from` or `host-unknown`.
    public mutating func send(_ stanza: Element) -> [Action] {
        guard state == .established, link.bidirectional, let addresses = try? StanzaRules.addresses(of: stanza),
            pairs.contains(DomainPair(local: addresses.from.domain, remote: addresses.to.domain))
        else { return [.returnUnacked([stanza])] }
        return link.send(stanza)
    }

    /// Whether stanzas from `pair.local` to `pair.remote` may go out over this inbound link (XEP-0288).
    public func carries(_ pair: DomainPair) -> Bool {
        state == .established && link.bidirectional && pairs.contains(pair)
    }

    public mutating func close(with error: StreamError) -> [Action] {
        guard state != .closed else { return [] }
        // What we took custody of is acknowledged first (XEP-0198 allows it at any time), so the
        // peer does not resend or bounce it.
        let acknowledgement = state == .established || state == .closing ? link.streamManagement.finalAck() : []
        return acknowledgement + fail(error)
    }

    /// The relay took custody of `count` more delivered stanzas: XEP-0198 may now acknowledge them.
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
        case (.handshake, _):
            return fail(
                StreamError(
                    .connectionTimeout,
                    "negotiation with \(peerDomain?.value ?? "the peer") did not finish within"
                        + " \(configuration.settings.handshakeTimeout) (stuck in state \(stateName))"))
        case (.keepalive, .established):
            let ping = link.bidirectional ? pairs.first : nil
            switch link.tick(ping: ping, repliesOnThisStream: true) {
            case .keepGoing(let actions): return actions
            case .idle: return shutdown(reason: "idle")
            }
        case (.deadPeer, .established), (.deadPeer, .closing):
            return fail(
                StreamError(
                    .connectionTimeout,
                    "\(peerDomain?.value ?? "the peer") did not answer within \(configuration.settings.deadPeerTimeout)"
                ))
        case (.closeGrace, .closing):
            return finish(reason: "\(peerDomain?.value ?? "the peer") did not close its stream in time")
        default: return []
        }
    }

    /// Close gracefully: ask for a last ack, send `</stream:stream>`, wait for the peer's.
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

    public mutating func connectionLost(reason: String) -> [Action] {
        guard state != .closed else { return [] }
        var actions: [Action] = []
        move(to: .closed, &actions)
        return actions + link.teardown(reason: reason)
    }

    // MARK: Negotiation

    private mutating func opened(_ header: StreamHeader) -> [Action] {
        guard case .awaitingHeader(let phase) = state else {
            return fail(StreamError(.badFormat, "unexpected stream header in state \(stateName)"))
        }
        // RFC 6120 §4.9.1.1: an error before our header still needs our header first.
        var actions: [Action] = [.sendHeader(reply(to: header, id: configuration.makeStreamID()))]
        headerSent = true
        guard header.contentNamespace == XMPPNamespace.server else {
            return actions + fail(StreamError(.invalidNamespace, "the stream's namespace is not jabber:server"))
        }
        switch StreamVersion(header.version) {
        case .supported: break
        case .newer(let version):
            return actions
                + fail(StreamError(.unsupportedVersion, "the peer asked for XMPP \(version); this relay speaks 1.0"))
        case .older:
            return actions
                + fail(
                    StreamError(
                        .unsupportedVersion, "the peer does not speak XMPP 1.0, so it cannot do the required STARTTLS"))
        }
        guard let to = header.to else {
            return actions + fail(StreamError(.improperAddressing, "the stream header has no 'to'"))
        }
        guard let local = try? DomainName(to), configuration.serves(local) else {
            return actions + fail(StreamError(.hostUnknown, "'\(to)' is not served here"))
        }
        var remote: DomainName? = nil
        if let from = header.from {
            guard let domain = try? DomainName(from) else {
                return actions + fail(StreamError(.invalidFrom, "the stream header's 'from' is not a domain"))
            }
            remote = domain
        }
        localDomain = local
        // Known before any refusal, so the log names who was refused.
        peerDomain = remote
        if let refusal = refusalOfSender(remote) { return actions + fail(refusal) }
        switch phase {
        case .plain where configuration.home?.plaintext == true:
            // A loopback home server configured plaintext (its address was checked on accept).
            actions += offerAuthentication(external: false, dialback: true)
        case .plain:
            actions.append(.send(StreamFeatures.features([StreamFeatures.startTLSRequired])))
            move(to: .awaitingStartTLS, &actions)
        case .secure:
            if case .sendHeader(let sent) = actions[0] { secureStreamID = sent.id }
            if let remote {
                actions.append(.verifyPeer(remote))
                move(to: .awaitingVerdict, &actions)
            } else {
                // No 'from': no certificate to check against a name; only dialback per pair can work.
                actions += offerAuthentication(external: false, dialback: true)
            }
        case .authenticated:
            actions.append(.send(StreamFeatures.features(postAuthenticationFeatures)))
            actions += goUp()
        }
        return actions
    }

    /// Who may open a stream as `from`: on the home listener only the home server's own domains;
    /// on the public listeners nobody claiming a domain this relay serves (DESIGN.md §2).
    private func refusalOfSender(_ from: DomainName?) -> StreamError? {
        if let home = configuration.home {
            guard let from else {
                return StreamError(.improperAddressing, "a home server's stream header must name its domain in 'from'")
            }
            guard home.domains.contains(from) else {
                return StreamError(.invalidFrom, "'\(from)' is not a domain of this home server")
            }
            return nil
        }
        if let from, configuration.serves(from) {
            return StreamError(.invalidFrom, "'\(from)' is served by this relay and cannot connect from outside")
        }
        return nil
    }

    private func reply(to header: StreamHeader, id: String) -> StreamHeader {
        .server(to: header.from, from: header.to, id: id, dialback: true)
    }

    private var postAuthenticationFeatures: [Element] {
        var features: [Element] = []
        if configuration.settings.streamManagement { features.append(StreamFeatures.streamManagement) }
        if configuration.settings.bidi { features.append(StreamFeatures.bidi) }
        return features
    }

    private mutating func offerAuthentication(external: Bool, dialback: Bool) -> [Action] {
        var offered: [Element] = []
        if external { offered.append(StreamFeatures.saslExternal) }
        if dialback { offered.append(Dialback.feature) }
        offered += postAuthenticationFeatures
        var actions: [Action] = [.send(StreamFeatures.features(offered))]
        move(to: .authenticating, &actions)
        return actions
    }

    private mutating func received(_ element: Element) -> [Action] {
        if StanzaRules.isStreamError(element) {
            let reason =
                "\(peerDomain?.value ?? "the peer") sent a stream error: \(StanzaRules.describePeerError(element))"
            return [.sendClose] + finish(reason: reason)
        }
        switch state {
        case .awaitingStartTLS:
            guard element.name == "starttls", element.namespace == XMPPNamespace.tls else {
                let what =
                    StanzaRules.isStanza(element, contentNamespace: XMPPNamespace.server)
                    ? "a stanza" : "<\(element.name)/>"
                return fail(StreamError(.policyViolation, "\(what) before TLS: this relay requires STARTTLS"))
            }
            var actions: [Action] = [
                .send(Element("proceed", namespace: XMPPNamespace.tls)), .startTLS, .restartStream,
            ]
            move(to: .negotiatingTLS, &actions)
            return actions
        case .authenticating, .established, .closing:
            return negotiated(element)
        default:
            return fail(StreamError(.policyViolation, "unexpected <\(element.name)/> in state \(stateName)"))
        }
    }

    /// After TLS: authentication requests, dialback in both roles, XEP-0198/0288 and stanzas.
    private mutating func negotiated(_ element: Element) -> [Action] {
        switch element.namespace {
        case XMPPNamespace.sasl where element.name == "auth" && state == .authenticating:
            return saslExternal(element)
        case XMPPNamespace.dialback where Dialback.isResult(element) && element[attribute: "type"] == nil:
            return dialbackRequest(element)
        case XMPPNamespace.dialback where Dialback.isVerify(element) && element[attribute: "type"] == nil:
            return dialbackVerify(element)
        case S2SNamespace.bidi where element.name == "bidi" && configuration.settings.bidi:
            link.bidirectional = true
            return []
        case S2SNamespace.streamManagement where element.name == "enable":
            guard configuration.settings.streamManagement, !pairs.isEmpty, !link.streamManagement.enabled else {
                return [
                    .send(
                        Element(
                            "failed", namespace: S2SNamespace.streamManagement,
                            children: [
                                .element(Element("unexpected-request", namespace: XMPPNamespace.stanzaErrors))
                            ]))
                ]
            }
            link.streamManagement.enable()
            return [.send(StreamManagement.enabledReply)]
        case S2SNamespace.streamManagement:
            do {
                if let actions = try link.streamManagement.handle(element) { return actions }
            } catch { return fail(error) }
        case XMPPNamespace.server where StanzaRules.isStanza(element, contentNamespace: XMPPNamespace.server):
            return stanza(element)
        default: break
        }
        return fail(StreamError(.unsupportedStanzaType, "unexpected <\(element.name)/> in state \(stateName)"))
    }

    private mutating func saslExternal(_ auth: Element) -> [Action] {
        guard auth[attribute: "mechanism"] == "EXTERNAL" else {
            return saslFailed("invalid-mechanism")
        }
        guard let remote = peerDomain, let local = localDomain, peer?.isValid(for: remote) == true else {
            return saslFailed("not-authorized")
        }
        let payload = auth.text
        if !payload.isEmpty && payload != "=" {
            guard let bytes = Base64.decodeCanonical(payload),
                (try? DomainName(String(decoding: bytes, as: UTF8.self))) == remote
            else {
                var actions = saslFailed("not-authorized")
                if failedSASL == 1 {
                    actions.append(
                        .pairRefused(
                            DomainPair(local: local, remote: remote),
                            reason: "SASL EXTERNAL asked for an identity other than \(remote), the stream's 'from'"))
                }
                return actions
            }
        }
        let pair = DomainPair(local: local, remote: remote)
        pairs.append(pair)
        authentication = .saslExternal
        var actions: [Action] = [
            .send(Element("success", namespace: XMPPNamespace.sasl)), .restartStream,
            .pairAuthenticated(pair, .saslExternal),
        ]
        move(to: .awaitingHeader(.authenticated), &actions)
        return actions
    }

    /// A SASL `<failure/>`, or the stream error once the peer used up its attempts (RFC 6120 §6.4.5).
    private mutating func saslFailed(_ condition: String) -> [Action] {
        failedSASL += 1
        let reply: [Action] = [.send(StreamFeatures.saslFailure(condition))]
        guard failedSASL >= Self.maxFailedAttempts else { return reply }
        return reply
            + fail(
                StreamError(
                    .policyViolation,
                    "\(failedSASL) failed SASL attempts on one stream (last: \(condition)); RFC 6120 §6.4.5 allows a few"
                ))
    }

    /// Refuses a dialback request: the first refusal on the stream is logged (`.pairRefused`), later
    /// ones only answered, and the stream ends at the limit, so a peer retrying in a loop costs little.
    private mutating func refuseDialback(_ pair: DomainPair, reason: String, reply: Element? = nil) -> [Action] {
        refusedDialback += 1
        var actions: [Action] = reply.map { [.send($0)] } ?? []
        if refusedDialback == 1 { actions.append(.pairRefused(pair, reason: reason)) }
        guard refusedDialback >= Self.maxFailedAttempts else { return actions }
        return actions
            + fail(
                StreamError(
                    .policyViolation,
                    "\(refusedDialback) refused dialback requests on one stream (last: \(pair): \(reason))"))
    }

    /// XEP-0220 receiving role: `<db:result from=originating to=receiving>KEY</db:result>`.
    private mutating func dialbackRequest(_ request: Element) -> [Action] {
        let fromText = request[attribute: "from"] ?? ""
        let toText = request[attribute: "to"] ?? ""
        guard let remote = try? DomainName(fromText), let local = try? DomainName(toText) else {
            return fail(StreamError(.improperAddressing, "<db:result/> without valid 'from' and 'to'"))
        }
        let pair = DomainPair(local: local, remote: remote)
        if let home = configuration.home { return homeDialbackRequest(pair, home: home, from: fromText, to: toText) }
        guard !configuration.serves(remote) else {
            return refuseDialback(
                pair, reason: "\(remote) is served by this relay and cannot authenticate from outside",
                reply: Dialback.error("result", from: toText, to: fromText, condition: "not-authorized"))
        }
        guard configuration.serves(local) else {
            return refuseDialback(
                pair, reason: "\(local) is not served here",
                reply: Dialback.error("result", from: toText, to: fromText, condition: "item-not-found"))
        }
        if pairs.contains(pair) { return [.send(Dialback.resultReply(pair: pair, valid: true))] }
        // XEP-0344: a certificate already valid for the originating domain makes the callback unnecessary.
        if peer?.isValid(for: remote) == true {
            return [.send(Dialback.resultReply(pair: pair, valid: true))] + authenticated(pair, .certificate)
        }
        let authoritativeVerdictFailed = remote == peerDomain && peer?.method.allowsFallback == false
        guard !authoritativeVerdictFailed, configuration.dialbackAllowed(remote), let streamID = secureStreamID else {
            return refuseDialback(
                pair, reason: "\(remote) is not authenticated and dialback is not allowed for it",
                reply: Dialback.error("result", from: toText, to: fromText, condition: "not-authorized"))
        }
        let verification = DialbackVerification(
            receiving: local, originating: remote, streamID: streamID, key: request.text)
        pendingDialback.append(verification)
        return [.verifyDialbackKey(verification)]
    }

    /// A home server authenticating one of its domains: trusted by its address (plaintext loopback)
    /// or by the pin its certificate matched for that domain, so no callback is needed.
    private mutating func homeDialbackRequest(_ pair: DomainPair, home: HomeSource, from: String, to: String)
        -> [Action]
    {
        guard home.domains.contains(pair.remote), home.plaintext || peer?.isValid(for: pair.remote) == true else {
            return refuseDialback(
                pair, reason: "\(pair.remote) is not a domain of this home server",
                reply: Dialback.error("result", from: to, to: from, condition: "not-authorized"))
        }
        if pairs.contains(pair) { return [.send(Dialback.resultReply(pair: pair, valid: true))] }
        return [.send(Dialback.resultReply(pair: pair, valid: true))] + authenticated(pair, .homeServer)
    }

    /// XEP-0220 authoritative role: `<db:verify from=receiving to=originating id>KEY</db:verify>`.
    private mutating func dialbackVerify(_ request: Element) -> [Action] {
        let fromText = request[attribute: "from"] ?? ""
        let toText = request[attribute: "to"] ?? ""
        guard let receiving = try? DomainName(fromText), let originating = try? DomainName(toText),
            let id = request[attribute: "id"]
        else {
            return fail(StreamError(.improperAddressing, "<db:verify/> without valid 'from', 'to' and 'id'"))
        }
        let home = configuration.home
        guard home != nil || configuration.serves(originating) else {
            return [.send(Dialback.error("verify", from: toText, to: fromText, id: id, condition: "item-not-found"))]
        }
        let verification = DialbackVerification(
            receiving: receiving, originating: originating, streamID: id, key: request.text)
        let expected = DialbackKey.generate(
            secret: configuration.dialbackSecret, receiving: receiving.value, originating: originating.value,
            streamID: id)
        answeredDialbackVerify = true
        let keyMatches = DialbackKey.matches(request.text, expected)
        // On the home link the relay vouches only for the pairs it opened itself (DESIGN.md §2).
        if let home {
            let pair = DomainPair(local: receiving, remote: originating)
            let refusal =
                !home.speaksFor(pair)
                ? "this relay opened no home link as \(originating) to \(receiving)"
                : keyMatches ? nil : "the key is not one this relay made for \(originating) to \(receiving)"
            if let refusal {
                return [
                    .send(Dialback.verifyReply(verification, valid: false)),
                    .pairRefused(pair, reason: "dialback verification answered invalid: \(refusal)"),
                ]
            }
        }
        return [.send(Dialback.verifyReply(verification, valid: keyMatches))]
    }

    private mutating func authenticated(_ pair: DomainPair, _ method: PairAuthentication) -> [Action] {
        guard !pairs.contains(pair) else { return [] }
        pairs.append(pair)
        var actions: [Action] = [.pairAuthenticated(pair, method)]
        if state == .authenticating {
            authentication = method
            actions += goUp()
        }
        return actions
    }

    private mutating func goUp() -> [Action] {
        guard let first = pairs.first else { return [] }
        var actions: [Action] = []
        move(to: .established, &actions)
        return actions
            + link.up(
                LinkInfo(
                    pair: first, authentication: authentication, peer: peer,
                    streamManagement: link.streamManagement.enabled, bidirectional: link.bidirectional))
    }

    // MARK: Stanzas

    private mutating func stanza(_ element: Element) -> [Action] {
        guard !pairs.isEmpty else {
            return fail(StreamError(.notAuthorized, "a stanza before authentication"))
        }
        if link.consumePingReply(element) { return [] }
        let addresses: (from: JID, to: JID)
        do { addresses = try StanzaRules.addresses(of: element) } catch { return fail(error) }
        guard pairs.contains(where: { $0.remote == addresses.from.domain }) else {
            return fail(StreamError(.invalidFrom, "'\(addresses.from.domain)' is not authenticated on this link"))
        }
        guard configuration.serves(addresses.to.domain) else {
            return fail(StreamError(.hostUnknown, "'\(addresses.to.domain)' is not served here"))
        }
        guard pairs.contains(DomainPair(local: addresses.to.domain, remote: addresses.from.domain)) else {
            return fail(
                StreamError(
                    .invalidFrom,
                    "'\(addresses.from.domain)' is not authenticated towards '\(addresses.to.domain)' on this link"))
        }
        link.noteInboundStanza()
        return [.deliver(element, from: addresses.from, to: addresses.to)]
    }

    // MARK: Closing

    private mutating func peerClosed() -> [Action] {
        if state == .closing { return finish(reason: "closed") }
        let acknowledgement = state == .established ? link.streamManagement.finalAck() : []
        return acknowledgement + [.sendClose] + finish(reason: "\(peerDomain?.value ?? "the peer") closed the stream")
    }

    private mutating func fail(_ error: StreamError) -> [Action] {
        var actions: [Action] = []
        if !headerSent {
            actions.append(.sendHeader(.server(to: nil, from: nil, id: configuration.makeStreamID(), dialback: true)))
            headerSent = true
        }
        return actions + StanzaRules.failing(error) + finish(reason: nil, logged: error.description)
    }

    private mutating func finish(reason: String?, logged: String? = nil) -> [Action] {
        var actions: [Action] = []
        if let reason { actions.append(.close(reason: reason)) }
        move(to: .closed, &actions)
        pendingDialback.removeAll()
        return actions + link.teardown(reason: reason ?? logged ?? "")
    }

    private mutating func move(to next: State, _ actions: inout [Action]) {
        guard next != state else { return }
        if case .awaitingHeader = next { headerSent = false }
        actions.append(.stateChanged(from: state.name, to: next.name))
        state = next
    }
}
