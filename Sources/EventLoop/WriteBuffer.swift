/// Bytes a socket would not take yet. One contiguous array with a read index: appends are
/// amortised, consumption is an index move, and a drained buffer gives back large capacity so an
/// idle link returns to holding nothing.
struct WriteBuffer {
    private var storage: [UInt8] = []
    private var head = 0
    private static var keptCapacity: Int { 16 * 1024 }

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        storage.append(contentsOf: bytes)
    }

    /// Calls `body` with the unsent bytes; `body` returns how many went out.
    mutating func send(_ body: (UnsafeRawBufferPointer) -> Int) -> Int {
        let sent = storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[head...])) }
        if sent > 0 { consume(sent) }
        return sent
    }

    private mutating func consume(_ byteCount: Int) {
        head += byteCount
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.capacity <= WriteBuffer.keptCapacity)
            head = 0
        } else if head >= WriteBuffer.keptCapacity, head >= storage.count / 2 {
            storage.removeFirst(head)
            head = 0
        }
    }
}
