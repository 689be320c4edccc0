import Foundation

/// The installed Prosody's version. Debian 12 ships 0.12.3, Debian 13 ships 13.0.1; the harness
/// adapts the configuration and the tests their expectations where the two differ by design.
struct ProsodyVersion: Comparable, CustomStringConvertible {
    let parts: [Int]

    init(parts: [Int]) { self.parts = parts }

    /// "0.12.3", "13.0.1", "13.0.1+hg…": the leading dotted numbers.
    init?(_ text: String) {
        let numbers = text.trimmingCharacters(in: .whitespacesAndNewlines)
            .prefix { $0.isNumber || $0 == "." }.split(separator: ".").compactMap { Int($0) }
        guard !numbers.isEmpty else { return nil }
        parts = numbers
    }

    var description: String { parts.map(String.init).joined(separator: ".") }

    static func < (lhs: ProsodyVersion, rhs: ProsodyVersion) -> Bool {
        for index in 0..<max(lhs.parts.count, rhs.parts.count) {
            let left = index < lhs.parts.count ? lhs.parts[index] : 0
            let right = index < rhs.parts.count ? rhs.parts[index] : 0
            if left != right { return left < right }
        }
        return false
    }

    static func == (lhs: ProsodyVersion, rhs: ProsodyVersion) -> Bool { !(lhs < rhs) && !(rhs < lhs) }

    /// Prosody 0.12.4 added the `s2sout-pre-connect` event (mod_s2sout_via_relay needs it).
    var hasPreConnectEvent: Bool { self >= ProsodyVersion(parts: [0, 12, 4]) }

    /// The Config/prosody module that routes this Prosody's outgoing s2s to the relay: the event
    /// where it exists, the resolver swap before.
    var relayRouteModule: String { hasPreConnectEvent ? "s2sout_via_relay" : "s2s_via_relay" }

    /// Prosody 13 authenticates incoming peers by DANE itself: `use_dane = true` loads its own
    /// mod_s2s_auth_dane_in, which Config/prosody's module of the same name would shadow.
    var hasInboundDANE: Bool { self >= ProsodyVersion(parts: [13]) }

    /// How Prosody ends "Forbidding insecure connection to/from DOMAIN because its certificate …"
    /// for a self-signed certificate no DANE record vouches for: 13 names the error, 0.12 does not.
    var selfSignedRefusal: String { self >= ProsodyVersion(parts: [13]) ? "is self-signed" : "is not trusted" }

    /// The same for a certificate its secure TLSA records do not match.
    var daneMismatchRefusal: String {
        self >= ProsodyVersion(parts: [13]) ? "does not match any DANE TLSA records" : "is not trusted"
    }

    /// The version of /usr/bin/prosody: Debian's prosody.version file (what Prosody itself reads),
    /// else the first line of `prosodyctl about` ("Prosody 13.0.1"); nil when neither says.
    static let installed: ProsodyVersion? = {
        if let text = try? String(contentsOfFile: "/usr/lib/prosody/prosody.version", encoding: .utf8),
            let version = ProsodyVersion(text)
        {
            return version
        }
        guard let about = try? InteropTools.run("/usr/bin/prosodyctl", ["about"]),
            let line = about.split(separator: "\n").first(where: { $0.hasPrefix("Prosody ") })
        else { return nil }
        return ProsodyVersion(String(line.dropFirst("Prosody ".count)))
    }()
}
