import DNS
import RelayServer
import X509

/// The text `probe` prints for a plan: the lookups with their DNSSEC status, then the targets.
enum ProbeReport {
    static func lines(for plan: ConnectionPlan) -> [String] {
        header(plan.domain) + plan.lookups.flatMap(lines(for:)) + planLines(for: plan)
    }

    /// What `probe` prints before the first lookup completes.
    static func header(_ domain: String) -> [String] {
        ["probe \(domain)", "", "DNS lookups (validated here, DNSSEC status per answer, as they complete):"]
    }

    /// One lookup and its records; `probe` prints it the moment the answer (or the deadline) comes.
    static func lines(for lookup: PlanLookup) -> [String] {
        let rcode = lookup.responseCode.map { " \($0)" } ?? ""
        let count =
            lookup.records.isEmpty ? "" : ", \(lookup.records.count) record\(lookup.records.count == 1 ? "" : "s")"
        return ["  \(lookup.type) \(lookup.name): \(lookup.status)\(rcode)\(count)"]
            + lookup.records.map { "      \($0)" }
    }

    /// The verdict and the targets, once the plan is complete.
    static func planLines(for plan: ConnectionPlan) -> [String] {
        var lines = [""]
        switch plan.verdict {
        case .connect:
            lines.append("connection plan: \(plan.usableTargets.count) of \(plan.targets.count) targets usable")
        case .notFound(let reason):
            lines.append("connection plan: no server: \(reason)")
        case .retryLater(let reason):
            lines.append("connection plan: retry later: \(reason)")
        }
        for (number, target) in plan.targets.enumerated() {
            lines.append(contentsOf: describe(target, number: number + 1))
        }
        return lines
    }

    static func describe(_ target: PlanTarget, number: Int) -> [String] {
        let service =
            target.fromSRV
            ? "\(target.directTLS ? "_xmpps-server, direct TLS" : "_xmpp-server, STARTTLS"), priority "
                + "\(target.priority) weight \(target.weight)"
            : "no SRV: domain on port \(target.port), STARTTLS"
        var lines = ["  \(number). \(target.host):\(target.port) (\(service))"]
        lines.append(
            target.fromSRV
                ? "     SRV record: \(target.serviceStatus)" : "     absence of SRV records: \(target.serviceStatus)")
        let addresses = target.addresses.isEmpty ? "none" : target.addresses.map(\.description).joined(separator: " ")
        lines.append("     addresses: \(target.addressStatus): \(addresses)")
        if let status = target.tlsaStatus {
            if status.isSecure {
                let records =
                    target.tlsa.isEmpty ? "none published" : target.tlsa.map(\.description).joined(separator: ", ")
                lines.append("     TLSA \(target.tlsaName): \(status): \(records)")
            } else {
                lines.append("     TLSA \(target.tlsaName): \(status)")
            }
        } else {
            lines.append("     TLSA \(target.tlsaName): not looked up (SRV or addresses not DNSSEC-secure)")
        }
        if let reason = target.unusableReason {
            lines.append("     UNUSABLE now: \(reason)")
        } else if target.daneApplies {
            lines.append(
                "     authentication: DANE with \(target.tlsa.count) TLSA record\(target.tlsa.count == 1 ? "" : "s")")
        } else {
            lines.append("     authentication: no DANE here; PKIX or a configured pin")
        }
        return lines
    }
}

