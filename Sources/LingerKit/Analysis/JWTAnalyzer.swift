import Foundation
import Synchronization

/// Decodes and judges JWTs: what a token is, which checks it fails against its application's
/// policy, whether its signature holds, and whether it still works. Pure and thread-safe: workers
/// share one.
public struct JWTAnalyzer: Sendable {
    public let policy: JWTPolicy
    public let now: Date
    public let keys: TrustedKeys
    /// Most candidates tried when cracking an HMAC key, and the time allowed per token.
    public var maxCandidates = 20_000
    public var crackingBudget: TimeInterval = 0.25
    /// What cracking found per distinct token, shared by every copy of this analyser (the workers').
    let crackCache = CrackCache()
    static let maxSegment = 64 * 1024

    public init(policy: JWTPolicy = JWTPolicy(), now: Date = Date(), keys: TrustedKeys = TrustedKeys()) {
        self.policy = policy
        self.now = now
        self.keys = keys
    }

    /// Claims shown in full: they say who, for whom, for what and when — not secrets.
    static let shownClaims: Set<String> = [
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "azp", "scope", "scp", "roles", "role", "groups", "typ",
        "token_use", "client_id", "tenant", "tid",
    ]

    public func analyze(_ token: String, path: String, sameFileWords: @autoclosure () -> [String] = []) -> JWTAnalysis {
        var analysis = JWTAnalysis()
        let application = policy.application(for: path)
        analysis.application = application?.name
        func fail(_ check: JWTCheck, _ message: String) {
            analysis.checks.append(JWTCheckResult(check: check, severity: check.severity, message: message))
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 5 {
            fail(.encrypted, "a JWE (encrypted token): its claims cannot be read without the key")
            analysis.header = Self.decodeJSON(parts[0]).map { Self.display($0) } ?? [:]
            analysis.validity = [.unconfirmed("encrypted token; not decrypted")]
            return analysis
        }
        func malformed(_ reason: String) -> JWTAnalysis {
            fail(.malformed, reason)
            analysis.validity = [.unconfirmed("malformed token")]
            return analysis
        }
        guard parts.count == 3 else { return malformed("\(parts.count) dot-separated parts; a JWS has 3") }
        guard parts.allSatisfy({ $0.utf8.count <= Self.maxSegment }) else {
            return malformed("a segment is longer than \(Self.maxSegment) bytes")
        }
        guard let header = Self.decodeJSON(parts[0]) else {
            return malformed("the header is not base64url-encoded JSON")
        }
        guard let claims = Self.decodeJSON(parts[1]) else {
            analysis.header = Self.display(header)
            return malformed("the payload is not base64url-encoded JSON")
        }
        guard let signature = Self.base64URLDecode(parts[2]) else { return malformed("the signature is not base64url") }
        analysis.header = Self.display(header)
        analysis.claims = Self.display(claims, redactingExcept: Self.shownClaims)
        let algorithm = header["alg"] as? String
        analysis.algorithm = algorithm
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)

        // The header.
        if algorithm == nil || algorithm?.lowercased() == "none" || signature.isEmpty {
            fail(.algNone, "unsigned token (alg: \(algorithm ?? "missing")): anyone can forge one a server accepts")
            analysis.signature = .unsigned
        }
        for name in ["jku", "x5u", "jwk"] where header[name] != nil {
            fail(.keyInjectionHeader, "header `\(name)` lets the token name its own verification key")
        }
        if let kid = header["kid"] as? String, let reason = Self.suspiciousKeyID(kid) {
            fail(.suspiciousKeyID, "kid \"\(kid.prefix(40))\" \(reason)")
        }

        // Time.
        let nowSeconds = now.timeIntervalSince1970
        let exp = Self.number(claims["exp"])
        let nbf = Self.number(claims["nbf"])
        let iat = Self.number(claims["iat"])
        if exp == nil { fail(.missingExpiry, "no `exp`: the token never expires") }
        if let exp, exp <= nowSeconds { fail(.expired, "expired on \(Self.date(exp))") }
        if let nbf, nbf > nowSeconds { fail(.notYetValid, "not valid before \(Self.date(nbf))") }
        if let iat, iat > nowSeconds + 300 { fail(.issuedInFuture, "issued in the future (\(Self.date(iat)))") }
        let maxLifetime = application?.maxLifetime ?? policy.maxLifetime
        if let exp, let start = iat ?? nbf, exp - start > maxLifetime {
            let owner = application.map { "\($0.name)'s" } ?? "the default"
            fail(
                .lifetimeTooLong,
                "lives \(Self.duration(exp - start)), above \(owner) maximum of \(Self.duration(maxLifetime))")
        }

        // Issuer and audience.
        let issuer = claims["iss"] as? String
        let audiences: [String] =
            (claims["aud"] as? [Any])?.compactMap { $0 as? String } ?? (claims["aud"] as? String).map { [$0] } ?? []
        if issuer == nil { fail(.missingIssuer, "no `iss`: nothing says who minted it") }
        if audiences.isEmpty { fail(.missingAudience, "no `aud`: any service may accept it") }
        if audiences.contains(where: { $0 == "*" || $0.contains("*") }) || audiences.count > 5 {
            fail(.broadAudience, "audience \(audiences.prefix(6).joined(separator: ", ")) is a wildcard or too broad")
        }
        if let application {
            if let allowed = application.issuers, let issuer, !allowed.contains(issuer) {
                fail(.untrustedIssuer, "issuer `\(issuer)` not trusted by \(application.name)")
            } else if application.issuers != nil && issuer == nil {
                fail(.untrustedIssuer, "no issuer, and \(application.name) trusts only named ones")
            }
            if let allowed = application.audiences, !audiences.isEmpty, !audiences.contains(where: allowed.contains) {
                fail(
                    .audienceNotAllowed,
                    "audience \(audiences.joined(separator: ", ")) not accepted by \(application.name)")
            }
            if let allowed = application.algorithms, let algorithm, !allowed.contains(algorithm) {
                fail(
                    .algorithmNotAllowed,
                    "algorithm \(algorithm) not allowed by \(application.name) (allowed: \(allowed.joined(separator: ", ")))"
                )
            }
        }

        // The signature.
        if analysis.signature != .unsigned, let algorithm, let scheme = JWTAlgorithm(rawValue: algorithm) {
            let trusted = keys.keys(for: application)
            switch trusted.verify(
                scheme: scheme, signingInput: signingInput, signature: signature, keyID: header["kid"] as? String)
            {
            case .valid(let by):
                analysis.signature = .valid
                analysis.signatureDetail = "verified with \(by)"
            case .invalid(let tried):
                analysis.signature = .invalid
                analysis.signatureDetail = "rejected by \(tried)"
                fail(
                    .invalidSignature,
                    "signature does not verify with \(tried): signed by a key \(application?.name ?? "you") do not trust"
                )
            case .noKey:
                analysis.signature = .unverifiable
                analysis.signatureDetail = "no trusted key for \(algorithm)"
            }
            if analysis.signature != .valid, let digest = scheme.hmacDigest {
                if let key = crack(
                    digest: digest, signingInput: signingInput, signature: signature, words: sameFileWords())
                {
                    analysis.recoveredKey = key
                    analysis.signature = .valid
                    analysis.signatureDetail = "verified with a recovered weak key"
                    analysis.checks.removeAll { $0.check == .invalidSignature }
                    fail(
                        .weakHMACKey, "signed with a guessable key, recovered from a word list: anyone can mint tokens")
                }
            }
        } else if analysis.signature != .unsigned {
            analysis.signatureDetail = "unknown algorithm \(algorithm ?? "")"
        }

        // What the token says about whether it works (Verdict.judge weighs it).
        if analysis.signature == .invalid {
            analysis.validity.append(.signatureInvalid("signature invalid (\(analysis.signatureDetail ?? ""))"))
        }
        if let exp, exp <= nowSeconds {
            analysis.validity.append(.expired("expired on \(Self.date(exp))"))
        } else if let nbf, nbf > nowSeconds {
            analysis.validity.append(.unconfirmed("not valid until \(Self.date(nbf))"))
        } else {
            let window = exp.map { "valid until \(Self.date($0))" } ?? "never expires"
            if analysis.signature == .valid {
                analysis.validity.append(.signatureValid("\(window); \(analysis.signatureDetail ?? "signature valid")"))
            } else if analysis.signature == .unverifiable {
                analysis.validity.append(
                    .unconfirmed("\(window); signature unverifiable (\(analysis.signatureDetail ?? "no trusted key"))"))
            } else if analysis.signature == .unsigned {
                analysis.validity.append(
                    .unconfirmed("\(window); unsigned: it works only where a server accepts unsigned tokens"))
            }
        }
        return analysis
    }

