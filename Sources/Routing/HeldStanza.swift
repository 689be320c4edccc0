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
