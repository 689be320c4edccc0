import XCTest

@testable import Store

final class SQLiteLibraryTests: XCTestCase {
    func testLinksSystemSQLite3() {
        XCTAssertTrue(SQLiteLibrary.version.hasPrefix("3."), SQLiteLibrary.version)
    }
}
