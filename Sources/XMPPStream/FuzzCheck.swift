/// The invariants the fuzz target checks on every input, here so the regression tests replay the
/// exact same checks on saved crash inputs:
/// - any chunking gives the same events and remainder as one feed (byte-at-a-time on a prefix);
/// - every parsed element survives serialize → parse unchanged (or is refused by the serializer
///   with an error, never written wrongly).
/// The first input byte picks the limits and the chunk pattern; the rest is the stream.
enum FuzzCheck {
    /// Byte-at-a-time costs one Expat call per byte; on longer inputs only this prefix gets it.
    static let byteAtATimePrefix = 512

    /// Nil when all invariants hold, else what broke.
    static func check(_ input: UnsafeRawBufferPointer) -> String? {
        guard let control = input.first else { return nil }
        let stream = UnsafeRawBufferPointer(rebasing: input[1...])
        let limits =
            control & 1 == 0
            ? StreamLimits()
            : StreamLimits(maxStanzaBytes: 300, maxDepth: 6, maxAttributes: 4, maxNamespaceDeclarations: 3)

        let whole = run(stream, limits) { $0 }
        var state = UInt32(control) &* 2_654_435_761 | 1
        let chunked = run(stream, limits) { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int(state >> 24) % 40 + 1
        }
        if chunked != whole { return "random chunks differ from one feed:\n\(chunked)\nvs\n\(whole)" }

        let prefix = UnsafeRawBufferPointer(rebasing: stream.prefix(byteAtATimePrefix))
        let prefixWhole = prefix.count == stream.count ? whole : run(prefix, limits) { $0 }
        let bytewise = run(prefix, limits) { _ in 1 }
        if bytewise != prefixWhole { return "byte-at-a-time differs from one feed:\n\(bytewise)\nvs\n\(prefixWhole)" }

        for case .element(let element) in whole.events {
            guard let bytes = try? ElementSerializer.standalone.serialize(element) else { continue }
            let wrapped = Array("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>".utf8) + bytes
            let reparsed = wrapped.withUnsafeBytes { run($0, StreamLimits()) { $0 } }
            guard reparsed.events.count == 2, case .element(let again) = reparsed.events[1], again == element else {
                return "serialize/parse round trip changed \(element) into \(reparsed.events)"
            }
        }
        return nil
    }

    struct Outcome: Equatable, CustomStringConvertible {
        var events: [StreamEvent]
        var remainder: [UInt8]
        var description: String { "\(events) remainder \(remainder)" }
    }

    static func run(_ bytes: UnsafeRawBufferPointer, _ limits: StreamLimits, nextChunk: (Int) -> Int) -> Outcome {
        let parser = XMPPStreamParser(limits: limits)
        var events: [StreamEvent] = []
        var offset = 0
        while offset < bytes.count {
            let size = max(1, min(nextChunk(bytes.count - offset), bytes.count - offset))
            events += parser.feed(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + size)]))
            offset += size
        }
        return Outcome(events: events, remainder: parser.isPaused ? parser.restart() : [])
    }
}
