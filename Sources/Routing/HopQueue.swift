/// One hop's share of the queue: its link's state and its stanzas in acceptance order.
struct HopQueue {
    enum State {
        /// No link and nothing waiting (dropped from the engine when also empty).
        case idle
        /// `connect` was asked; `failures` attempts failed before this one.
        case connecting(failures: Int)
        case up(LiveLink)
        /// Backing off after `failures` failed attempts; the next one starts at `until`.
        case waiting(failures: Int, until: WallTime)
    }

    /// A live link: what was sent and not yet confirmed, in send order.
    struct LiveLink {
        var acks: NextHopAcks
        var inFlight: [StanzaID] = []
        /// In-flight stanzas an outstanding `requestAck` covers, and those sent after it.
        var requested = 0

        var unrequested: Int { inFlight.count - requested }
    }

    var state = State.idle
    /// Not sent yet (or handed back by a link that went down), in acceptance order: never sent before
    /// an earlier one.
    var pending: [StanzaID] = []

    var isUp: Bool {
        if case .up = state { return true }
        return false
    }

    var isDisposable: Bool {
        if case .idle = state { return pending.isEmpty }
        return false
    }
}

/// Where one held stanza stands with the store.
enum Durability: Hashable {
    case memory
    /// In a `store` action whose commit has not been reported.
    case storing
    case stored
    /// The store refused it while it was in flight: it waits for the hop's acknowledgement and
    /// bounces if the hop goes down instead.
    case refused
}

/// One stanza the engine holds.
struct HeldStanza {
    var record: StanzaRecord
    /// Still owed a custody confirmation on this upstream link; nil once confirmed (or for the
    /// relay's own stanzas and those restored from the store).
    var upstream: Upstream?
    var durability: Durability
    /// When it was written on a live link (nil while pending).
    var sentAt: WallTime?
}
