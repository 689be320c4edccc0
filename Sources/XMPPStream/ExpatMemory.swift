// The shim's allocation counters are per translation unit, so every call that creates a parser or
// reads the counters lives in this one file, and `@inline(never)` keeps cross-module optimization
// from copying a reader (and with it a second set of counters) into another module.
internal import CExpat

/// Bytes Expat holds for the parsers of this thread (the relay runs one loop thread).
public enum ExpatMemory {
    /// Bytes currently allocated by Expat for all parsers of this thread.
    public static var bytesInUse: Int {
        @inline(never) get { Int(shim_expat_bytes_in_use()) }
    }
    /// The highest `bytesInUse` since the last `resetPeak()`.
    public static var peakBytes: Int {
        @inline(never) get { Int(shim_expat_peak_bytes()) }
    }
    /// Starts a new peak measurement from the current use.
    @inline(never)
    public static func resetPeak() { shim_expat_reset_peak() }

    /// A namespace-mode UTF-8 parser allocating through the counters; names arrive as "uri\u{1}local".
    @inline(never)
    static func createParser() -> XML_Parser {
        guard let parser = shim_expat_create_parser(CChar(1)) else {
            fatalError("Expat could not allocate a parser: the system is out of memory")
        }
        return parser
    }
}
