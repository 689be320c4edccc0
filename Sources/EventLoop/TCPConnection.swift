#if canImport(Glibc)
    import Glibc
#endif

/// A connected, non-blocking TCP socket on the loop; it owns the descriptor and closes it on
/// `close()` or when released. Bytes arrive through `onRead`; `write` sends at once what the socket
/// takes and queues the rest, waiting for writability only while something is queued.
///
/// Set the handlers before returning to the loop (e.g. inside the accept or connect callback); no
/// callback runs synchronously inside a method call. Capture owners weakly in handlers. After
/// `close()`, or once `onError` was called, no handler runs again.
public final class TCPConnection {
    public let peerAddress: SocketAddress
    public let localAddress: SocketAddress?

    /// Bytes received. The buffer is the loop's shared read buffer, valid only during the call:
    /// copy what you keep.
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    /// The peer finished sending (FIN). Writing may go on; reading has stopped. Usually answered by
    /// `shutdownOutput()` or `close()`.
    public var onEndOfInput: (() -> Void)?
    /// The connection failed (reset, broken pipe, …) and is already closed.
    public var onError: ((SocketError) -> Void)?
    /// Everything queued has been handed to the kernel, after `write` had to queue bytes.
    public var onDrained: (() -> Void)?

    private let loop: Loop
    private var fd: Int32
    private var watch: FileWatch?
    private var outbox = WriteBuffer()
    private var outputShutdownRequested = false
    private var inputEnded = false
    private var deferredError: Cancellable?
    private var lowWater: (mark: Int, handler: () -> Void)?
    private var deferredLowWater: Cancellable?

    /// Adopts a connected non-blocking socket.
    init(loop: Loop, fileDescriptor: Int32, peerAddress: SocketAddress) {
        self.loop = loop
        self.fd = fileDescriptor
        self.peerAddress = peerAddress
        self.localAddress = Posix.localAddress(fileDescriptor)
        // Stanzas are small and latency matters; our own buffer already coalesces.
        Posix.setOption(fileDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        watch = loop.watch(fileDescriptor: fileDescriptor, interest: .read) { [unowned self] events in
            if events.contains(.read) { self.readable() } else { self.writable() }
        }
    }

    deinit {
        watch = nil  // the event goes before the descriptor it watches
        if fd >= 0 { Posix.close(fd) }
    }

    public var isClosed: Bool { fd < 0 }

    /// Bytes accepted by `write` and not yet handed to the kernel; the relay's backpressure gauge.
    public var pendingWriteByteCount: Int { outbox.count }

    /// Bytes `write` accepted since the connection opened; with `bytesHandedToKernel`, a caller can
    /// tell when what it wrote has left the process (the durable queue deletes a stanza for a hop
    /// without acks only then).
    public private(set) var bytesAccepted = 0
    public var bytesHandedToKernel: Int { bytesAccepted - outbox.count }

    /// Whether the connection reads (default true). Turn off to stop taking input while the other
    /// side of a relay cannot keep up; the kernel's window then slows the peer down.
    public var isReading: Bool = true {
        didSet { updateInterest() }
    }

    /// Calls `handler` once, on a later loop turn, when `pendingWriteByteCount` has fallen to `mark`
    /// or below (at once on the next turn if it already has): the cue to resume reading after a
    /// backlog made the owner stop. A new call replaces the previous request; `close()` drops it.
    public func notifyWhenPending(atMost mark: Int, _ handler: @escaping () -> Void) {
        guard fd >= 0 else { return }
        lowWater = (mark, handler)
        deferredLowWater = nil
        if outbox.count <= mark {
            deferredLowWater = loop.schedule(after: .zero) { [weak self] in
                self?.deferredLowWater = nil
                self?.reportLowWater()
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard fd >= 0, !outputShutdownRequested, !bytes.isEmpty else { return }
        bytesAccepted += bytes.count
        var remaining = bytes
        if outbox.isEmpty {
            let sent = send(bytes)
            guard sent >= 0 else { return }
            remaining = UnsafeRawBufferPointer(rebasing: bytes[sent...])
            if remaining.isEmpty { return }
        }
        outbox.append(remaining)
        updateInterest()
    }

    public func write<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { write(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { write($0) } }
    }

    /// Sends FIN once everything queued has gone out; the peer sees end of input, we keep reading.
    public func shutdownOutput() {
        guard fd >= 0, !outputShutdownRequested else { return }
        outputShutdownRequested = true
        if outbox.isEmpty { _ = shutdown(fd, Int32(SHUT_WR)) }
    }

    /// Closes at once, dropping queued bytes; no handler runs afterwards.
    public func close() {
        guard fd >= 0 else {
            deferredError = nil  // an explicit close silences a failure not yet reported
            return
        }
        watch = nil
        Posix.close(fd)
        fd = -1
        outbox = WriteBuffer()
        lowWater = nil
        deferredLowWater = nil
        onRead = nil
        onEndOfInput = nil
        onDrained = nil
        onError = nil
    }

    // MARK: Loop callbacks

    private func readable() {
        let buffer = loop.readBuffer
        let count = read(fd, buffer.baseAddress, buffer.count)
        if count > 0 {
            onRead?(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        } else if count == 0 {
            inputEnded = true
            updateInterest()
            onEndOfInput?()
        } else if !Posix.isWouldBlock(Posix.lastError) {
            fail(SocketError.system(Posix.lastError, "connection with \(peerAddress) failed while reading"))
        }
    }

    private func writable() {
        guard !outbox.isEmpty else { return updateInterest() }
        var failure: Int32 = 0
        var kernelFull = false
        while !outbox.isEmpty && failure == 0 && !kernelFull {
            let sent = outbox.send { bytes in
                let (sent, error) = TCPConnection.rawSend(fd, bytes)
                failure = error
                return sent
            }
            kernelFull = sent == 0 && failure == 0
        }
        if failure != 0 { return fail(writeError(failure)) }
        reportLowWater()
        // Still queued (the kernel is full again): wait for writability. A handler may have closed us.
        guard fd >= 0, outbox.isEmpty else { return }
        updateInterest()
        if outputShutdownRequested { _ = shutdown(fd, Int32(SHUT_WR)) }
        onDrained?()
    }

    private func reportLowWater() {
        guard fd >= 0, let request = lowWater, outbox.count <= request.mark else { return }
        lowWater = nil
        request.handler()
    }

    /// Sends what the kernel takes now: bytes sent, 0 when it would block, -1 after failing.
    private func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        let (sent, failure) = TCPConnection.rawSend(fd, bytes)
        if failure == 0 { return sent }
        // Reported on the next loop turn: the caller is in the middle of `write`.
        let error = writeError(failure)
        let handler = onError
        close()
        deferredError = loop.schedule(after: .zero) { [weak self] in
            self?.deferredError = nil
            handler?(error)
        }
        return -1
    }

    /// One send(2) without touching any state: (bytes sent, 0) or (0, errno); would-block is (0, 0).
    private static func rawSend(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (Int, Int32) {
        let sent = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
        if sent >= 0 { return (sent, 0) }
        let code = Posix.lastError
        return Posix.isWouldBlock(code) ? (0, 0) : (0, code)
    }

    private func writeError(_ code: Int32) -> SocketError {
        SocketError.system(code, "connection with \(peerAddress) failed while writing")
    }

    private func fail(_ error: SocketError) {
        let handler = onError
        close()
        handler?(error)
    }

    private func updateInterest() {
        var interest: IOEvents = []
        if isReading && !inputEnded { interest.insert(.read) }
        if !outbox.isEmpty { interest.insert(.write) }
        watch?.interest = interest
    }
}
