internal import CSQLite

/// The SQLite library the relay runs against (the durable queue comes with its own issue).
public enum SQLiteLibrary {
    public static var version: String { String(cString: sqlite3_libversion()) }
}
