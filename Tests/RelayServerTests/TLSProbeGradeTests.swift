import XCTest

@testable import RelayServer

/// Every rule of `TLSProbeGrade.grade`, one finding at a time from a clean A.
final class TLSProbeGradeTests: XCTestCase {
    private let modern = TLSProbeCipherSuite(name: "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384")

    private func clean() -> TLSProbeGrade.Findings {
        TLSProbeGrade.Findings(
            starttls: .required, acceptsTLS10: false, acceptsTLS11: false, negotiated: modern,
            acceptsWithoutForwardSecrecy: false, trusted: true, daneVerified: false)
    }

    func testCleanServerIsAAndDANEMakesItAPlus() {
        XCTAssertEqual(TLSProbeGrade.grade(clean()).description, "A")
        var findings = clean()
        findings.daneVerified = true
        XCTAssertEqual(TLSProbeGrade.grade(findings).letter, .aPlus)
        findings.starttls = .directTLS
        XCTAssertEqual(TLSProbeGrade.grade(findings).description, "A+")
    }

    func testUntestedVersionsCostNothing() {
        var findings = clean()
        findings.acceptsTLS10 = nil
        findings.acceptsTLS11 = nil
        findings.acceptsWithoutForwardSecrecy = nil
        XCTAssertEqual(TLSProbeGrade.grade(findings).letter, .a)
    }

    func testPlaintextCapsAtF() {
        var findings = clean()
        findings.starttls = .offeredNotRequired
        XCTAssertEqual(TLSProbeGrade.grade(findings).description, "F: STARTTLS not required: plaintext allowed (max F)")
        findings.starttls = .notOffered
        findings.negotiated = nil
        findings.trusted = false
        let grade = TLSProbeGrade.grade(findings)
        XCTAssertEqual(grade.letter, .f, "F stays F, never T")
        XCTAssertNil(grade.untrustedLetter)
        XCTAssertTrue(grade.reasons.contains("no STARTTLS offered: plaintext only (max F)"), "\(grade)")
    }

    func testOldVersionsCapAtC() {
        var findings = clean()
        findings.acceptsTLS10 = true
        XCTAssertEqual(TLSProbeGrade.grade(findings).description, "C: accepts TLS 1.0 (max C)")
        findings = clean()
        findings.acceptsTLS11 = true
        findings.daneVerified = true
        XCTAssertEqual(TLSProbeGrade.grade(findings).letter, .c, "DANE does not lift a cap")
    }

    func testNoForwardSecrecyCapsAtC() {
        var findings = clean()
        findings.negotiated = TLSProbeCipherSuite(name: "TLS-RSA-WITH-AES-128-GCM-SHA256")
        XCTAssertEqual(
            TLSProbeGrade.grade(findings).description, "C: chose a key exchange without forward secrecy (RSA) (max C)")
    }

    func testNonAEADAndStaticRSAAndWeakerSuitesCapAtB() {
        var findings = clean()
        findings.negotiated = TLSProbeCipherSuite(name: "TLS-ECDHE-RSA-WITH-AES-128-CBC-SHA256")
        XCTAssertEqual(TLSProbeGrade.grade(findings).description, "B: chose a cipher that is not AEAD (max B)")
        findings = clean()
        findings.acceptsWithoutForwardSecrecy = true
        XCTAssertEqual(TLSProbeGrade.grade(findings).letter, .b)
        findings = clean()
        findings.negotiated = TLSProbeCipherSuite(name: "TLS-DHE-RSA-WITH-AES-128-GCM-SHA256")
        findings.neededWeakerSuites = true
        XCTAssertEqual(
            TLSProbeGrade.grade(findings).description, "B: does not accept the relay's ECDHE + AEAD suites (max B)")
    }

    func testWeakCipherCapsAtC() {
        var findings = clean()
        findings.negotiated = TLSProbeCipherSuite(name: "TLS-ECDHE-RSA-WITH-3DES-EDE-CBC-SHA")
        let grade = TLSProbeGrade.grade(findings)
        XCTAssertEqual(grade.letter, .c)
        XCTAssertTrue(grade.reasons.contains("chose a 112-bit cipher (max C)"), "\(grade)")
    }

    func testNoHandshakeIsF() {
        var findings = clean()
        findings.negotiated = nil
        XCTAssertEqual(TLSProbeGrade.grade(findings).letter, .f)
    }

    func testUntrustedIsTAndKeepsTheLetterItWouldHave() {
        var findings = clean()
        findings.trusted = false
        XCTAssertEqual(TLSProbeGrade.grade(findings).description, "T (A if trusted): certificate not trusted")
        findings.acceptsTLS10 = true
        let grade = TLSProbeGrade.grade(findings)
        XCTAssertEqual(grade.letter, .t)
        XCTAssertEqual(grade.untrustedLetter, .c)
    }

    func testOverallIsTheWorst() {
        let a = TLSProbeGrade.grade(clean())
        var findings = clean()
        findings.trusted = false
        let t = TLSProbeGrade.grade(findings)
        findings = clean()
        findings.acceptsTLS10 = true
        let c = TLSProbeGrade.grade(findings)
        XCTAssertEqual(TLSProbeGrade.overall([a, c]), .c)
        XCTAssertEqual(TLSProbeGrade.overall([a, c, t]), .t, "an untrusted target is worse than an old protocol")
        XCTAssertNil(TLSProbeGrade.overall([]))
    }

    func testCipherSuiteTraits() {
        let tls13 = TLSProbeCipherSuite(name: "TLS1-3-CHACHA20-POLY1305-SHA256")
        XCTAssertTrue(tls13.forwardSecrecy)
        XCTAssertTrue(tls13.aead)
        XCTAssertEqual(tls13.bits, 256)
        XCTAssertEqual(tls13.summary, "ECDHE (TLS 1.3), AEAD 256-bit")
        XCTAssertEqual(TLSProbeCipherSuite.standardName(tls13.name), "TLS_CHACHA20_POLY1305_SHA256")
        let ecdhe = TLSProbeCipherSuite(name: "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256")
        XCTAssertEqual(ecdhe.summary, "ECDHE, AEAD 128-bit")
        let rsa = TLSProbeCipherSuite(name: "TLS-RSA-WITH-AES-256-CBC-SHA")
        XCTAssertEqual(rsa.summary, "RSA (no forward secrecy), not AEAD 256-bit")
        XCTAssertEqual(TLSProbeCipherSuite(name: "TLS-DHE-RSA-WITH-AES-128-CCM").summary, "DHE, AEAD 128-bit")
    }
}
