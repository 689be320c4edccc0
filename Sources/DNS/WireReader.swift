/// Bounds-checked reading of a DNS wire-format message. Every read returns nil instead of trapping,
/// so any byte sequence from the network (or a fuzzer) is safe to hand in.
struct WireReader {
    let bytes: [UInt8]
    var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    mutating func readUInt8() -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() -> UInt16? {
        guard let high = readUInt8(), let low = readUInt8() else { return nil }
        return UInt16(high) << 8 | UInt16(low)
    }

    mutating func readUInt32() -> UInt32? {
        guard let high = readUInt16(), let low = readUInt16() else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset >= 0, count <= remaining else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads a domain name, following compression pointers (RFC 1035 §4.1.4). Loop-safe: at most
    /// `maximumPointerHops` pointers, and the name may not exceed 255 octets on the wire.
    /// Leaves `offset` just after the name's first encoding (after the first pointer, if any).
    mutating func readName() -> DomainName? {
        var labels: [[UInt8]] = []
        var position = offset
        var resumeAt: Int? = nil
        var hops = 0
        var wireLength = 1
        while true {
            guard position >= 0, position < bytes.count else { return nil }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    offset = resumeAt ?? position + 1
                    return DomainName(labels: labels)
                }
                let start = position + 1
                let end = start + Int(length)
                guard end <= bytes.count else { return nil }
                wireLength += Int(length) + 1
                guard wireLength <= 255 else { return nil }
                labels.append(Array(bytes[start..<end]))
                position = end
            case 0xC0:
                guard position + 1 < bytes.count else { return nil }
                hops += 1
                guard hops <= Self.maximumPointerHops else { return nil }
                if resumeAt == nil { resumeAt = position + 2 }
                position = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
            default:
                // 0x40 and 0x80 label types are obsolete or unassigned (RFC 6891 §5).
                return nil
            }
        }
    }

    /// Real names need a few hops; more means a crafted loop.
    static var maximumPointerHops: Int { 64 }
}
