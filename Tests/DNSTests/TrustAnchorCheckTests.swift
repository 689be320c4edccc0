import Foundation
import XCTest

@testable import DNS

final class TrustAnchorCheckTests: XCTestCase {
    func message(_ configuration: ResolverConfiguration) -> String? {
        do throws(DNSError) {
            try configuration.checkDNSSECCanBeValidated()
            return nil
        } catch {
            XCTAssertTrue(error.isTrustAnchorProblem)
            return error.message
        }
    }

    func testMissingAnchorSaysWhatToInstall() {
        let text = message(ResolverConfiguration(trustAnchorFile: "/nonexistent/root.key"))
        XCTAssertEqual(
            text,
            "DNSSEC trust anchor /nonexistent/root.key is missing: apt install dns-root-data, or set [dns] trust_anchor"
        )
    }

    func testNoAnchorConfigured() {
        let text = message(ResolverConfiguration(trustAnchorFile: nil)) ?? ""
        XCTAssertTrue(text.contains("apt install dns-root-data"), text)
    }

    func testDirectoryAndGarbageAreRefused() throws {
        XCTAssertTrue(message(ResolverConfiguration(trustAnchorFile: "/tmp"))?.contains("not a regular file") ?? false)
        let path = NSTemporaryDirectory() + "garbage-\(getpid()).key"
        try "hello\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        XCTAssertTrue(message(ResolverConfiguration(trustAnchorFile: path))?.contains("no DS or DNSKEY") ?? false)
    }

    func testUnreadableAnchor() throws {
        try XCTSkipIf(getuid() == 0, "root reads any file")
        let path = NSTemporaryDirectory() + "unreadable-\(getpid()).key"
        try ". IN DS 20326 8 2 e06d44b8\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        chmod(path, 0)
        XCTAssertTrue(message(ResolverConfiguration(trustAnchorFile: path))?.contains("not readable") ?? false)
    }

    func testDebianRootKeyIsAccepted() throws {
        try XCTSkipUnless(
            FileManager.default.fileExists(atPath: ResolverConfiguration.defaultTrustAnchorFile),
            "dns-root-data not installed")
        XCTAssertNil(message(ResolverConfiguration()))
    }
}
