import XCTest

@testable import RelayConfig

final class TOMLParserTests: XCTestCase {
    private func parse(_ text: String) -> Result<TOMLTable, ConfigErrors> {
        TOMLParser.parse(text, file: "t.toml")
    }

    func testValuesTablesAndLines() throws {
        let text = """
            # comment
            title = "a \\"quoted\\" \\\\ \\n\\t\\r \\u00e9 \\U0001F600"
            literal = 'C:\\path\\no escapes'
            "quoted key" = 1
            big = 1_000_000
            negative = -42
            plus = +7
            yes = true
            no = false

            [server]   # trailing comment
            ports = [
                5269,   # first
                5270,
            ]
            empty = []
            nested = [[1, 2], ["a"]]
            [server.deep]
            x = 1
            [[block]]
            name = "one"
            [[block]]
            name = "two"
            dotted.key = "v"
            """
        let table = try parse(text).get()
        XCTAssertEqual(table["title"]?.kind, .string("a \"quoted\" \\ \n\t\r é 😀"))
        XCTAssertEqual(table["title"]?.line, 2)
        XCTAssertEqual(table["literal"]?.kind, .string("C:\\path\\no escapes"))
        XCTAssertEqual(table["quoted key"]?.kind, .integer(1))
        XCTAssertEqual(table["big"]?.kind, .integer(1_000_000))
        XCTAssertEqual(table["negative"]?.kind, .integer(-42))
        XCTAssertEqual(table["plus"]?.kind, .integer(7))
        XCTAssertEqual(table["yes"]?.kind, .boolean(true))
        XCTAssertEqual(table["no"]?.kind, .boolean(false))
        guard case .table(let server)? = table["server"]?.kind else { return XCTFail("no [server]") }
        XCTAssertEqual(server.line, 11)
        XCTAssertEqual(
            server["ports"],
            TOMLValue(.array([TOMLValue(.integer(5269), line: 13), TOMLValue(.integer(5270), line: 14)]), line: 12))
        XCTAssertEqual(server["empty"]?.kind, .array([]))
        guard case .array(let nested)? = server["nested"]?.kind else { return XCTFail("no nested") }
        XCTAssertEqual(nested.count, 2)
        guard case .table(let deep)? = server["deep"]?.kind else { return XCTFail("no [server.deep]") }
        XCTAssertEqual(deep["x"]?.line, 19)
        guard case .array(let blocks)? = table["block"]?.kind else { return XCTFail("no [[block]]") }
        XCTAssertEqual(blocks.map(\.line), [20, 22])
        guard case .table(let second) = blocks[1].kind, case .table(let dotted)? = second["dotted"]?.kind else {
            return XCTFail("no dotted table")
        }
        XCTAssertEqual(dotted["key"]?.kind, .string("v"))
        XCTAssertEqual(
            table.entries.map(\.key),
            ["title", "literal", "quoted key", "big", "negative", "plus", "yes", "no", "server", "block"])
    }

    func testCRLFAndBOM() throws {
        let table = try TOMLParser.parse(
            bytes: [0xEF, 0xBB, 0xBF] + Array("a = 1\r\n# c\r\nb = 'x'\r\n".utf8), file: "t"
        ).get()
        XCTAssertEqual(table["b"]?.kind, .string("x"))
        XCTAssertEqual(table["b"]?.line, 3)
    }

    func testSuperTableAfterSubTableIsAllowed() throws {
        let table = try parse("[a.b]\nx = 1\n[a]\ny = 2\n").get()
        guard case .table(let a)? = table["a"]?.kind else { return XCTFail() }
        XCTAssertEqual(a["y"]?.kind, .integer(2))
    }

    func testSyntaxErrorsAreAllReportedWithLines() {
        let text = """
            a = 1
            a = 2
            [t]
            [t]
            b = "unterminated
            c = tru
            d = 1.5
            e = 0x1F
            f = 1979-05-27
            g = { x = 1 }
            h = \"\"\"multi\"\"\"
            i = "bad \\q escape"
            j = 1 2
            k
            = 3
            l = 3d
            m = 01
            n = 1__0
            o = 99999999999999999999
            p = "\\uD800"
            q = "\\u12"
            [[t]]
            [x] y = 1
            r = [1, 2
            s = 1
            """
        assertErrors(
            parse(text),
            [
                Expected(2, .syntax, "duplicate key 'a' (first set at line 1)"),
                Expected(4, .syntax, "table [t] is already defined at line 3"),
                Expected(5, .syntax, "unterminated string"),
                Expected(6, .syntax, "'tru' is not a value: strings go in quotes"),
                Expected(7, .syntax, "fractional numbers are not supported"),
                Expected(8, .syntax, "only decimal integers"),
                Expected(9, .syntax, "dates and times are not supported"),
                Expected(10, .syntax, "inline tables"),
                Expected(11, .syntax, "multi-line strings"),
                Expected(12, .syntax, "unknown escape '\\q'"),
                Expected(13, .syntax, "unexpected '2' after the value"),
                Expected(14, .syntax, "key 'k' has no value"),
                Expected(15, .syntax, "missing key name before '='"),
                Expected(16, .syntax, "'3d' is not a number; durations and sizes are strings"),
                Expected(17, .syntax, "leading zeros"),
                Expected(18, .syntax, "underscore"),
                Expected(19, .syntax, "does not fit in a 64-bit integer"),
                Expected(20, .syntax, "not a Unicode scalar value"),
                Expected(21, .syntax, "\\u needs exactly 4 hex digits"),
                Expected(22, .syntax, "[t] is already a single table (line 3)"),
                Expected(23, .syntax, "unexpected 'y' after the [table] header"),
                Expected(25, .syntax, "expected ',' or ']' in the list opened at line 24"),
            ])
    }

