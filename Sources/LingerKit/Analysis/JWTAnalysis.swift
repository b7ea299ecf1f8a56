import Foundation

/// How much a failed check matters.
public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    case info, low, medium, high, critical

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// The named checks the JWT analyser runs. Each failed check is reported with its severity.
public enum JWTCheck: String, Sendable, Codable, CaseIterable {
    case malformed
    case encrypted
    case algNone = "alg-none"
    case weakHMACKey = "weak-hmac-key"
    case missingExpiry = "missing-exp"
    case expired
    case notYetValid = "not-yet-valid"
    case issuedInFuture = "issued-in-future"
    case lifetimeTooLong = "lifetime-too-long"
    case missingIssuer = "missing-iss"
    case missingAudience = "missing-aud"
    case broadAudience = "broad-audience"
    case keyInjectionHeader = "key-injection-header"
    case suspiciousKeyID = "suspicious-kid"
    case untrustedIssuer = "untrusted-issuer"
    case audienceNotAllowed = "audience-not-allowed"
    case algorithmNotAllowed = "algorithm-not-allowed"
    case invalidSignature = "invalid-signature"

    public var severity: Severity {
        switch self {
        case .algNone, .weakHMACKey: return .critical
        case .keyInjectionHeader, .suspiciousKeyID, .untrustedIssuer, .audienceNotAllowed, .algorithmNotAllowed,
            .invalidSignature:
            return .high
        case .missingExpiry, .lifetimeTooLong, .broadAudience: return .medium
        case .missingIssuer, .missingAudience, .notYetValid, .issuedInFuture, .malformed: return .low
        case .expired, .encrypted: return .info
        }
    }
}

/// One failed check, with what exactly failed.
public struct JWTCheckResult: Sendable, Equatable, Codable {
    public var check: JWTCheck
    public var severity: Severity
    public var message: String
}

/// What the signature says.
public enum SignatureStatus: String, Sendable, Codable {
    /// Verified with a trusted key (or with a weak key Linger recovered).
    case valid
    /// A trusted key for the token's algorithm rejects it.
    case invalid
    /// No key to check it with.
    case unverifiable
    /// `alg: none`: there is no signature.
    case unsigned
}

/// Everything the analyser learned about one JWT.
public struct JWTAnalysis: Sendable, Equatable {
    /// Header fields, as shown (values are not secret).
    public var header: [String: String] = [:]
    /// Claims, with values outside the registered and authorisation claims redacted.
    public var claims: [String: String] = [:]
    public var algorithm: String?
    public var application: String?
    public var checks: [JWTCheckResult] = []
    public var signature: SignatureStatus = .unverifiable
    /// What checked the signature (a key id, a file), or why it could not be checked.
    public var signatureDetail: String?
    /// The HMAC key recovered from a word list, when one was.
    public var recoveredKey: String?
    /// What the token says about whether it works (signature, expiry, `nbf`).
    public var validity: [VerdictEvidence] = []
    /// The verdict the token alone supports (`Verdict.judge` of `validity`).
    public var verdict: Verdict { Verdict.judge(validity).0 }
    public var evidence: String { Verdict.judge(validity).1 }

    func failed(_ check: JWTCheck) -> Bool { checks.contains { $0.check == check } }
}
