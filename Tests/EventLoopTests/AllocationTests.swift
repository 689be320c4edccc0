import Foundation
import XCTest

@testable import EventLoop

#if canImport(Glibc)
    import Glibc
#endif

/// Counts heap allocations in the steady state of a connection (read, hand up, echo): the loop
/// must not allocate per event. The test rebuilds a tiny malloc counter with clang and reruns
/// itself under LD_PRELOAD; inside that child it measures.
final class AllocationTests: XCTestCase {
    private static let counterSymbol = "relay_test_malloc_count"
    private static let counterSource = """
        #define _GNU_SOURCE
        #include <stddef.h>
        extern void *__libc_malloc(size_t);
        extern void *__libc_calloc(size_t, size_t);
        extern void *__libc_realloc(void *, size_t);
        extern void *__libc_memalign(size_t, size_t);
        static unsigned long long calls;
        unsigned long long relay_test_malloc_count(void) { return __atomic_load_n(&calls, __ATOMIC_RELAXED); }
        static void counted(void) { __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED); }
        void *malloc(size_t n) { counted(); return __libc_malloc(n); }
        void *calloc(size_t n, size_t m) { counted(); return __libc_calloc(n, m); }
        void *realloc(void *p, size_t n) { counted(); return __libc_realloc(p, n); }
        void *aligned_alloc(size_t a, size_t n) { counted(); return __libc_memalign(a, n); }
        int posix_memalign(void **out, size_t a, size_t n) {
            counted(); *out = __libc_memalign(a, n); return *out ? 0 : 12;
        }
        """

    func testSteadyStateReadAndWriteDoNotAllocate() throws {
        guard let symbol = dlsym(nil, AllocationTests.counterSymbol) else {
            return try rerunUnderMallocCounter()
        }
        let mallocCalls = unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)
        let loop = Loop()
        let (local, remote) = makeSocketPair()
        defer { close(remote) }
        let connection = TCPConnection(loop: loop, fileDescriptor: local, peerAddress: loopbackV4)
        var echoed = 0
        connection.onRead = { bytes in
            echoed += bytes.count
            connection.write(bytes)
        }
        let message = [UInt8](repeating: 0x3c, count: 300)  // a typical stanza
        var sink = [UInt8](repeating: 0, count: 4096)
        func roundTrip() {
            _ = message.withUnsafeBytes { write(remote, $0.baseAddress, $0.count) }
            loop.runOnce()
            _ = sink.withUnsafeMutableBytes { read(remote, $0.baseAddress, $0.count) }
        }
        for _ in 0..<100 { roundTrip() }
        let rounds = 10_000
        let before = mallocCalls()
        for _ in 0..<rounds { roundTrip() }
        let allocations = mallocCalls() - before
        print("allocation-probe: \(allocations) malloc calls in \(rounds) read+echo round trips")
        XCTAssertEqual(echoed, (rounds + 100) * message.count)
        XCTAssertLessThan(allocations, UInt64(rounds / 100), "the loop allocates per event")

        // A timer costs a few small allocations when scheduled (handle, event, closure), none to fire.
        var fired = 0
        let timerCount = 1000
        let beforeTimers = mallocCalls()
        for _ in 0..<timerCount {
            let timer = loop.schedule(after: .zero) { fired += 1 }
            loop.runOnce()
            withExtendedLifetime(timer) {}
        }
        let perTimer = Double(mallocCalls() - beforeTimers) / Double(timerCount)
        print("allocation-probe-timers: \(perTimer) malloc calls per one-shot timer scheduled and fired")
        XCTAssertEqual(fired, timerCount)
        XCTAssertLessThanOrEqual(perTimer, 6)
    }

    private func rerunUnderMallocCounter() throws {
        if ProcessInfo.processInfo.environment["XMPP_RELAY_TEST_EMULATOR"] != nil {
            // The arm64 leg runs tests under qemu-user: a host-built counter cannot be preloaded into
            // an emulated child. The host and Debian 13 legs measure it.
            throw XCTSkip("allocation counting needs a native child process; not under an emulator")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("malloc-counter-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("counter.c")
        let library = directory.appendingPathComponent("counter.so")
        try AllocationTests.counterSource.write(to: source, atomically: true, encoding: .utf8)
        guard
            let clang = ["/usr/bin/clang", "/usr/bin/cc", "/opt/swift/usr/bin/clang"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw XCTSkip("no C compiler to build the malloc counter") }
        XCTAssertEqual(try run(clang, ["-shared", "-fPIC", "-O1", "-o", library.path, source.path]).status, 0)

        let testBinary = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let child = try run(
            testBinary, ["EventLoopTests.AllocationTests/testSteadyStateReadAndWriteDoNotAllocate"],
            environment: ["LD_PRELOAD": library.path])
        XCTAssertTrue(child.output.contains("allocation-probe:"), "the child did not measure:\n\(child.output)")
        for line in child.output.split(separator: "\n") where line.hasPrefix("allocation-probe") { print(line) }
        XCTAssertEqual(child.status, 0, child.output)
    }

    private func run(
        _ path: String,
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
