import RelayTestSupport
import XCTest

/// Timing- and memory-bound checks skip under qemu-user (the arm64 leg): /proc shows the emulator's
/// memory and its timing is not the board's. What they check runs natively in the other legs.
func skipUnderEmulator(_ what: String) throws {
    if let emulator = RelayBinary.emulator {
        throw XCTSkip("\(what) is timing- and memory-bound: meaningless under \(emulator)")
    }
}
