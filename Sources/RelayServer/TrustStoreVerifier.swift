import TLS
import Trust
import X509

/// Trust's `ChainVerifier`, done by mbedTLS through the TLS module: signatures, paths, CA flags and
/// dates above the leaf. The system bundle is parsed once (about 440 KB of heap for Debian's 139
/// CAs) and only when a PKIX decision first needs it; DANE-TA anchors are per decision.
public final class TrustStoreVerifier: ChainVerifier {
    private var systemStores: [String: TLSTrustStore] = [:]

    public init() {}

    public func verify(chain: [Certificate], anchors: TrustAnchors, at unixTime: Int64) -> ChainVerdict {
        let store: TLSTrustStore
        do {
            switch anchors {
            case .system(let bundlePath):
                if let cached = systemStores[bundlePath] {
                    store = cached
                } else {
                    store = try TLSTrustStore(caFile: bundlePath)
                    systemStores[bundlePath] = store
                }
            case .certificates(let list):
                store = try TLSTrustStore(anchorsDER: list.map(\.der))
            }
        } catch {
            return .untrusted("cannot load trust anchors: \(error)")
        }
        let result = store.verify(chain: Self.issuerOrder(chain).map(\.der), at: unixTime)
        return result.isTrusted ? .trusted : .untrusted(result.description)
    }

    /// Peers may send intermediates in any order; mbedTLS wants each issuer right after the
    /// certificate it issued. Unrelated extras go last, where they do no harm.
    static func issuerOrder(_ chain: [Certificate]) -> [Certificate] {
        guard var current = chain.first else { return [] }
        var rest = Array(chain.dropFirst())
        var ordered = [current]
        while !current.isSelfIssued, let next = rest.firstIndex(where: { $0.subject.der == current.issuer.der }) {
            current = rest.remove(at: next)
            ordered.append(current)
        }
        return ordered + rest
    }
}