    /// Tries the bundled word list (with variants) and `words` as HMAC keys. What the bundled list
    /// gives for a token is remembered for the whole scan: a file that repeats one token a
    /// thousand times costs one trial, not a thousand.
    func crack(digest: Digest.SHA2, signingInput: [UInt8], signature: [UInt8], words: [String]) -> String? {
        guard signature.count == digest.byteCount else { return nil }
        let key = signingInput + [0] + signature
        let bundled: String?
        if let known = crackCache.result(for: key) {
            bundled = known
        } else {
            bundled = trial(
                digest: digest, signingInput: signingInput, signature: signature, candidates: WeakSecrets.candidates)
            crackCache.store(bundled, for: key)
        }
        if let bundled { return bundled }
        return trial(digest: digest, signingInput: signingInput, signature: signature, candidates: words)
    }

    private func trial(digest: Digest.SHA2, signingInput: [UInt8], signature: [UInt8], candidates: [String])
        -> String?
    {
        let deadline = Date().addingTimeInterval(crackingBudget)
        var tried = 0
        for candidate in candidates {
            tried += 1
            if tried > maxCandidates { return nil }
            if tried % 512 == 0 && Date() > deadline { return nil }
            if Digest.constantTimeEqual(
                Digest.hmac(digest, key: Array(candidate.utf8), message: signingInput), signature)
            {
                return candidate
            }
        }
        return nil
    }