    func testRecoveryAfterBrokenMultiLineList() {
        let text = """
            a = [
              1,
              oops,
              2,
            ]
            b = 1
            b = 2
            """
        assertErrors(
            parse(text),
            [
                Expected(3, .syntax, "'oops' is not a value"),
                Expected(7, .syntax, "duplicate key 'b' (first set at line 6)"),
            ])
    }

    func testRecoveryKeepsCountingLinesAfterABackslashAtTheEnd() {
        assertErrors(
            parse("a = [\"x\\\n]\nb = 1\nb = 2\n"),
            [
                Expected(1, .syntax, "unterminated string"),
                Expected(4, .syntax, "duplicate key 'b' (first set at line 3)"),
            ])
    }

    func testTableConflicts() {
        let text = """
            d.e = 1
            a = 1
            [a]
            [[b]]
            [b]
            [c]
            [[c]]
            [d.e]
            [f.g]
            [f]
            g.x = 1
            [ ]
            [h
            [[i]
            """
        assertErrors(
            parse(text),
            [
                Expected(3, .syntax, "'a' is already set to a value at line 2"),
                Expected(5, .syntax, "[b] is a list of [[b]] blocks (first at line 4); write [[b]]"),
                Expected(7, .syntax, "[c] is already a single table (line 6)"),
                Expected(8, .syntax, "'d.e' is already set to a value at line 1"),
                Expected(11, .syntax, "'g' is a table with its own header at line 9"),
                Expected(12, .syntax, "empty table name"),
                Expected(13, .syntax, "table header [h is not closed; add ]"),
                Expected(14, .syntax, "table header [[i is not closed; add ]]"),
            ])
    }

    func testValueUnderExistingValueAndArrayErrors() {
        let text = """
            a = 1
            a.b = 2
            [[c]]
            [x]
            c.d = 1
            l = [1,,2]
            m = [1
            """
        assertErrors(
            parse(text),
            [
                Expected(2, .syntax, "'a' is already set to a value at line 1, so it cannot hold a table"),
                Expected(6, .syntax, "missing value before ','"),
                Expected(7, .syntax, "the list opened at line 7 is not closed"),
            ])
    }

    func testControlCharactersAndInvalidUTF8AreRejected() {
        assertErrors(
            TOMLParser.parse(bytes: Array("a = 1\nb = \"x\u{01}y\"\n# c\u{7F}\nc = 'x\u{08}'\n".utf8), file: "t"),
            [
                Expected(2, .syntax, "control character U+0001 in a string"),
                Expected(3, .syntax, "control character U+007F in a comment"),
                Expected(4, .syntax, "control character U+0008 in a string"),
            ])
        assertErrors(
            TOMLParser.parse(bytes: Array("a = 1\nb = \"".utf8) + [0xC3, 0x28] + Array("\"\n".utf8), file: "t"),
            [Expected(2, .syntax, "not valid UTF-8")])
        // Overlong encoding of '/' and an encoded surrogate are invalid too.
        assertErrors(TOMLParser.parse(bytes: [0x23, 0xC0, 0xAF], file: "t"), [Expected(1, .syntax, "UTF-8")])
        assertErrors(TOMLParser.parse(bytes: [0x23, 0xED, 0xA0, 0x80], file: "t"), [Expected(1, .syntax, "UTF-8")])
        assertErrors(
            TOMLParser.parse(bytes: Array("a = 1\rb = 2".utf8), file: "t"), [Expected(1, .syntax, "carriage return")])
    }

    func testMissingValueAndStrayCharacters() {
        assertErrors(
            parse("a =\nb = # c\nc = @\n= 1\nd = 'open\n"),
            [
                Expected(1, .syntax, "missing value after '='"),
                Expected(2, .syntax, "missing value after '='"),
                Expected(3, .syntax, "unexpected '@' where a value belongs"),
                Expected(4, .syntax, "missing key name before '='"),
                Expected(5, .syntax, "unterminated string; close it with '"),
            ])
    }

    func testErrorDescriptionIsFileColonLine() {
        guard case .failure(let errors) = parse("\n\nx = \n") else { return XCTFail() }
        XCTAssertEqual(errors.description, "t.toml:3: missing value after '='")
    }
}
