import Foundation
import X509

@testable import Trust

/// The certificates in Fixtures/ (made by make-fixtures.sh with openssl). Tests run at
/// 2027-01-01T00:00:00Z: inside every fixture's validity except the expired and future ones.
enum TrustFixtures {
    static let now: Int64 = 1_798_761_600

    static var directory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }

    static func certificate(_ name: String) throws -> Certificate {
        try PEMBlock.certificates(String(contentsOfFile: directory + "/\(name).pem", encoding: .utf8))[0]
    }

    static func chain(_ names: String...) throws -> [Certificate] { try names.map(certificate) }

    /// The fixture root CA, standing in for the system CA bundle.
    static var systemAnchors: TrustAnchors { .system(bundlePath: directory + "/ca.pem") }

    /// A TLSA record for a fixture certificate, computed by openssl (digests.txt).
    static func record(_ usage: UInt8, _ selector: UInt8, _ matching: UInt8, of name: String) throws -> TLSARecord {
        for line in try String(contentsOfFile: directory + "/digests.txt", encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields[0] == name && fields[1] == "\(selector)" && fields[2] == "\(matching)" {
                return try TLSARecord("\(usage) \(selector) \(matching) \(fields[3])")
            }
        }
        throw TLSAError(.syntax, "no digest for \(name)")
    }
}
