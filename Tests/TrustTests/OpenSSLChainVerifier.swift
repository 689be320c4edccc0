import Foundation
import X509

@testable import Trust

/// A test double for the TLS module's verifier that asks `openssl verify` (Debian package openssl):
/// real signatures and paths, at the injected time. `-partial_chain` lets a DANE-TA anchor that is
/// not self-signed end the path.
final class OpenSSLChainVerifier: ChainVerifier {
    private(set) var calls = 0

    func verify(chain: [Certificate], anchors: TrustAnchors, at unixTime: Int64) -> ChainVerdict {
        calls += 1
        guard let leaf = chain.first else { return .untrusted("empty chain") }
        let directory = NSTemporaryDirectory() + "trust-verify-\(getpid())-\(calls)"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func write(_ certificates: [Certificate], _ name: String) -> String {
            let path = directory + "/" + name
            let text = certificates.map { PEMBlock(label: "CERTIFICATE", der: $0.der).pem }.joined()
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            return path
        }
        var arguments = ["verify", "-attime", String(unixTime), "-partial_chain"]
        switch anchors {
        case .system(let bundlePath): arguments += ["-CAfile", bundlePath]
        case .certificates(let list): arguments += ["-CAfile", write(list, "anchors.pem")]
        }
        if chain.count > 1 { arguments += ["-untrusted", write(Array(chain.dropFirst()), "untrusted.pem")] }
        arguments.append(write([leaf], "leaf.pem"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return .untrusted("cannot run openssl: \(error)") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 0 { return .trusted }
        let line = output.split(separator: "\n").first { $0.contains("error") } ?? "openssl verify failed"
        return .untrusted(String(line))
    }
}

/// A verifier that answers from a script, for the branches that do not need real signatures.
final class ScriptedChainVerifier: ChainVerifier {
    var verdict: ChainVerdict
    private(set) var requests: [(chain: [Certificate], anchors: TrustAnchors)] = []

    init(_ verdict: ChainVerdict) { self.verdict = verdict }

    func verify(chain: [Certificate], anchors: TrustAnchors, at unixTime: Int64) -> ChainVerdict {
        requests.append((chain, anchors))
        return verdict
    }
}
