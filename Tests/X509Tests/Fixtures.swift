import Foundation
import X509

/// The openssl-made certificates shared with TrustTests (Tests/TrustTests/Fixtures, see make-fixtures.sh).
enum Fixtures {
    static var directory: String {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return here.deletingLastPathComponent().appendingPathComponent("TrustTests/Fixtures").path
    }

    static func text(_ name: String) throws -> String {
        try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
    }

    static func certificate(_ name: String) throws -> Certificate {
        try PEMBlock.certificates(text(name + ".pem"))[0]
    }

    static func der(_ name: String) throws -> [UInt8] {
        try PEMBlock.parseAll(text(name + ".pem"))[0].der
    }

    /// openssl's association data: (name, selector, matching type) → hex.
    static func digests() throws -> [String: String] {
        var table: [String: String] = [:]
        for line in try text("digests.txt").split(separator: "\n") {
            let fields = line.split(separator: " ")
            table["\(fields[0]) \(fields[1]) \(fields[2])"] = String(fields[3])
        }
        return table
    }

    /// A field of `openssl x509 -noout -serial -startdate …` output saved as NAME.info.
    static func info(_ name: String, _ key: String) throws -> String {
        for line in try text(name + ".info").split(separator: "\n") where line.hasPrefix(key + "=") {
            return String(line.dropFirst(key.count + 1))
        }
        return ""
    }
}
