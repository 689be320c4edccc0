import S2S
import XCTest
import XMPPStream

/// Renders actions as short lines so transcripts read like a protocol log.
func render(_ action: Action) -> String {
    switch action {
    case .sendHeader(let header):
        var line = "header"
        if let to = header.to { line += " to=\(to)" }
        if let from = header.from { line += " from=\(from)" }
        if let id = header.id { line += " id=\(id)" }
        return line
    case .send(let element): return "send " + xml(element)
    case .sendStreamError(let error): return "stream-error \(error.condition)"
    case .sendClose: return "send </stream:stream>"
    case .startTLS: return "start-tls"
    case .restartStream: return "restart"
    case .close: return "close"
    case .stateChanged(let from, let to): return "state \(from) -> \(to)"
    case .verifyPeer(let domain): return "verify-peer \(domain)"
    case .verifyDialbackKey(let request):
        return "verify-key \(request.originating)->\(request.receiving) id=\(request.streamID)"
    case .dialbackKeyChecked(let request, let valid):
        return "key-checked \(request.originating)->\(request.receiving) \(valid ? "valid" : "invalid")"
    case .pairAuthenticated(let pair, let method): return "pair \(pair) \(method.rawValue)"
    case .pairRefused(let pair, _): return "pair-refused \(pair)"
    case .linkUp(let info):
        return "link-up \(info.pair) auth=\(info.authentication.rawValue) sm=\(info.streamManagement ? "yes" : "no")"
            + " bidi=\(info.bidirectional ? "yes" : "no")"
    case .linkDown: return "link-down"
    case .deliver(let element, let from, let to): return "deliver \(element.name) \(from) -> \(to)"
    case .acknowledged(let stanzas): return "acked " + ids(stanzas)
    case .returnUnacked(let stanzas): return "returned " + ids(stanzas)
    case .scheduleTimer(let timer, _): return "timer \(timer.rawValue)"
    case .cancelTimer(let timer): return "cancel \(timer.rawValue)"
    case .claimComponent(let domain): return "claim \(domain)"
    }
}

func render(_ actions: [Action]) -> [String] { actions.map(render) }

/// Writes an element as a server stream with `db:` bound would (so dialback shows as `<db:result>`).
func xml(_ element: Element) -> String {
    let header = StreamHeader.server(to: nil, from: nil, dialback: true)
    let component = element.namespace == XMPPNamespace.component
    let serializer = component ? ElementSerializer.component : header.serializer
    return String(decoding: (try? serializer.serialize(element)) ?? [], as: UTF8.self)
}

private func ids(_ stanzas: [Element]) -> String { stanzas.map { $0[attribute: "id"] ?? "?" }.joined(separator: ",") }

/// The log reason of the first `.close` (or link down) among `actions`.
func closeReason(_ actions: [Action]) -> String? {
    for action in actions {
        if case .close(let reason) = action { return reason }
    }
    return nil
}

func stanzas(_ actions: [Action]) -> [Element] {
    actions.compactMap { action in
        if case .send(let element) = action { return element }
        return nil
    }
}

func domain(_ text: String) -> DomainName { try! DomainName(text) }

/// How a transcript's text reaches the parser.
enum Chunking: CaseIterable { case allAtOnce, byteAtATime }

/// Drives an engine with a real `XMPPStreamParser`: text in, actions out. A `.restartStream` action
/// restarts the parser, and bytes it kept after the restart point are parsed as the new stream.
final class Transcript {
    let parser = XMPPStreamParser()
    let chunking: Chunking
    private let engine: (StreamEvent) -> [Action]

    init(_ chunking: Chunking, engine: @escaping (StreamEvent) -> [Action]) {
        self.chunking = chunking
        self.engine = engine
    }

    func feed(_ text: String) -> [Action] {
        let bytes = Array(text.utf8)
        var actions: [Action] = []
        switch chunking {
        case .allAtOnce: actions += feedBytes(bytes)
        case .byteAtATime: for byte in bytes { actions += feedBytes([byte]) }
        }
        return actions
    }

    private func feedBytes(_ bytes: [UInt8]) -> [Action] {
        var actions: [Action] = []
        var pending = bytes
        while !pending.isEmpty {
            let input = pending
            pending = []
            for event in parser.feed(input) {
                let produced = engine(event)
                actions += produced
                if produced.contains(.restartStream) {
                    pending = parser.restart() + pending
                    break
                }
            }
        }
        return actions
    }
}

let serverStreamOpen =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'"
    + " xmlns:db='jabber:server:dialback' version='1.0'"

func serverHeader(from: String?, to: String?, id: String? = nil) -> String {
    var text = serverStreamOpen
    if let from { text += " from='\(from)'" }
    if let to { text += " to='\(to)'" }
    if let id { text += " id='\(id)'" }
    return text + ">"
}

let tlsNS = "urn:ietf:params:xml:ns:xmpp-tls"
let saslNS = "urn:ietf:params:xml:ns:xmpp-sasl"
