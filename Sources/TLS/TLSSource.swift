/// Where certificate or key bytes come from: a file, or bytes already in memory (PEM or DER,
/// detected). `label` names in-memory bytes in error messages.
public enum TLSSource: Sendable, Hashable {
    case file(String)
    case bytes([UInt8], label: String)

    var name: String {
        switch self {
        case .file(let path): return path
        case .bytes(_, let label): return label
        }
    }

    func load() throws(TLSError) -> [UInt8] {
        switch self {
        case .file(let path): return try readWholeFile(path)
        case .bytes(let bytes, _): return bytes
        }
    }
}

/// A certificate chain (leaf first, then intermediates) and the leaf's private key (EC or RSA).
public struct TLSIdentity: Sendable, Hashable {
    public var certificateChain: TLSSource
    public var privateKey: TLSSource

    public init(certificateChain: TLSSource, privateKey: TLSSource) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// Convenience for the common case of two PEM files.
    public init(certificateFile: String, keyFile: String) {
        self.init(certificateChain: .file(certificateFile), privateKey: .file(keyFile))
    }
}
