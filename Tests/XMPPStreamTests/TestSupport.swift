import Foundation
import XCTest

@testable import XMPPStream

enum Fixtures {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// The sample streams (regular files directly in Fixtures/).
    static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(
                atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }.sorted()
    }

    /// Inputs the fuzzer once broke, in Fixtures/fuzz-regressions/.
    static func fuzzRegressions() throws -> [(String, [UInt8])] {
        let folder = directory.appendingPathComponent("fuzz-regressions")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map { name in
            (name, Array(try Data(contentsOf: folder.appendingPathComponent(name))))
        }
    }
}

/// A small deterministic generator (SplitMix64) so property tests replay exactly.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct ParseResult: Equatable {
    var events: [StreamEvent]
    var remainder: [UInt8]
}

/// Feeds `bytes` in chunks whose sizes come from `nextChunk`, collecting events and, if the parser
/// paused at a restart point, the bytes it kept.
func parse(
    _ bytes: [UInt8], limits: StreamLimits = StreamLimits(), nextChunk: (Int) -> Int
) -> ParseResult {
    let parser = XMPPStreamParser(limits: limits)
    var events: [StreamEvent] = []
    var offset = 0
    while offset < bytes.count {
        let size = max(1, min(nextChunk(bytes.count - offset), bytes.count - offset))
        events += parser.feed(Array(bytes[offset..<(offset + size)]))
        offset += size
    }
    return ParseResult(events: events, remainder: parser.isPaused ? parser.restart() : [])
}

func parseAllAtOnce(_ bytes: [UInt8], limits: StreamLimits = StreamLimits()) -> ParseResult {
    parse(bytes, limits: limits) { $0 }
}

func parseByteAtATime(_ bytes: [UInt8], limits: StreamLimits = StreamLimits()) -> ParseResult {
    parse(bytes, limits: limits) { _ in 1 }
}

func parseRandomChunks(_ bytes: [UInt8], seed: UInt64, limits: StreamLimits = StreamLimits()) -> ParseResult {
    var random = SeededRandom(seed: seed)
    return parse(bytes, limits: limits) { _ in Int.random(in: 1...64, using: &random) }
}

let streamOpen =
    "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='a.example' version='1.0'>"

func elements(_ events: [StreamEvent]) -> [Element] {
    events.compactMap { event in
        if case .element(let element) = event { return element }
        return nil
    }
}

func failure(_ events: [StreamEvent]) -> StreamError? {
    for case .failed(let error) in events { return error }
    return nil
}
