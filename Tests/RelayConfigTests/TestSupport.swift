import XCTest

@testable import RelayConfig

/// One expected error: its line, its code and a piece of its message.
struct Expected {
    let line: Int
    let code: ConfigError.Code
    let text: String

    init(_ line: Int, _ code: ConfigError.Code, _ text: String) {
        self.line = line
        self.code = code
        self.text = text
    }
}

/// Asserts that `result` failed with exactly `expected` (in line order), each message containing its text.
func assertErrors<T>(
    _ result: Result<T, ConfigErrors>, _ expected: [Expected], file: StaticString = #filePath, line: UInt = #line
) {
    guard case .failure(let errors) = result else {
        XCTFail("expected \(expected.count) error(s), got success", file: file, line: line)
        return
    }
    let got = errors.errors
    XCTAssertEqual(
        got.count, expected.count, "errors:\n\(errors.description)", file: file, line: line)
    for (error, want) in zip(got, expected) {
        XCTAssertEqual(error.line, want.line, "\(error)", file: file, line: line)
        XCTAssertEqual(error.code, want.code, "\(error)", file: file, line: line)
        XCTAssertTrue(
            error.message.contains(want.text), "'\(error.message)' lacks '\(want.text)'", file: file, line: line)
    }
}

func parseConfig(_ text: String, file: String = "/etc/xmpp-relay/test.toml") -> Result<
    RelayConfiguration, ConfigErrors
> {
    ConfigLoader.parse(text: text, file: file)
}

func success<T>(_ result: Result<T, ConfigErrors>, file: StaticString = #filePath, line: UInt = #line) -> T? {
    switch result {
    case .success(let value): return value
    case .failure(let errors):
        XCTFail("unexpected errors:\n\(errors)", file: file, line: line)
        return nil
    }
}

/// A valid pin for tests: `3 1 1` and 32 bytes.
let samplePin = "3 1 1 " + String(repeating: "ab", count: 32)
