import XMPPStream

/// XEP-0198 counters for one stream, both directions, without resumption.
///
/// Inbound: `h` counts stanzas whose custody the relay has taken (durably stored or acknowledged by the
/// next hop, DESIGN.md §5), not merely stanzas received, so an `<a/>` never promises more than the relay holds.
/// Outbound: every stanza sent stays in `unacked` until the peer's `h` covers it.
struct StreamManagement {
    private(set) var enabled = false
    let requestEvery: Int

    /// Stanzas delivered to the relay (counted from the start of the link, because the relay confirms
    /// custody in delivery order whether or not XEP-0198 was on), how many it has taken custody of,
    /// and how many had been delivered when XEP-0198 was enabled (`h` counts from there).
    private var delivered: UInt64 = 0
    private var custody: UInt64 = 0
    private var deliveredAtEnable: UInt64 = 0
    /// An `<r/>` was answered while some delivered stanzas were not yet in custody: send `<a/>` again
    /// when custody catches up.
    private var owesAck = false

    private(set) var unacked: [Element] = []
    /// The peer's last `h` (stanzas of ours it has handled, modulo 2^32).
    private var peerHandled: UInt32 = 0
    private var sentSinceRequest = 0

    init(requestEvery: Int) { self.requestEvery = max(1, requestEvery) }

    mutating func enable() {
        enabled = true
        deliveredAtEnable = delivered
    }

    static func isNonza(_ element: Element) -> Bool { element.namespace == S2SNamespace.streamManagement }

    static var enable: Element { Element("enable", namespace: S2SNamespace.streamManagement) }
    static var enabledReply: Element { Element("enabled", namespace: S2SNamespace.streamManagement) }
    static var request: Element { Element("r", namespace: S2SNamespace.streamManagement) }

    /// A stanza went out: keep it until acknowledged; ask for an ack every `requestEvery` stanzas.
    mutating func sent(_ stanza: Element) -> [Action] {
        guard enabled else { return [] }
        unacked.append(stanza)
        sentSinceRequest += 1
        guard sentSinceRequest >= requestEvery else { return [] }
        sentSinceRequest = 0
        return [.send(Self.request)]
    }

    /// Asks for an ack now (idle tick, close) if anything is outstanding.
    mutating func requestIfOutstanding() -> [Action] {
        guard enabled, !unacked.isEmpty else { return [] }
        sentSinceRequest = 0
        return [.send(Self.request)]
    }

    mutating func receivedStanza() { delivered += 1 }

    /// The relay took custody of `count` more delivered stanzas (in delivery order).
    mutating func custodyTaken(_ count: Int) -> [Action] {
        guard count > 0 else { return [] }
        custody = min(custody + UInt64(count), delivered)
        guard enabled, owesAck else { return [] }
        owesAck = custody < delivered
        return [.send(answer)]
    }

    /// An unrequested `<a/>` before we close (XEP-0198 allows one at any time), so the peer does not
    /// resend, after the link ends, stanzas whose custody we already took.
    mutating func finalAck() -> [Action] {
        guard enabled, custody > deliveredAtEnable else { return [] }
        owesAck = false
        return [.send(answer)]
    }

    /// XEP-0198 `h`: stanzas handled since enabling, modulo 2^32.
    private var handled: UInt32 {
        UInt32(truncatingIfNeeded: custody > deliveredAtEnable ? custody - deliveredAtEnable : 0)
    }

    private var answer: Element {
        Element("a", namespace: S2SNamespace.streamManagement, attributes: [Attribute("h", String(handled))])
    }

    /// Handles `<r/>` and `<a/>`; `nil` for any other element of the namespace.
    mutating func handle(_ element: Element) throws(StreamError) -> [Action]? {
        switch element.name {
        case "r":
            guard enabled else {
                throw StreamError(.unsupportedStanzaType, "<r/> before stream management was enabled")
            }
            owesAck = custody < delivered
            return [.send(answer)]
        case "a":
            guard enabled else {
                throw StreamError(.unsupportedStanzaType, "<a/> before stream management was enabled")
            }
            guard let text = element[attribute: "h"], let h = UInt32(text) else {
                throw StreamError(.badFormat, "<a/> without a valid 'h' attribute")
            }
            let newlyHandled = h &- peerHandled
            guard newlyHandled <= unacked.count else {
                throw StreamError(
                    .undefinedCondition,
                    "handled-count-too-high: the peer acknowledged \(h) stanzas but only \(peerHandled &+ UInt32(unacked.count)) were sent"
                )
            }
            peerHandled = h
            guard newlyHandled > 0 else { return [] }
            let released = Array(unacked.prefix(Int(newlyHandled)))
            unacked.removeFirst(Int(newlyHandled))
            return [.acknowledged(released)]
        case "resume":
            // XEP-0198 §5: we never offer resumption (no `resume` attribute on `<enabled/>`), so no
            // session exists to resume: `<failed/>` with item-not-found, and the stream goes on.
            return [.send(Self.resumeFailed)]
        default:
            return nil
        }
    }

    static var resumeFailed: Element {
        Element(
            "failed", namespace: S2SNamespace.streamManagement,
            children: [.element(Element("item-not-found", namespace: XMPPNamespace.stanzaErrors))])
    }

    /// The link is gone: everything unacknowledged goes back to the relay's queue.
    mutating func takeUnacked() -> [Element] {
        defer { unacked.removeAll() }
        return unacked
    }
}
