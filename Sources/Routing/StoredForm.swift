import S2S
import XMPPStream

/// How a queued stanza's metadata is written beside its bytes in the store (which knows nothing of
/// XMPP): the hop as the record's key (order and caps are per hop), the kind as one byte. The relay,
/// a restart and the `queue` tools all read records back through these, so the form is written once.
extension NextHop {
    /// `remote:FROM->TO`, `home:FROM->TO` or `component:TO` (the log's `hop=` value).
    public var storeKey: String { description }

    /// The hop a record's key names; nil for a key this relay did not write.
    public init?(storeKey: String) {
        let parts = storeKey.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let route = parts[1]
        var from: DomainName?
        var toText = Substring(route)
        if let arrow = route.firstIndex(of: "-"), route[route.index(after: arrow)...].first == ">" {
            guard let sender = try? DomainName(String(route[..<arrow])) else { return nil }
            from = sender
            toText = route[route.index(arrow, offsetBy: 2)...]
        }
        guard let to = try? DomainName(String(toText)) else { return nil }
        switch parts[0] {
        case "remote" where from != nil: self.init(destination: .remote(to), from: from)
        case "home" where from != nil: self.init(destination: .home(to), from: from)
        case "component" where from == nil: self.init(destination: .component(to), from: nil)
        default: return nil
        }
    }
}

extension StanzaKind {
    /// The store's `kind` byte. Availability presence keeps its addresses in the stanza itself.
    public var storeCode: UInt8 {
        switch self {
        case .message: 1
        case .iqRequest: 2
        case .iqResponse: 3
        case .subscription: 4
        case .availability: 5
        case .error: 6
        }
    }

    /// The `kind=` name for a store code (the queue tools list records without parsing their bytes).
    public static func name(ofStoreCode code: UInt8) -> String? {
        switch code {
        case 1: "message"
        case 2: "iq"
        case 3: "iq-result"
        case 4: "subscription"
        case 5: "presence"
        case 6: "error"
        default: nil
        }
    }
}
