// libFuzzer entry point; compiled together with Sources/XMPPStream by Scripts/fuzz-xmppstream,
// never by `swift build`. A broken invariant traps, and libFuzzer saves the input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXMPPStreamParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    if let broken = FuzzCheck.check(UnsafeRawBufferPointer(start: data, count: size)) {
        fatalError(broken)
    }
    return 0
}
