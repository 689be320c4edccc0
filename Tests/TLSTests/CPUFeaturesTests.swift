import Foundation
import TLS
import XCTest

final class CPUFeaturesTests: XCTestCase {
    /// The instruction-level answer agrees with what the kernel tells /proc/cpuinfo (x86 `flags`,
    /// ARM `Features`), which the sandboxed relay cannot read.
    func testAgreesWithProcCPUInfo() throws {
        let text = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("flags") || $0.hasPrefix("Features") }
        guard let line = lines.first, let colon = line.firstIndex(of: ":") else {
            throw XCTSkip("no flags or Features line in /proc/cpuinfo")
        }
        let listed = line[line.index(after: colon)...].split(separator: " ").contains("aes")
        XCTAssertEqual(CPUFeatures.hasAESInstructions, listed, String(line))
    }

    func testOrderFollowsTheCPU() {
        XCTAssertEqual(
            TLSConfiguration.CipherOrder.forThisCPU, CPUFeatures.hasAESInstructions ? .aesFirst : .chachaFirst)
    }
}
