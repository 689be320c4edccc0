internal import CMbedTLS

/// The memory "socket" under one connection: ciphertext in, ciphertext out. mbedTLS reaches it
/// through its BIO pointer (also how the SNI callback finds the connection).
final class ConnectionIO {
    private var inbound: [UInt8] = []
    private var inboundOffset = 0
    var outbound: [UInt8] = []
    var endOfStream = false
    /// The first bytes the peer ever sent: enough to name the version a hello offered.
    var firstBytes: [UInt8] = []
    var serverNameReceived: String?
    var missingCertificateName: String?

    var pendingInbound: Int { inbound.count - inboundOffset }

    func append(_ bytes: [UInt8]) {
        if firstBytes.count < 11 { firstBytes.append(contentsOf: bytes.prefix(11 - firstBytes.count)) }
        if inboundOffset > 0 && inboundOffset >= inbound.count / 2 {
            inbound.removeFirst(inboundOffset)
            inboundOffset = 0
        }
        inbound.append(contentsOf: bytes)
    }

    fileprivate func receive(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int32 {
        let available = inbound.count - inboundOffset
        if available == 0 { return endOfStream ? 0 : MBEDTLS_ERR_SSL_WANT_READ }
        let count = min(available, capacity, Int(Int32.max))
        inbound.withUnsafeBufferPointer { source in
            buffer.update(from: source.baseAddress! + inboundOffset, count: count)
        }
        inboundOffset += count
        if inboundOffset == inbound.count {
            // Idle links should hold no buffer beyond mbedTLS's own.
            inbound = []
            inboundOffset = 0
        }
        return Int32(count)
    }

    /// Installs the callbacks on `ssl`; the caller keeps this object alive as long as `ssl`.
    func attach(to ssl: UnsafeMutablePointer<mbedtls_ssl_context>) {
        mbedtls_ssl_set_bio(ssl, Unmanaged.passUnretained(self).toOpaque(), sendCallback, receiveCallback, nil)
    }
}

private func sendCallback(context: UnsafeMutableRawPointer?, bytes: UnsafePointer<UInt8>?, length: Int) -> Int32 {
    guard let context, let bytes else { return MBEDTLS_ERR_SSL_BAD_INPUT_DATA }
    let io = Unmanaged<ConnectionIO>.fromOpaque(context).takeUnretainedValue()
    let count = min(length, Int(Int32.max))
    io.outbound.append(contentsOf: UnsafeBufferPointer(start: bytes, count: count))
    return Int32(count)
}

private func receiveCallback(context: UnsafeMutableRawPointer?, buffer: UnsafeMutablePointer<UInt8>?, length: Int)
    -> Int32
{
    guard let context, let buffer else { return MBEDTLS_ERR_SSL_BAD_INPUT_DATA }
    return Unmanaged<ConnectionIO>.fromOpaque(context).takeUnretainedValue().receive(into: buffer, capacity: length)
}
