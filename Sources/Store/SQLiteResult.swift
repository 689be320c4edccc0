internal import CSQLite

/// Turns SQLite result codes into `StoreError`s with the database path and what we were doing,
/// so an operator reading the log knows which file and which step failed.
struct SQLiteResult {
    let path: String

    func error(_ code: Int32, _ doing: String, _ handle: OpaquePointer?) -> StoreError {
        let detail = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        let where_ = "the queue database \(path)"
        switch code & 0xff {
        case SQLITE_FULL:
            return StoreError(
                .diskFull,
                "\(doing) failed: the file system holding \(where_) is full (\(detail)); "
                    + "free space there — nothing already committed is lost", sqliteCode: code)
        case SQLITE_IOERR:
            return StoreError(
                .ioError,
                "\(doing) failed: I/O error on \(where_) (\(detail), code \(code)); check the disk and its "
                    + "free space — nothing already committed is lost", sqliteCode: code)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(
                .busy,
                "\(doing) failed: \(where_) is locked by another process (\(detail)); is a second relay or "
                    + "a queue tool writing to it?", sqliteCode: code)
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return StoreError(
                .corrupt,
                "\(doing) failed: \(where_) is damaged or not a queue database (\(detail)); move it aside "
                    + "to start with an empty queue", sqliteCode: code)
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY:
            return StoreError(
                .cannotOpen,
                "\(doing) failed: cannot open or write \(where_) (\(detail)); check that its directory "
                    + "exists and the relay's user may write there", sqliteCode: code)
        default:
            return StoreError(
                .sqlite, "\(doing) failed on \(where_): \(detail) (SQLite code \(code))", sqliteCode: code)
        }
    }
}
