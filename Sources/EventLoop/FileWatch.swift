internal import CEvent

/// Readiness kinds of a file descriptor.
public struct IOEvents: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = IOEvents(rawValue: 1)
    public static let write = IOEvents(rawValue: 2)
}

/// Calls back when a file descriptor becomes readable and/or writable (level-triggered: it keeps
/// firing while the condition holds and the interest is on). The descriptor stays the caller's:
/// release or cancel the watch before closing it.
///
/// Read and write are two libevent events on the same descriptor, so switching write interest on
/// and off as an output buffer fills and drains is one `event_add`/`event_del` (an epoll_ctl).
public final class FileWatch: Cancellable {
    public let fileDescriptor: Int32
    private var readEvent: LibeventEvent?
    private var writeEvent: LibeventEvent?
    private let callback: (IOEvents) -> Void
    private var isCancelled = false

    /// What the watch currently waits for; assign to change it. Empty pauses the watch.
    public var interest: IOEvents = [] {
        didSet { apply(old: oldValue) }
    }

    init(loop: Loop, fileDescriptor fd: Int32, interest: IOEvents, _ callback: @escaping (IOEvents) -> Void) {
        self.fileDescriptor = fd
        self.callback = callback
        let flags = EV_PERSIST
        readEvent = LibeventEvent(loop: loop, fd: fd, flags: EV_READ | flags) { [unowned self] _ in
            self.callback(.read)
        }
        writeEvent = LibeventEvent(loop: loop, fd: fd, flags: EV_WRITE | flags) { [unowned self] _ in
            self.callback(.write)
        }
        self.interest = interest
        apply(old: [])  // observers do not run for assignments in init
    }

    /// Stops the watch for good; later interest changes are ignored.
    public func cancel() {
        isCancelled = true
        readEvent = nil
        writeEvent = nil
    }

    private func apply(old: IOEvents) {
        guard !isCancelled else { return }
        update(readEvent, wanted: interest.contains(.read), was: old.contains(.read))
        update(writeEvent, wanted: interest.contains(.write), was: old.contains(.write))
    }

    private func update(_ event: LibeventEvent?, wanted: Bool, was: Bool) {
        guard wanted != was, let event else { return }
        if wanted { event.add() } else { event.remove() }
    }
}
