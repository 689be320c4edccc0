/// The grade `xmpp-relay probe` gives one target, after the old XMPP IM Observatory (xmpp.net),
/// which graded protocol versions, key exchange, cipher strength and trust. Documented for operators
/// in docs/probe-grading.md; keep the two in step.
///
/// Start at A, then apply every cap that matches (the lowest wins):
/// - STARTTLS not offered, or offered without `<required/>` (plaintext allowed) → F.
/// - Accepts TLS 1.0 or 1.1 → at most C.
/// - The suite negotiated when we offer the relay's ECDHE + AEAD list and the server chooses
///   has no forward secrecy (or the server only completes a handshake with weaker suites) → at most C.
/// - That suite is not AEAD (CBC) or weaker than 128 bits → at most B.
/// - Accepts static-RSA key exchange (no forward secrecy) when offered only that → at most B.
/// An A whose certificate is verified by DANE (secure TLSA that matched) becomes A+.
/// A certificate that neither DANE nor PKIX verifies turns any letter but F into T ("trust"):
/// the letter it would have had is kept in `untrustedLetter`.
/// Versions or suites the local TLS library cannot test are noted, never counted against the server.
public struct TLSProbeGrade: Sendable, Hashable, CustomStringConvertible {
    public enum Letter: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
        case f = 0
        case t = 1
        case c = 2
        case b = 3
        case a = 4
        case aPlus = 5

        public static func < (lhs: Letter, rhs: Letter) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            switch self {
            case .f: "F"
            case .t: "T"
            case .c: "C"
            case .b: "B"
            case .a: "A"
            case .aPlus: "A+"
            }
        }
    }

    public let letter: Letter
    /// For T: the grade the server would have with a trusted certificate.
    public let untrustedLetter: Letter?
    /// Every cap that applied, in words; empty for a clean A/A+.
    public let reasons: [String]

    public var description: String {
        let base = untrustedLetter.map { "T (\($0) if trusted)" } ?? letter.description
        return reasons.isEmpty ? base : "\(base): \(reasons.joined(separator: "; "))"
    }

    /// What the grade is computed from: one target's probe findings.
    public struct Findings: Sendable, Hashable {
        public enum STARTTLS: Sendable, Hashable {
            case directTLS
            case required
            case offeredNotRequired
            case notOffered
        }

        public var starttls: STARTTLS
        /// nil: not tested (the local library lacks it).
        public var acceptsTLS10: Bool?
        public var acceptsTLS11: Bool?
        /// The suite of the main handshake; nil if none completed.
        public var negotiated: TLSProbeCipherSuite?
        /// The main handshake needed suites outside the relay's ECDHE + AEAD list.
        public var neededWeakerSuites: Bool
        /// nil: not tested.
        public var acceptsWithoutForwardSecrecy: Bool?
        /// DANE or PKIX verified the certificate.
        public var trusted: Bool
        /// Verified by DANE (DANE-EE or DANE-TA under DNSSEC).
        public var daneVerified: Bool

        public init(
            starttls: STARTTLS, acceptsTLS10: Bool?, acceptsTLS11: Bool?, negotiated: TLSProbeCipherSuite?,
            neededWeakerSuites: Bool = false, acceptsWithoutForwardSecrecy: Bool?, trusted: Bool, daneVerified: Bool
        ) {
            self.starttls = starttls
            self.acceptsTLS10 = acceptsTLS10
            self.acceptsTLS11 = acceptsTLS11
            self.negotiated = negotiated
            self.neededWeakerSuites = neededWeakerSuites
            self.acceptsWithoutForwardSecrecy = acceptsWithoutForwardSecrecy
            self.trusted = trusted
            self.daneVerified = daneVerified
        }
    }

    /// The grading rules above, as a pure function.
    public static func grade(_ findings: Findings) -> TLSProbeGrade {
        var cap = Letter.a
        var reasons: [String] = []
        func limit(_ letter: Letter, _ reason: String) {
            cap = min(cap, letter)
            reasons.append("\(reason) (max \(letter))")
        }
        switch findings.starttls {
        case .notOffered: limit(.f, "no STARTTLS offered: plaintext only")
        case .offeredNotRequired: limit(.f, "STARTTLS not required: plaintext allowed")
        case .directTLS, .required: break
        }
        if findings.acceptsTLS10 == true { limit(.c, "accepts TLS 1.0") }
        if findings.acceptsTLS11 == true { limit(.c, "accepts TLS 1.1") }
        if let suite = findings.negotiated {
            if !suite.forwardSecrecy {
                limit(.c, "chose a key exchange without forward secrecy (\(suite.keyExchange))")
            }
            if !suite.aead { limit(.b, "chose a cipher that is not AEAD") }
            if let bits = suite.bits, bits < 128 { limit(.c, "chose a \(bits)-bit cipher") }
        } else {
            limit(.f, "no TLS handshake completed")
        }
        if findings.neededWeakerSuites && findings.negotiated?.forwardSecrecy == true {
            limit(.b, "does not accept the relay's ECDHE + AEAD suites")
        }
        if findings.acceptsWithoutForwardSecrecy == true {
            limit(.b, "accepts static RSA key exchange (no forward secrecy)")
        }
        var letter = cap
        if letter == .a && findings.daneVerified { letter = .aPlus }
        if !findings.trusted && letter != .f {
            return TLSProbeGrade(letter: .t, untrustedLetter: letter, reasons: reasons + ["certificate not trusted"])
        }
        return TLSProbeGrade(letter: letter, untrustedLetter: nil, reasons: reasons)
    }

    /// The overall grade: the worst of the targets' (F < T < C < B < A < A+); nil for none.
    public static func overall(_ grades: [TLSProbeGrade]) -> Letter? {
        grades.map(\.letter).min()
    }
}
