/// One pending callback of a `ManualScheduler`.
final class ManualTimerEntry {
    var deadline: Instant
    var sequence: UInt64
    let interval: Duration?
    let callback: () -> Void
    var isCancelled = false
    var isDone = false

    init(deadline: Instant, sequence: UInt64, interval: Duration?, _ callback: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.interval = interval
        self.callback = callback
    }

    func firesBefore(_ other: ManualTimerEntry) -> Bool {
        deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
    }
}

/// A binary min-heap by (deadline, sequence); cancelled entries are dropped lazily at the top, so
/// thousands of timers (queue retry tests) stay cheap.
struct TimerQueue {
    private var heap: [ManualTimerEntry] = []

    var first: ManualTimerEntry? { heap.first }

    mutating func dropCancelled() {
        while let top = heap.first, top.isCancelled { removeFirst() }
    }

    mutating func insert(_ entry: ManualTimerEntry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].firesBefore(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].firesBefore(heap[smallest]) { smallest = left }
            if right < heap.count, heap[right].firesBefore(heap[smallest]) { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
