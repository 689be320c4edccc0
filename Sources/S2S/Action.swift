import XMPPStream

/// What an engine asks the I/O layer to do, in order. The engines never touch sockets, TLS, DNS or
/// clocks; the I/O layer executes these and reports results back through the engines' event methods.
public enum Action: Hashable, Sendable {
    /// Write `<?xml?><stream:stream …>` for this header.
    case sendHeader(StreamHeader)
    /// Write one element with the stream's serializer.
    case send(Element)
    /// Write `<stream:error>…</stream:error>`; a `.sendClose` and `.close` follow.
    case sendStreamError(StreamError)
    /// Write `</stream:stream>`.
    case sendClose
    /// Begin the TLS handshake (client on outbound links, server on inbound ones). The bytes the
    /// parser kept after `<proceed/>`/`<starttls/>` belong to TLS. Report the end with `tlsEstablished`.
    case startTLS
    /// Discard the parser's state: the next bytes start a new stream (XMPPStreamParser.restart()).
    /// After SASL success the bytes the parser kept belong to that new stream.
    case restartStream
    /// Close the connection (after writing what was asked before) and drop the link's timers.
    /// `reason` is for the log. The engine ignores events after this.
    case close(reason: String)
    /// For the log: `state: from -> to`.
    case stateChanged(from: String, to: String)
    /// Ask Trust for the verdict on the peer certificate for this domain; answer with `peerVerified`.
    case verifyPeer(DomainName)
    /// Dialback receiving role: ask the authoritative server of `originating` whether the key is valid
    /// (XEP-0220 §2.2, over a verified outbound link); answer with `dialbackKeyChecked`.
    case verifyDialbackKey(DialbackVerification)
    /// Dialback verifying role, on an outbound link opened for `verify(_:)`: the authoritative answer.
    case dialbackKeyChecked(DialbackVerification, valid: Bool)
    /// A (local, remote) pair may now carry stanzas on this link.
    case pairAuthenticated(DomainPair, PairAuthentication)
    /// A pair was refused; the link may stay up for its other pairs.
    case pairRefused(DomainPair, reason: String)
    /// The link is negotiated and authenticated (first pair). `event=link.up`.
    case linkUp(LinkInfo)
    /// The link is gone (after `linkUp`). `event=link.down`.
    case linkDown(reason: String)
    /// An accepted stanza, addresses checked against the link's authenticated pairs. Confirm custody
    /// with `custodyTaken(_:)` once it is durably stored or acknowledged by the next hop.
    case deliver(Element, from: JID, to: JID)
    /// The peer confirmed (XEP-0198) these stanzas we sent: custody has passed to it.
    case acknowledged([Element])
    /// Stanzas the peer has not confirmed, handed back for the queue (link loss, close, or sent too early).
    case returnUnacked([Element])
    /// Run (or re-run) a timer.
    case scheduleTimer(LinkTimer, Duration)
    case cancelTimer(LinkTimer)
    /// XEP-0114: ask whether this component domain may be claimed (no other live connection holds it);
    /// answer with `ComponentStream.claimResult(granted:)`.
    case claimComponent(DomainName)
}

/// A dialback key to check: `originating` claims to speak to `receiving` on a stream with `streamID`.
public struct DialbackVerification: Hashable, Sendable {
    public var receiving: DomainName
    public var originating: DomainName
    public var streamID: String
    public var key: String

    public init(receiving: DomainName, originating: DomainName, streamID: String, key: String) {
        self.receiving = receiving
        self.originating = originating
        self.streamID = streamID
        self.key = key
    }
}
