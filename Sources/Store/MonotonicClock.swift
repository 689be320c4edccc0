#if canImport(Glibc)
    import Glibc
#endif

/// CLOCK_MONOTONIC readings for the writer's window and commit timings (the store has no loop clock).
enum MonotonicClock {
    static func now() -> timespec {
        var now = timespec()
        _ = clock_gettime(CLOCK_MONOTONIC, &now)  // cannot fail for CLOCK_MONOTONIC
        return now
    }

    static func nanoseconds(since start: timespec) -> UInt64 {
        let end = now()
        let delta = (Int64(end.tv_sec) - Int64(start.tv_sec)) * 1_000_000_000 + Int64(end.tv_nsec - start.tv_nsec)
        return UInt64(max(0, delta))
    }

    static func adding(microseconds: Int, to time: timespec) -> timespec {
        var result = time
        let nanoseconds = Int(result.tv_nsec) + microseconds * 1_000
        result.tv_sec += nanoseconds / 1_000_000_000
        result.tv_nsec = nanoseconds % 1_000_000_000
        return result
    }
}
