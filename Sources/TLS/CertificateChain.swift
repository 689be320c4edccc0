internal import CMbedTLS

/// Owns a parsed mbedTLS certificate list (leaf first).
final class CertificateChain {
    let crt: UnsafeMutablePointer<mbedtls_x509_crt>

    init() {
        crt = .allocate(capacity: 1)
        mbedtls_x509_crt_init(crt)
    }

    deinit {
        mbedtls_x509_crt_free(crt)
        crt.deallocate()
    }

    /// Parses PEM (any number of CERTIFICATE blocks) or one DER certificate; `name` is for messages.
    /// `allowPartial` accepts a bundle where some entries fail (system CA bundles carry a few
    /// certificates mbedTLS cannot parse).
    convenience init(parsing bytes: [UInt8], name: String, allowPartial: Bool = false) throws(TLSError) {
        self.init()
        let status = withParseableBuffer(bytes) { mbedtls_x509_crt_parse(crt, $0, $1) }
        if status < 0 || crt.pointee.raw.len == 0 {
            throw TLSError(
                .notACertificate, "\(name): not a certificate in PEM or DER form (\(libraryErrorText(status)))",
                libraryCode: status)
        }
        if status > 0 && !allowPartial {
            throw TLSError(.notACertificate, "\(name): \(status) of the certificates in it cannot be parsed")
        }
    }

    /// Adds one DER certificate at the end of the list.
    func append(der: [UInt8]) -> Int32 {
        der.withUnsafeBufferPointer { mbedtls_x509_crt_parse_der(crt, $0.baseAddress, $0.count) }
    }

    var count: Int {
        var count = 0
        var node: UnsafeMutablePointer<mbedtls_x509_crt>? = crt
        while let current = node, current.pointee.raw.len > 0 {
            count += 1
            node = current.pointee.next
        }
        return count
    }

    /// DER of every certificate, leaf first.
    var derChain: [[UInt8]] { derList(crt) }
}

/// DER of every certificate in an mbedTLS list.
func derList(_ first: UnsafePointer<mbedtls_x509_crt>?) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var node = first
    while let current = node, current.pointee.raw.len > 0, let bytes = current.pointee.raw.p {
        result.append(Array(UnsafeBufferPointer(start: bytes, count: current.pointee.raw.len)))
        node = UnsafePointer(current.pointee.next)
    }
    return result
}

/// Validity period of one parsed certificate, as Unix times.
func validityPeriod(_ crt: UnsafePointer<mbedtls_x509_crt>) -> (notBefore: Int64, notAfter: Int64) {
    func convert(_ t: mbedtls_x509_time) -> Int64 {
        unixTime(
            year: Int(t.year), month: Int(t.mon), day: Int(t.day), hour: Int(t.hour), minute: Int(t.min),
            second: Int(t.sec))
    }
    return (convert(crt.pointee.valid_from), convert(crt.pointee.valid_to))
}
