import X509

/// Where PKIX and DANE-TA chains must end.
public enum TrustAnchors {
    /// A PEM CA bundle on disk (e.g. /etc/ssl/certs/ca-certificates.crt).
    case system(bundlePath: String)
    /// Explicit anchors (a DANE-TA or pinned trust anchor, or tests).
    case certificates([Certificate])
}

/// What a chain verifier concluded.
public struct ChainVerdict {
    public let isTrusted: Bool
    /// Why not, in the verifier's words (empty when trusted).
    public let reason: String

    public static var trusted: ChainVerdict { ChainVerdict(isTrusted: true, reason: "") }

    public static func untrusted(_ reason: String) -> ChainVerdict { ChainVerdict(isTrusted: false, reason: reason) }
}

/// Signature and path checking, done by a crypto library outside this pure-Swift module (the TLS
/// module implements it with mbedTLS). `chain[0]` is the peer's certificate, the rest are untrusted
/// intermediates in any order. The verifier checks signatures, CA flags and validity dates of the
/// certificates above the leaf up to an anchor at `unixTime`; names, EKU and the leaf's dates are
/// checked by Trust itself so that it can give precise reasons.
public protocol ChainVerifier {
    func verify(chain: [Certificate], anchors: TrustAnchors, at unixTime: Int64) -> ChainVerdict
}
