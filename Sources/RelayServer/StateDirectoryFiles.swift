/// The files the relay keeps in its state directory, named once for the relay and the `queue` tools.
extension StateDirectory {
    /// The durable queue (SQLite; `Store`).
    public static func queueDatabase(in directory: String) -> String { directory + "/queue.db" }
    /// The store's one-writer lock (`StoreLock`).
    public static func queueLock(in directory: String) -> String { directory + "/queue.lock" }
    /// The running relay's control socket (`QueueControlServer`).
    public static func controlSocket(in directory: String) -> String { directory + "/control.sock" }
}
