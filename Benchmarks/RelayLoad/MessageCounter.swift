/// Counts `</message>` in a byte stream without parsing it, so a sink stays cheap next to the relay.
/// Keeps the last bytes of the previous read, so a marker split across two reads is still counted.
struct MessageCounter {
    private(set) var count = 0
    private var carry: [UInt8] = []
    private let marker = Array("</message>".utf8)

    /// Adds the markers in `bytes`; returns how many it found.
    @discardableResult
    mutating func add(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard !bytes.isEmpty else { return 0 }
        var found = 0
        let length = marker.count
        if !carry.isEmpty {
            let joined = carry + Array(bytes.prefix(length - 1))
            if joined.count >= length {
                for start in 0...(joined.count - length) where joined[start..<(start + length)].elementsEqual(marker) {
                    found += 1
                }
            }
        }
        var index = 0
        let end = bytes.count - length
        while index <= end {
            if bytes[index] == 0x3C && bytes[index + 1] == 0x2F && bytes[index + 2] == 0x6D
                && bytes[index + 9] == 0x3E && matches(bytes, at: index)
            {
                found += 1
                index += length
            } else {
                index += 1
            }
        }
        // A read shorter than the marker keeps part of the previous carry: the next read may end it.
        carry = Array((carry + Array(bytes.suffix(length - 1))).suffix(length - 1))
        count += found
        return found
    }

    private func matches(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Bool {
        for offset in 3..<9 where bytes[index + offset] != marker[offset] { return false }
        return true
    }
}
