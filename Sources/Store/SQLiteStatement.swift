internal import CSQLite

/// The one owner of an `sqlite3_stmt*`, prepared once and reused: `step` until done, then `reset`.
/// Holds its connection so the connection outlives it.
final class SQLiteStatement {
    private let connection: SQLiteConnection
    private let handle: OpaquePointer

    init(connection: SQLiteConnection, sql: String) throws(StoreError) {
        self.connection = connection
        var prepared: OpaquePointer?
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
        guard code == SQLITE_OK, let prepared else {
            throw connection.error(code, "preparing \(sql.split(separator: " ").prefix(3).joined(separator: " "))")
        }
        handle = prepared
    }

    // finalize returns the last step's error again (already reported); the handle is freed either way.
    deinit { _ = sqlite3_finalize(handle) }

    /// Clears the previous run's state and bindings. The reset code repeats the last step's error,
    /// which `step` already reported, so it is not a new failure.
    func reset() {
        _ = sqlite3_reset(handle)
        _ = sqlite3_clear_bindings(handle)
    }

    /// Advances: true for a row, false when done; a failure throws.
    func step(_ doing: String) throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code, doing)
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run(_ doing: String) throws(StoreError) {
        defer { reset() }
        _ = try step(doing)
    }

    func bind(_ index: Int32, _ value: Int64) throws(StoreError) {
        try checkBind(sqlite3_bind_int64(handle, index, value))
    }

    func bind(_ index: Int32, _ value: Int64?) throws(StoreError) {
        guard let value else { return try checkBind(sqlite3_bind_null(handle, index)) }
        try bind(index, value)
    }

    func bind(_ index: Int32, _ value: String?) throws(StoreError) {
        guard let value else { return try checkBind(sqlite3_bind_null(handle, index)) }
        try checkBind(sqlite3_bind_text(handle, index, value, -1, shim_sqlite_transient()))
    }

    func bind(_ index: Int32, _ value: [UInt8]) throws(StoreError) {
        // An empty array has no base address, and a nil pointer would bind NULL: bind an empty blob.
        guard !value.isEmpty else { return try checkBind(sqlite3_bind_zeroblob(handle, index, 0)) }
        let code = value.withUnsafeBytes { bytes in
            sqlite3_bind_blob64(
                handle, index, bytes.baseAddress, sqlite3_uint64(bytes.count), shim_sqlite_transient())
        }
        try checkBind(code)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func optionalInt64(_ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: pointer)
    }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private func checkBind(_ code: Int32) throws(StoreError) {
        guard code == SQLITE_OK else { throw connection.error(code, "binding a parameter") }
    }
}
