internal import CEvent

/// The relay's single event loop: one libevent `event_base` drives sockets, timers, signals and DNS.
/// Not thread-safe by design: the relay runs everything on this one thread.
public final class Loop {
    /// The libevent base, for sibling wrapper modules (DNS) that plug C libraries into the same loop.
    package let eventBase: OpaquePointer

    public init() {
        let config = event_config_new()
        // One thread only: libevent's locks are pure cost here.
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_NOLOCK.rawValue))
        guard let base = event_base_new_with_config(config) else {
            fatalError("libevent: event_base_new_with_config failed")
        }
        event_config_free(config)
        eventBase = base
    }

    deinit {
        event_base_free(eventBase)
    }

    /// Runs until `stop()` is called or nothing is left to wait for.
    public func run() {
        event_base_dispatch(eventBase)
    }

    /// Makes `run()` return after the current callbacks finish.
    public func stop() {
        event_base_loopbreak(eventBase)
    }
}