    static func suspiciousKeyID(_ kid: String) -> String? {
        if kid.contains("../") || kid.contains("..\\") || kid.hasPrefix("/") { return "looks like a path traversal" }
        if kid.contains("'") || kid.contains("\"") || kid.contains(";") || kid.contains("--")
            || kid.lowercased().contains(" union ")
            || kid.lowercased().contains(" or ")
        {
            return "holds SQL metacharacters"
        }
        if kid.contains("|") || kid.contains("`") || kid.contains("$(") { return "holds shell metacharacters" }
        return nil
    }

    // MARK: Decoding

    static func base64URLDecode(_ text: String) -> [UInt8]? {
        Base64URL.decode(text.utf8, urlSafeOnly: true)
    }

    static func decodeJSON(_ segment: String) -> [String: Any]? {
        guard let bytes = base64URLDecode(segment), !bytes.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        else { return nil }
        return object as? [String: Any]
    }

    /// A numeric claim. Values that are not finite numbers (`"nan"`, `1e400`) are no time at all.
    static func number(_ value: Any?) -> Double? {
        var result: Double?
        if let number = value as? NSNumber, !(value is Bool) { result = number.doubleValue }
        if let text = value as? String { result = Double(text) }
        guard let result, result.isFinite else { return nil }
        return result
    }

    static func display(_ object: [String: Any], redactingExcept shown: Set<String>? = nil) -> [String: String] {
        var result = [String: String]()
        for (key, value) in object {
            let text: String
            if let string = value as? String {
                text = string
            } else if let number = value as? NSNumber {
                text = number.stringValue
            } else if let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])
            {
                text = String(decoding: data, as: UTF8.self)
            } else {
                text = String(describing: value)
            }
            if let shown, !shown.contains(key) {
                result[key] = "<redacted: \(text.count) characters>"
            } else {
                result[key] = text.count > 200 ? String(text.prefix(200)) + "…" : text
            }
        }
        return result
    }

    /// A claim's time for display. Claims are the token's to choose: times outside years 1–9999
    /// (or not finite) are shown as such rather than converted (`Int64(1e308)` traps).
    static func date(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "an invalid time" }
        if seconds < ISO8601.earliest { return "before year 1 (\(seconds) s)" }
        if seconds > ISO8601.latest { return "after year 9999 (\(seconds) s)" }
        return ISO8601.string(fromSeconds: Int64(seconds.rounded(.down)))
    }

    static func duration(_ seconds: Double) -> String {
        if seconds >= 86400 * 2 { return String(format: "%.0f days", seconds / 86400) }
        if seconds >= 7200 { return String(format: "%.0f hours", seconds / 3600) }
        if seconds >= 120 { return String(format: "%.0f minutes", seconds / 60) }
        return String(format: "%.0f seconds", seconds)
    }
}

/// The JWS algorithms Linger verifies.
public enum JWTAlgorithm: String, Sendable, CaseIterable {
    case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case edDSA = "EdDSA"

    var digest: Digest.SHA2? {
        switch self {
        case .hs256, .rs256, .ps256, .es256: return .sha256
        case .hs384, .rs384, .ps384, .es384: return .sha384
        case .hs512, .rs512, .ps512, .es512: return .sha512
        case .edDSA: return nil
        }
    }

    var hmacDigest: Digest.SHA2? {
        switch self {
        case .hs256, .hs384, .hs512: return digest
        default: return nil
        }
    }
}

/// The candidate HMAC keys: the bundled base words (Rules/jwt-weak-secrets.txt) with variants.
enum WeakSecrets {
    static let candidates: [String] = {
        let text = RuleSet.embeddedData(named: "jwt-weak-secrets.txt").map { String(decoding: $0, as: UTF8.self) } ?? ""
        let words = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && !$0.hasPrefix("#")
        }
        var seen = Set<String>()
        var result = [String]()
        func add(_ candidate: String) { if seen.insert(candidate).inserted { result.append(candidate) } }
        for word in words { add(word) }
        let suffixes = [
            "1", "12", "123", "1234", "!", "2023", "2024", "2025", "2026", "-secret", "_secret", "-key", "_key", "-jwt",
            "_jwt",
        ]
        for word in words {
            add(word.capitalized)
            add(word.uppercased())
            for suffix in suffixes {
                add(word + suffix)
                add(word.capitalized + suffix)
            }
        }
        return result
    }()
}

/// Results of cracking by token (signing input and signature), for one scan. `nil` results are
/// remembered too: a token no bundled key opens is not tried again.
final class CrackCache: Sendable {
    private let results = Mutex([[UInt8]: String?]())
    /// Tokens remembered at most: a bound on memory when a file holds millions of distinct ones.
    static let capacity = 100_000

    func result(for key: [UInt8]) -> String?? { results.withLock { $0[key] } }

    func store(_ result: String?, for key: [UInt8]) {
        results.withLock { results in
            if results.count < Self.capacity { results[key] = .some(result) }
        }
    }
}
