import S2S
import XMPPStream

extension RouteRule {
    /// Where a stanza the relay wrote itself (a bounce) goes: no sender check, since the relay speaks
    /// for the domain it answers as.
    func destination(ofRelayStanzaTo to: DomainName) -> Destination {
        if componentDomains.contains(to) { return .component(to) }
        if homeDomains.contains(to) { return .home(to) }
        return .remote(to)
    }
}
