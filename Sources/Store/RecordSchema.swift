/// The queue database's layout. `user_version` carries `version`; a file with another version is
/// refused rather than guessed at (a later relay migrates, an earlier one must not write to it).
enum RecordSchema {
    static let version: Int64 = 1

    /// 4 KiB pages, the file system's page: measured with store-probe (500-byte records, steady
    /// stream, release build), 2 KiB pages wrote less only for tiny commits (8 vs 12 KiB for one
    /// record; 4.1× vs 4.1-5.5× at a 2 ms window) but fill worse (three 500-byte records per page),
    /// so at the windows a queue uses (10-20 ms) 4 KiB wears less: 3.0×/2.6× vs 3.2×/3.0× per record.
    static let pageSize = 4096

    /// One table; the index orders records per key by id and covers `size`, so the startup scan
    /// that rebuilds the totals reads the index only, never the bodies.
    static let create = """
        CREATE TABLE records(
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            kind INTEGER NOT NULL,
            size INTEGER NOT NULL,
            accepted INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER,
            last_error TEXT,
            body BLOB NOT NULL);
        CREATE INDEX records_by_key ON records(key, id, size);
        PRAGMA user_version = 1;
        """

    static let insert = """
        INSERT INTO records(id, key, kind, size, accepted, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6)
        """
    static let delete = "DELETE FROM records WHERE id = ?1 RETURNING key, size"
    static let update = "UPDATE records SET attempts = ?2, next_attempt = ?3, last_error = ?4 WHERE id = ?1"

    static let columns = "id, key, kind, accepted, attempts, next_attempt, last_error, body"
    static let selectByKey =
        "SELECT \(columns) FROM records WHERE key = ?1 AND id > ?2 AND id <= ?4 ORDER BY id LIMIT ?3"
    static let selectByID = "SELECT \(columns) FROM records WHERE id = ?1"
    static let summaries = "SELECT key, COUNT(*), SUM(size), MIN(id) FROM records GROUP BY key ORDER BY key"
    static let acceptedByID = "SELECT accepted FROM records WHERE id = ?1"
    static let totalsByKey = "SELECT key, COUNT(*), SUM(size) FROM records GROUP BY key"
    static let maxID = "SELECT MAX(id) FROM records"
}
