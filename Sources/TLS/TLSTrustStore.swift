internal import CMbedTLS

/// Verifies certificate chains against a set of trust anchors: the system CA bundle or a CA file
/// (PKIX), or anchors given explicitly as DER (DANE-TA). Names are NOT checked here: that is the
/// Trust module's job. Signatures must use SHA-256 or better; keys must be EC or RSA ≥ 2048 bits.
public final class TLSTrustStore {
    /// Debian's bundle from the ca-certificates package.
    public static let systemBundlePath = "/etc/ssl/certs/ca-certificates.crt"

    private let anchors: CertificateChain

    /// Trust anchors from a PEM bundle (default: the system bundle). Entries mbedTLS cannot parse
    /// are skipped; a file with no usable certificate is an error.
    public init(caFile: String = TLSTrustStore.systemBundlePath) throws(TLSError) {
        TLSLibrary.initializeOnce()
        anchors = try CertificateChain(parsing: try readWholeFile(caFile), name: caFile, allowPartial: true)
    }

    /// Explicit trust anchors as DER certificates (e.g. the certificate a DANE-TA record matched).
    public init(anchorsDER: [[UInt8]]) throws(TLSError) {
        TLSLibrary.initializeOnce()
        anchors = CertificateChain()
        for (index, der) in anchorsDER.enumerated() {
            let status = anchors.append(der: der)
            if status != 0 {
                throw TLSError(
                    .notACertificate, "trust anchor \(index) is not a DER certificate (\(libraryErrorText(status)))",
                    libraryCode: status)
            }
        }
        if anchorsDER.isEmpty { throw TLSError(.invalidConfiguration, "no trust anchors given") }
    }

    /// Number of anchors loaded.
    public var anchorCount: Int { anchors.count }

    /// Verifies `chain` (DER, leaf first, then each issuer after the certificate it issued, as peers
    /// send it in TLS) at `time`
    /// (Unix seconds; default now). Validity periods are judged at `time`, not by the system clock.
    public func verify(chain: [[UInt8]], at time: Int64? = nil) -> ChainVerificationResult {
        guard !chain.isEmpty else { return ChainVerificationResult(problems: [ChainProblem(.missing, depth: 0)]) }
        let parsed = CertificateChain()
        for (index, der) in chain.enumerated() where parsed.append(der: der) != 0 {
            return ChainVerificationResult(problems: [ChainProblem(.malformed, depth: index)])
        }
        let collector = VerificationCollector(time: time ?? currentUnixTime())
        var flags: UInt32 = 0
        // The C call borrows pointers into both objects; keep them alive across it.
        let status = withExtendedLifetime((parsed, collector)) {
            mbedtls_x509_crt_verify_with_profile(
                parsed.crt, anchors.crt, nil, shim_x509_profile_sha256_rsa2048(), nil, &flags, verifyCallback,
                Unmanaged.passUnretained(collector).toOpaque())
        }
        var problems = collector.problems
        if status != 0 && problems.isEmpty {
            // Failures reported only in the final flags (or a fatal error) still count.
            problems = ChainProblem.from(flags: flags, depth: 0)
            if problems.isEmpty { problems = [ChainProblem(.other, depth: 0)] }
        }
        return ChainVerificationResult(problems: problems)
    }
}

/// Collects per-certificate problems while mbedTLS walks the chain (deepest first).
private final class VerificationCollector {
    let time: Int64
    var problems: [ChainProblem] = []
    init(time: Int64) { self.time = time }
}

private func verifyCallback(
    context: UnsafeMutableRawPointer?, crt: UnsafeMutablePointer<mbedtls_x509_crt>?, depth: Int32,
    flags: UnsafeMutablePointer<UInt32>?
) -> Int32 {
    guard let context, let crt, let flags else { return 0 }
    let collector = Unmanaged<VerificationCollector>.fromOpaque(context).takeUnretainedValue()
    // mbedTLS judged validity by the system clock; judge it again at the requested time.
    var value = flags.pointee & ~UInt32(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)
    let validity = validityPeriod(crt)
    if collector.time > validity.notAfter { value |= UInt32(MBEDTLS_X509_BADCERT_EXPIRED) }
    if collector.time < validity.notBefore { value |= UInt32(MBEDTLS_X509_BADCERT_FUTURE) }
    flags.pointee = value
    collector.problems.append(contentsOf: ChainProblem.from(flags: value, depth: Int(depth)))
    return 0
}

/// Outcome of a chain verification: trusted, or the problems found.
public struct ChainVerificationResult: Sendable, Hashable, CustomStringConvertible {
    public let problems: [ChainProblem]
    public var isTrusted: Bool { problems.isEmpty }
    public var description: String {
        isTrusted ? "trusted" : problems.map(\.description).joined(separator: "; ")
    }
}

/// One reason a chain is not trusted, and which certificate it concerns (0 = leaf).
public struct ChainProblem: Sendable, Hashable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Backing: String, Hashable, Sendable {
            case expired = "expired"
            case notYetValid = "not yet valid"
            case untrusted = "not issued by a trusted authority (or bad signature)"
            case weakHash = "signed with a hash weaker than SHA-256"
            case weakKeyType = "key type not allowed (EC or RSA only)"
            case weakKey = "key too weak (RSA under 2048 bits or an unsupported curve)"
            case revoked = "revoked"
            case missing = "no certificate"
            case malformed = "not a DER certificate"
            case other = "rejected for another reason"
        }
        fileprivate let backing: Backing
        public static let expired = Kind(backing: .expired)
        public static let notYetValid = Kind(backing: .notYetValid)
        public static let untrusted = Kind(backing: .untrusted)
        public static let weakHash = Kind(backing: .weakHash)
        public static let weakKeyType = Kind(backing: .weakKeyType)
        public static let weakKey = Kind(backing: .weakKey)
        public static let revoked = Kind(backing: .revoked)
        public static let missing = Kind(backing: .missing)
        public static let malformed = Kind(backing: .malformed)
        public static let other = Kind(backing: .other)
        public var description: String { backing.rawValue }
    }

    public let kind: Kind
    /// Position in the verified path: 0 is the leaf; the highest is the trust anchor.
    public let depth: Int

    fileprivate init(_ kind: Kind.Backing, depth: Int) {
        self.kind = Kind(backing: kind)
        self.depth = depth
    }

    public var description: String { "certificate \(depth): \(kind)" }

    fileprivate static func from(flags: UInt32, depth: Int) -> [ChainProblem] {
        let table: [(Int32, Kind.Backing)] = [
            (MBEDTLS_X509_BADCERT_EXPIRED, .expired), (MBEDTLS_X509_BADCERT_FUTURE, .notYetValid),
            (MBEDTLS_X509_BADCERT_NOT_TRUSTED, .untrusted), (MBEDTLS_X509_BADCERT_BAD_MD, .weakHash),
            (MBEDTLS_X509_BADCERT_BAD_PK, .weakKeyType), (MBEDTLS_X509_BADCERT_BAD_KEY, .weakKey),
            (MBEDTLS_X509_BADCERT_REVOKED, .revoked), (MBEDTLS_X509_BADCERT_MISSING, .missing),
            (MBEDTLS_X509_BADCERT_OTHER, .other),
        ]
        return table.filter { flags & UInt32($0.0) != 0 }.map { ChainProblem($0.1, depth: depth) }
    }
}
