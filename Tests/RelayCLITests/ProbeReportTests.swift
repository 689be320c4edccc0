import Trust
import XCTest

@testable import RelayCLI
@testable import RelayServer

/// Rendering of one target's section and of the summary, from hand-made findings.
final class ProbeReportTests: XCTestCase {
    private func graded() -> ProbeTargetReport {
        var report = ProbeTargetReport(
            number: 2, host: "xmpp.example.org", port: 5269, directTLS: false, address: "192.0.2.7:5269",
            starttls: .required)
        report.versions = [
            ("1.3", .notTested("library lacks TLS 1.3")),
            ("1.2", .accepted(version: "1.2", suite: "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256")),
            ("1.1", .refused("tls: peer refused the handshake with alert protocol_version (mbedTLS -0x7780: SSL - …)")),
            ("1.0", .accepted(version: "1.0", suite: "TLS-ECDHE-RSA-WITH-AES-256-CBC-SHA")),
        ]
        report.negotiatedVersion = "1.2"
        report.negotiated = TLSProbeCipherSuite(name: "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256")
        report.withoutForwardSecrecy = .refused("tls: handshake_failure")
        report.certificate = ProbeTargetReport.CertificateFacts(
            subject: "CN=example.org", names: "DNS:example.org", issuer: "CN=R11, O=Let's Encrypt", selfSigned: false,
            notBefore: 1_790_000_000, notAfter: 1_797_776_000, daysLeft: 40, key: "RSA 2048", chainLength: 2,
            pin: "3 1 1 00ff")
        report.trust = AuthOutcome(
            method: .pkix, verified: true, detail: "", reason: "chain trusted", fallbackAllowed: false)
        report.saslExternal = false
        report.dialback = true
        report.grade = report.findings.map(TLSProbeGrade.grade)
        return report
    }

    func testTargetSection() {
        let lines = ProbeReport.lines(for: graded())
        XCTAssertEqual(
            lines,
            [
                "",
                "target 2: xmpp.example.org:5269 at 192.0.2.7:5269 (STARTTLS)",
                "  starttls:     offered, required",
                "  TLS 1.3:      not tested (library lacks TLS 1.3)",
                "  TLS 1.2:      accepted (TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)",
                "  TLS 1.1:      refused (tls: peer refused the handshake with alert protocol_version)",
                "  TLS 1.0:      accepted (TLS 1.0 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA)",
                "  negotiated:   TLS 1.2 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "  cipher:       ECDHE, AEAD 128-bit",
                "  static RSA:   refused (tls: handshake_failure)",
                "  certificate:  CN=example.org",
                "    names:      DNS:example.org",
                "    issuer:     CN=R11, O=Let's Encrypt",
                "    valid:      2026-09-21T14:13:20Z to 2026-12-20T14:13:20Z (40 days left)",
                "    key:        RSA 2048",
                "    chain:      2 certificates",
                "    pin:        3 1 1 00ff",
                "  trust:        pkix verified: chain trusted",
                "  SASL EXTERNAL: not offered (to us, without a client certificate)",
                "  dialback:     offered",
                "  grade:        C: accepts TLS 1.0 (max C)",
            ])
    }

    func testUnreachableTargetAndSummary() {
        var down = ProbeTargetReport(
            number: 1, host: "a.example", port: 5270, directTLS: true, address: "192.0.2.1:5270", starttls: .directTLS)
        down.failure = "connect: refused"
        XCTAssertNil(down.findings, "an unreachable target gets no grade")
        XCTAssertEqual(ProbeReport.lines(for: down).last, "  unreachable:  connect: refused")
        XCTAssertEqual(ProbeReport.summary([down], skipped: 0), ["", "grade: none (no target could be reached)"])
        XCTAssertEqual(ProbeReport.summary([], skipped: 0), ["", "grade: none (DNS gave no usable target)"])

        var silent = ProbeTargetReport(
            number: 3, host: "b.example", port: 5269, directTLS: false, address: "192.0.2.2:5269", starttls: nil)
        silent.failure = "stream: no answer within 5 s"
        XCTAssertEqual(
            ProbeReport.lines(for: silent),
            [
                "", "target 3: b.example:5269 at 192.0.2.2:5269 (STARTTLS)",
                "  unreachable:  stream: no answer within 5 s",
            ],
            "no STARTTLS verdict for a server that never sent its features")
        XCTAssertNil(silent.findings)
        XCTAssertEqual(
            ProbeReport.summary([down, graded()], skipped: 1),
            ["", "not probed: 1 more target (see --max-targets)", "grade: C"])

        var plaintext = down
        plaintext.starttls = .notOffered
        plaintext.failure = "starttls: the server does not offer STARTTLS"
        XCTAssertEqual(plaintext.findings.map(TLSProbeGrade.grade)?.letter, .f, "plaintext only is graded F")
    }
}
