import Foundation

/// Every parser that reads content an attacker can write, behind one entry point taking raw bytes:
/// the fuzzing harness (`linger-fuzz`, built with libFuzzer) and the seeded corpus test drive the
/// parsers through it. Each target wraps the bytes the way the parser meets them in a scan (a DER
/// body inside a PEM envelope, a PPK header before the fields), so mutations reach the parsing
/// code rather than bouncing off the first prefix check. Budgets are cut to keep trials fast.
public enum ParserProbe: String, CaseIterable, Sendable {
    case jwt, pem, openssh, ppk, config, ignore, rules

    /// Runs the parser on `bytes`; throwing parsers' errors are the expected outcome for most
    /// inputs and are dropped. Crashes, traps and hangs are what a fuzzer looks for.
    public func exercise(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .jwt:
            var analyzer = JWTAnalyzer(now: Date(timeIntervalSince1970: 1_800_000_000))
            analyzer.maxCandidates = 64
            analyzer.crackingBudget = 0.01
            _ = analyzer.analyze(text, path: "fuzz/token.txt", sameFileWords: ["secret"])
            // The segments as the scanner meets them: base64url pieces joined by dots.
            let parts = bytes.split(separator: 0x2E, maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3 {
                let token = parts.map {
                    Data($0).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                }.joined(separator: ".")
                _ = analyzer.analyze(token, path: "fuzz/token.txt")
            }
        case .pem:
            var analyzer = KeyAnalyzer()
            analyzer.budget = 0.01
            _ = analyzer.analyze(text)
            let kinds = ["ENCRYPTED PRIVATE KEY", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"]
            let kind = kinds[Int(bytes.first ?? 0) % kinds.count]
            let body = Data(bytes.dropFirst()).base64EncodedString(options: .lineLength64Characters)
            _ = analyzer.analyze("-----BEGIN \(kind)-----\n\(body)\n-----END \(kind)-----\n")
            _ = PKCS8Cost(der: Array(bytes))
            _ = bytes.withUnsafeBytes { CertificateReader.readCertificate(der: $0) }
            _ = CertificateReader.readCRL(pem: bytes, path: "fuzz.crl")
        case .openssh:
            let body = Data(bytes).base64EncodedString(options: .lineLength64Characters)
            let key = "-----BEGIN OPENSSH PRIVATE KEY-----\n\(body)\n-----END OPENSSH PRIVATE KEY-----\n"
            _ = OpenSSHKey.analyze(key, passphrases: ["fuzz"], deadline: Date().addingTimeInterval(0.01))
        case .ppk:
            let key = text.hasPrefix("PuTTY-User-Key-File-") ? text : "PuTTY-User-Key-File-3: ssh-ed25519\n" + text
            _ = PuTTYKey.analyze(key, passphrases: ["fuzz"], deadline: Date().addingTimeInterval(0.01))
        case .config:
            _ = try? LingerConfig.parse(text, file: "fuzz/.linger.yml", trust: .repositoryFile)
        case .ignore:
            if let ignore = try? IgnoreFile.parse(text, file: "fuzz/.lingerignore") {
                for pattern in ignore.paths { _ = Glob.matchesIgnorePattern(pattern.pattern, "src/app/config.env") }
            }
        case .rules:
            _ = try? RuleFileParser.parse(text, file: "fuzz.yml", validatePatterns: true)
        }
    }
}
