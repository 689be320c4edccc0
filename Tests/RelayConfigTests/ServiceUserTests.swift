import Foundation
import XCTest

@testable import RelayConfig

/// `check-config --user`: the kernel's permission rule as a pure function, and the hints it gives.
final class ServiceUserTests: XCTestCase {
    /// A fake passwd entry: uid 990, primary group 990, also in group 44.
    private let relay = ServiceUser(name: "xmpp-relay", uid: 990, groups: [990, 44])

    func testOwnerGroupAndOthersBitsAreUsedAsTheKernelDoes() {
        // root:xmpp-relay 0640, the packaged key: readable through the group only.
        XCTAssertTrue(relay.may(.read, mode: S_IFREG | 0o640, owner: 0, group: 990))
        XCTAssertFalse(relay.may(.write, mode: S_IFREG | 0o640, owner: 0, group: 990))
        // root:root 0600: not readable.
        XCTAssertFalse(relay.may(.read, mode: S_IFREG | 0o600, owner: 0, group: 0))
        // A supplementary group counts.
        XCTAssertTrue(relay.may(.read, mode: S_IFREG | 0o640, owner: 0, group: 44))
        // The owner's bits win even when they grant less than the group's (as in the kernel).
        XCTAssertFalse(relay.may(.read, mode: S_IFREG | 0o044, owner: 990, group: 990))
        // Others' bits for a stranger's file.
        XCTAssertTrue(relay.may(.read, mode: S_IFREG | 0o644, owner: 0, group: 0))
        XCTAssertFalse(relay.may(.search, mode: S_IFDIR | 0o750, owner: 0, group: 0))
        XCTAssertTrue(relay.may(.search, mode: S_IFDIR | 0o750, owner: 0, group: 990))
        // Root reads anything.
        let root = ServiceUser(name: "root", uid: 0, groups: [0])
        XCTAssertTrue(root.may(.read, mode: S_IFREG | 0o000, owner: 1000, group: 1000))
    }

    func testLookupOfARealAndAMissingUser() throws {
        let nobody = try ServiceUser.lookup("nobody").get()
        XCTAssertEqual(nobody.uid, 65534)
        XCTAssertFalse(nobody.groups.isEmpty)
        guard case .failure(let error) = ServiceUser.lookup("no-such-user-here") else {
            return XCTFail("a missing user was found")
        }
        XCTAssertTrue(error.message.contains("useradd --system no-such-user-here"), error.message)
    }

    func testUnreadableKeyHintSharesItWithTheRelaysGroup() {
        let key = ReferencedFile(key: "tls.key", path: "/etc/xmpp-relay/k.key", line: 3, kind: .private)
        let hint = FileChecks.accessHint(for: key)
        XCTAssertTrue(hint.contains("chgrp xmpp-relay /etc/xmpp-relay/k.key && chmod 640 /etc/xmpp-relay/k.key"), hint)
        XCTAssertFalse(hint.contains("keygen"), hint)
        let certificate = ReferencedFile(key: "tls.certificate", path: "/etc/c.crt", line: 2, kind: .readable)
        XCTAssertTrue(FileChecks.accessHint(for: certificate).contains("chmod 644 /etc/c.crt"))
    }

    func testPathsAreMadeAbsoluteAndSplit() {
        XCTAssertEqual(PathNotation.directory(of: "/etc/x/a.pem"), "/etc/x")
        XCTAssertEqual(PathNotation.directory(of: "/a.pem"), "/")
        XCTAssertEqual(PathNotation.directory(of: "a.pem"), ".")
        XCTAssertEqual(PathNotation.absolute("/etc/a"), "/etc/a")
        XCTAssertEqual(PathNotation.absolute("a/b.toml"), FileManager.default.currentDirectoryPath + "/a/b.toml")
    }

    func testWorldWritableFilesWarnButStickyDirectoriesDoNot() throws {
        let directory = NSTemporaryDirectory() + "service-user-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let certificate = directory + "/c.crt"
        _ = FileManager.default.createFile(atPath: certificate, contents: Data("x".utf8))
        chmod(certificate, 0o666)
        chmod(directory, 0o1777)  // like /tmp: sticky, so nobody replaces another's file
        let config = try ConfigLoader.parse(
            text: "[tls]\ncertificate = \"\(certificate)\"\nkey = \"/nonexistent/k.key\"\n",
            file: directory + "/missing.toml"
        ).get()
        let warnings = config.fileWarnings()
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertEqual(warnings.first?.line, 2)
        XCTAssertEqual(warnings.first?.kind, .risky)
        XCTAssertTrue(
            warnings.first?.message.hasPrefix("tls.certificate \(certificate) is writable by every user (mode 0666)")
                == true, "\(warnings)")
        chmod(directory, 0o777)
        let open = config.fileWarnings()
        XCTAssertTrue(
            open.contains { $0.message.contains(" \(directory) is writable by every user (mode 0777)") }, "\(open)")
    }
}
