import Foundation
import XCTest

/// The interop tests need root (Prosody is started as user prosody via runuser) and Debian's
/// prosody, lua-unbound, knot, ldnsutils, openssl and python3-slixmpp. Without them they skip.
enum InteropRequirements {
    static let tools = [
        "/usr/bin/prosody", "/usr/bin/prosodyctl", "/usr/sbin/knotd", "/usr/bin/ldns-keygen", "/usr/bin/ldns-signzone",
        "/usr/bin/openssl", "/usr/bin/dig", "/usr/sbin/runuser", "/usr/bin/python3", "/usr/bin/lua5.4",
    ]

    /// Throws XCTSkip naming what is missing.
    static func check() throws {
        guard getuid() == 0 else { throw XCTSkip("interop tests need root (runuser -u prosody)") }
        for tool in tools where !FileManager.default.isExecutableFile(atPath: tool) {
            throw XCTSkip("interop tests need \(tool) (Debian: prosody knot ldnsutils openssl python3-slixmpp)")
        }
        guard getpwnam("prosody") != nil else { throw XCTSkip("interop tests need the prosody user") }
        guard ProsodyVersion.installed != nil else {
            throw XCTSkip("cannot tell Prosody's version (no /usr/lib/prosody/prosody.version, no `prosodyctl about`)")
        }
        if (try? InteropTools.run("/usr/bin/lua5.4", ["-e", "require 'lunbound'"])) == nil {
            throw XCTSkip("interop tests need lua-unbound (Prosody's DNSSEC resolver)")
        }
        if (try? InteropTools.run("/usr/bin/python3", ["-c", "import slixmpp"])) == nil {
            throw XCTSkip("interop tests need python3-slixmpp")
        }
    }
}
