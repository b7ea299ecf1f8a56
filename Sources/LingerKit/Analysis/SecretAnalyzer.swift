/// Which analyser looks deeper at a rule's findings: named in the rule file (`analyzer:`), so a
/// new rule for another kind of key or token gets the analysis by saying so, not by its name.
public enum SecretAnalyzerKind: String, Sendable, CaseIterable {
    /// Claims, expiry, signature and signing keys of a JSON Web Token (`JWTAnalyzer`).
    case jwt
    /// Format, size, encryption, fingerprints and passphrases of a private key (`KeyAnalyzer`).
    case privateKey = "private-key"
}

/// What an analyser may look at beside the finding: where it was, and the words of the file
/// (passphrase and HMAC-key candidates), extracted once per file and only when asked for.
public final class AnalysisContext {
    public let path: String
    private let extractWords: () -> [String]
    private var words: [String]?

    public init(path: String, sameFileWords: @escaping () -> [String]) {
        self.path = path
        self.extractWords = sameFileWords
    }

    public var sameFileWords: [String] {
        if let words { return words }
        let extracted = extractWords()
        words = extracted
        return extracted
    }
}

/// Looks deeper at a finding its rule names it for, and records what it learns on the finding
/// (its analysis, and evidence for the verdict).
public protocol SecretAnalyzer: Sendable {
    func analyze(_ finding: inout Finding, in context: AnalysisContext)
}

extension KeyAnalyzer: SecretAnalyzer {
    public func analyze(_ finding: inout Finding, in context: AnalysisContext) {
        let analysis = analyze(finding.secret, sameFileWords: context.sameFileWords)
        finding.key = analysis
        // A block that does not parse as a key stays reported, at low confidence, with why.
        if analysis.parseError != nil { finding.confidence = .low }
    }
}

extension JWTAnalyzer: SecretAnalyzer {
    public func analyze(_ finding: inout Finding, in context: AnalysisContext) {
        let analysis = analyze(finding.secret, path: context.path, sameFileWords: context.sameFileWords)
        finding.jwt = analysis
        for item in analysis.validity { finding.record(item) }
    }
}

extension ScanOptions {
    /// The analyser for a kind, as these options configure it (nil: that analysis is off).
    public func analyzer(_ kind: SecretAnalyzerKind) -> (any SecretAnalyzer)? {
        switch kind {
        case .jwt: return jwtAnalyzer
        case .privateKey: return keyAnalyzer
        }
    }
}
