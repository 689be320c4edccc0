internal import CSQLite

/// The one owner of an `sqlite3*`: closed in deinit, after the statements that belong to it
/// (each statement holds a strong reference to its connection).
final class SQLiteConnection {
    let handle: OpaquePointer
    let result: SQLiteResult

    init(path: String, readOnly: Bool) throws(StoreError) {
        result = SQLiteResult(path: path)
        var opened: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let error = result.error(code, "opening", opened)
            // SQLite may hand back a handle even on failure; close_v2 of a handle with no statements
            // always succeeds.
            _ = sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        check(sqlite3_extended_result_codes(handle, 1), "enabling extended result codes")
    }

    deinit {
        // close_v2 defers the close until the last statement is finalized and returns SQLITE_OK for
        // a valid handle; statements hold `self`, so by now they are gone and this closes at once.
        _ = sqlite3_close_v2(handle)
    }

    /// Runs SQL that returns no rows (pragmas with side effects, DDL, BEGIN/COMMIT).
    func execute(_ sql: String, _ doing: String) throws(StoreError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code, doing) }
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        try SQLiteStatement(connection: self, sql: sql)
    }

    /// The single text value a query returns (e.g. `PRAGMA journal_mode=WAL`).
    func text(_ sql: String, _ doing: String) throws(StoreError) -> String? {
        let statement = try prepare(sql)
        guard try statement.step(doing) else { return nil }
        return statement.text(0)
    }

    /// The single integer a query returns.
    func integer(_ sql: String, _ doing: String) throws(StoreError) -> Int64? {
        let statement = try prepare(sql)
        guard try statement.step(doing) else { return nil }
        return statement.int64(0)
    }

    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    func error(_ code: Int32, _ doing: String) -> StoreError { result.error(code, doing, handle) }

    /// For calls that cannot fail in practice but whose code we still check (a failure is a bug).
    private func check(_ code: Int32, _ doing: String) {
        precondition(code == SQLITE_OK, "SQLite: \(doing) returned \(code)")
    }
}
