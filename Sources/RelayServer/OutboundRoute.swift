import DNS
import EventLoop
import S2S
import XMPPStream

/// The way out for one (local, remote) pair: the stanzas held in memory while the link comes up,
/// the addresses still to try, and the link once there is one.
final class OutboundRoute {
    struct Candidate {
        let address: SocketAddress
        let directTLS: Bool
        /// The DNS target it came from (DANE); nil for a `[[peer]] server` address.
        let target: PlanTarget?
    }

    let pair: DomainPair
    var pending: [Element] = []
    var candidates: [Candidate] = []
    /// Why earlier candidates failed, for the bounce text and the log.
    var failures: [String] = []
    var connector: TCPConnector?
    var link: Link?
    var isUp = false
    /// Made to resend stanzas a failed link left unacknowledged: they are not retried again.
    var isRetry = false
    /// A XEP-0220 verifying link to the authoritative server of `pair.remote`: carries only
    /// `db:verify` questions, never stanzas.
    let verifiesOnly: Bool
    /// The address the current link was opened to.
    var connected: Candidate?
    /// Set after a peer broke off our SASL EXTERNAL: the next link goes by dialback (once per route).
    var skipsExternal = false
    /// Questions waiting for the link.
    var verifications: [DialbackVerification] = []

    init(pair: DomainPair, verifiesOnly: Bool = false) {
        self.pair = pair
        self.verifiesOnly = verifiesOnly
    }
}