extension ProbeReport {
    /// One target's section: TLS versions and suites, certificate, trust, authentication offered, grade.
    static func lines(for report: ProbeTargetReport) -> [String] {
        let kind = report.directTLS ? "direct TLS" : "STARTTLS"
        var lines = ["", "target \(report.number): \(report.host):\(report.port) at \(report.address) (\(kind))"]
        switch report.starttls {
        case .directTLS: lines.append("  starttls:     not used (TLS from the first byte)")
        case .required: lines.append("  starttls:     offered, required")
        case .offeredNotRequired: lines.append("  starttls:     offered, NOT required (plaintext allowed)")
        case .notOffered: lines.append("  starttls:     NOT offered (plaintext only)")
        case nil: break
        }
        if let failure = report.failure {
            lines.append("  unreachable:  \(failure)")
            if let grade = report.grade { lines.append("  grade:        \(grade)") }
            return lines
        }
        for (label, check) in report.versions {
            lines.append("  TLS \(label):      \(describe(check))")
        }
        if let suite = report.negotiated {
            let weaker = report.neededWeakerSuites ? " (only when offered every suite)" : ""
            lines.append(
                "  negotiated:   TLS \(report.negotiatedVersion ?? "?") \(TLSProbeCipherSuite.standardName(suite.name))"
                    + weaker)
            lines.append("  cipher:       \(suite.summary)")
        }
        lines.append("  static RSA:   \(describe(report.withoutForwardSecrecy))")
        if let certificate = report.certificate {
            lines.append("  certificate:  \(certificate.subject)")
            lines.append("    names:      \(certificate.names)")
            lines.append("    issuer:     \(certificate.issuer)\(certificate.selfSigned ? " (self-signed)" : "")")
            let left = certificate.daysLeft >= 0 ? "\(certificate.daysLeft) days left" : "EXPIRED"
            lines.append(
                "    valid:      \(UnixTime.iso8601(certificate.notBefore)) to \(UnixTime.iso8601(certificate.notAfter)) "
                    + "(\(left))")
            lines.append("    key:        \(certificate.key ?? "unknown")")
            lines.append(
                "    chain:      \(certificate.chainLength) certificate\(certificate.chainLength == 1 ? "" : "s")")
            lines.append("    pin:        \(certificate.pin)")
        } else {
            lines.append("  certificate:  none sent")
        }
        if let trust = report.trust {
            let verdict = trust.verified ? "verified" : "NOT verified"
            lines.append("  trust:        \(trust.method.rawValue) \(verdict): \(trust.reason)")
        }
        if let problem = report.featuresProblem {
            lines.append("  features:     unknown: \(problem)")
        } else {
            lines.append("  SASL EXTERNAL: \(yesNo(report.saslExternal)) (to us, without a client certificate)")
            lines.append("  dialback:     \(yesNo(report.dialback))")
        }
        if let grade = report.grade { lines.append("  grade:        \(grade)") }
        return lines
    }

    /// The closing lines: what was left out, then `grade: X` (or `grade: none`).
    static func summary(_ reports: [ProbeTargetReport], skipped: Int) -> [String] {
        var lines = [""]
        if reports.isEmpty && skipped == 0 {
            lines.append("grade: none (DNS gave no usable target)")
            return lines
        }
        if skipped > 0 {
            lines.append("not probed: \(skipped) more target\(skipped == 1 ? "" : "s") (see --max-targets)")
        }
        let overall = TLSProbeGrade.overall(reports.compactMap(\.grade))
        lines.append("grade: \(overall?.description ?? "none (no target could be reached)")")
        return lines
    }

    private static func describe(_ check: TLSProbe.Check) -> String {
        switch check {
        case .accepted(let version, let suite):
            "accepted (TLS \(version) \(TLSProbeCipherSuite.standardName(suite)))"
        case .refused(let reason): "refused (\(withoutLibraryDetail(reason)))"
        case .notTested(let reason): "not tested (\(reason))"
        }
    }

    /// "… alert protocol_version (mbedTLS -0x7780: …)" → "… alert protocol_version": the alert says it.
    static func withoutLibraryDetail(_ reason: String) -> String {
        let marker = " (mbedTLS -0x"
        var index = reason.startIndex
        while index < reason.endIndex {
            if reason[index...].hasPrefix(marker) { return String(reason[..<index]) }
            index = reason.index(after: index)
        }
        return reason
    }

    private static func yesNo(_ value: Bool?) -> String {
        value.map { $0 ? "offered" : "not offered" } ?? "unknown"
    }
}
