#if canImport(Glibc)
    import Glibc
#endif

/// Reuses the String storage of element names and namespaces that recur stanza after stanza
/// (`http://jabber.org/protocol/caps`, …), so parsing them allocates nothing. Names of up to 15 bytes
/// are small strings and never allocate anyway. A fixed table: a hostile peer can only evict entries.
struct StringInterner {
    private static let slotCount = 256
    private static let maxInternedLength = 128
    private var slots: [String?] = Array(repeating: nil, count: StringInterner.slotCount)

    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.count <= 15 || bytes.count > Self.maxInternedLength {
            return String(decoding: bytes, as: UTF8.self)
        }
        // Length and the last eight bytes pick the slot: namespaces differ most at their ends.
        var hash = UInt32(truncatingIfNeeded: bytes.count) &* 2_654_435_761
        for byte in bytes[(bytes.count - 8)...] { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let slot = Int(hash >> 24) & (Self.slotCount - 1)
        if let cached = slots[slot], Self.equal(cached, bytes) { return cached }
        let fresh = String(decoding: bytes, as: UTF8.self)
        slots[slot] = fresh
        return fresh
    }

    private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if let result = string.utf8.withContiguousStorageIfAvailable({ stored -> Bool in
            stored.count == bytes.count && memcmp(stored.baseAddress!, bytes.baseAddress!, stored.count) == 0
        }) {
            return result
        }
        return string.utf8.elementsEqual(bytes)
    }
}
