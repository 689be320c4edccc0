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
        var hash: UInt32 = 2_166_136_261
        for byte in bytes { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let slot = Int(hash) & (Self.slotCount - 1)
        if let cached = slots[slot], Self.equal(cached, bytes) { return cached }
        let fresh = String(decoding: bytes, as: UTF8.self)
        slots[slot] = fresh
        return fresh
    }

    private static func equal(_ string: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if let result = string.utf8.withContiguousStorageIfAvailable({ stored -> Bool in
            stored.count == bytes.count
                && (stored.count == 0 || memcmpEqual(stored.baseAddress!, bytes.baseAddress!, stored.count))
        }) {
            return result
        }
        return string.utf8.elementsEqual(bytes)
    }

    private static func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        var index = 0
        while index < count {
            if a[index] != b[index] { return false }
            index += 1
        }
        return true
    }
}
