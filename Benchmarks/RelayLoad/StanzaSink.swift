/// Where the relay delivers the benchmark's stanzas: a XEP-0114 component (`SinkComponent`) or a
/// home server (`HomeSink`). Both only count `</message>`.
protocol StanzaSink: AnyObject {
    /// `</message>` counted so far, over all of the sink's connections.
    var received: Int { get }
    /// Ready to take stanzas (the component is connected; the home server listens).
    var onReady: (() -> Void)? { get set }
    var onReceived: (() -> Void)? { get set }
    var onFailure: ((String) -> Void)? { get set }
    /// Starts (connects or begins accepting); callbacks run on the loop.
    func start()
    func close()
}
