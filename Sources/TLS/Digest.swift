internal import CMbedTLS

/// Hashes for pins and TLSA matching (types 1 and 2).
public enum TLSDigest {
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        TLSLibrary.initializeOnce()
        var out = [UInt8](repeating: 0, count: 32)
        _ = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer {
                shim_mbedtls_sha256(input.baseAddress, input.count, $0.baseAddress, 0)
            }
        }
        return out
    }

    public static func sha512(_ bytes: [UInt8]) -> [UInt8] {
        TLSLibrary.initializeOnce()
        var out = [UInt8](repeating: 0, count: 64)
        _ = bytes.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer {
                shim_mbedtls_sha512(input.baseAddress, input.count, $0.baseAddress, 0)
            }
        }
        return out
    }
}
