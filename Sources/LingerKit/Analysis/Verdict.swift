/// Whether a secret still works. Four answers, each meaning exactly what it says:
public enum Verdict: String, Sendable, Codable, CaseIterable {
    /// Evidence it works now: a provider accepted it, or its signature verified with a trusted or
    /// recovered key inside its validity window.
    case live
    /// Nothing says it is dead, but nothing confirmed it works: a readable key without certificate
    /// or revocation data, an unexpired JWT without a key to verify it, a token whose rule has no
    /// live check or whose check was switched off. Always with the reason.
    case unverified
    /// Evidence it no longer works: a provider rejected it, it expired, it was revoked, its
    /// certificates ended, or its signature is invalid.
    case inactive
    /// A check was attempted and failed: network error, timeout, 429, 5xx, value unavailable.
    case unknown
}

/// One piece of evidence about whether a secret works, from an analyser (JWT, private key,
/// certificate linking), a live check, or the scan's own settings.
public enum VerdictEvidence: Sendable, Equatable {
    /// A provider accepted the secret (the detail says how, and who it acts as).
    case providerAccepted(String)
    /// A provider rejected it.
    case providerRejected(String)
    /// The key (or its certificate) is revoked.
    case revoked(String)
    /// It expired (a JWT's `exp`, every certificate of a key).
    case expired(String)
    /// A trusted key rejects its signature.
    case signatureInvalid(String)
    /// Its signature verified with a trusted or recovered key, inside its validity window.
    case signatureValid(String)
    /// A check was attempted and could not tell (network, 429, 5xx, value unavailable).
    case checkFailed(String)
    /// Nothing confirmed it either way, and why (no validator, check switched off, no key to
    /// verify with, a readable key and no certificate).
    case unconfirmed(String)

    public var detail: String {
        switch self {
        case .providerAccepted(let text), .providerRejected(let text), .revoked(let text), .expired(let text),
            .signatureInvalid(let text), .signatureValid(let text), .checkFailed(let text), .unconfirmed(let text):
            return text
        }
    }
}

extension Verdict {
    /// The verdict the evidence supports, and what it rests on. The precedence, in one place:
    ///
    /// 1. a provider's answer (accepted → `live`, rejected → `inactive`): it asked the one who knows;
    /// 2. revocation, then expiry, then an invalid signature → `inactive`;
    /// 3. a signature verified inside the validity window → `live`;
    /// 4. a check that was attempted and failed → `unknown`;
    /// 5. otherwise `unverified`, with every reason given (or "not checked" when none was).
    public static func judge(_ evidence: [VerdictEvidence]) -> (Verdict, String) {
        let decisive = evidence.compactMap { item in
            item.precedence.map { (rank: $0.rank, verdict: $0.verdict, detail: item.detail) }
        }.min { $0.rank < $1.rank }
        if let decisive { return (decisive.verdict, decisive.detail) }
        var reasons = [String]()
        for item in evidence where !reasons.contains(item.detail) { reasons.append(item.detail) }
        return (.unverified, reasons.isEmpty ? "not checked" : reasons.joined(separator: "; "))
    }
}

extension VerdictEvidence {
    /// Where this evidence stands in `Verdict.judge`'s order and the verdict it decides; nil for
    /// `unconfirmed`, which decides nothing and only gives reasons.
    var precedence: (rank: Int, verdict: Verdict)? {
        switch self {
        case .providerAccepted: return (0, .live)
        case .providerRejected: return (1, .inactive)
        case .revoked: return (2, .inactive)
        case .expired: return (3, .inactive)
        case .signatureInvalid: return (4, .inactive)
        case .signatureValid: return (5, .live)
        case .checkFailed: return (6, .unknown)
        case .unconfirmed: return nil
        }
    }
}

/// Why no live check ran for a scan's findings, when none did.
public enum LiveCheckMode: Sendable, Equatable {
    /// Live checks ran (for the rules that have one).
    case ran
    /// They were not run, for this reason (`--no-verify`, `--staged`, standard input).
    case off(reason: String)
}

extension ScanResult {
    /// The last step of judging: every finding whose rule has a live check that did not run says
    /// why, and every finding nothing else spoke about says its rule has no live check. What is
    /// unverified is then unverified with a reason, never silently.
    public mutating func noteUncheckedSecrets(_ mode: LiveCheckMode) {
        guard !findings.isEmpty else { return }
        // Read in place: filtering the rules copied each one (a retain per field).
        let all = rules
        let validated = Set(all.indices.lazy.filter { all[$0].validation != nil }.map { all[$0].id })
        for index in findings.indices {
            let hasCheck = validated.contains(findings[index].ruleID)
            if hasCheck, case .off(let reason) = mode, findings[index].verification == nil {
                findings[index].record(.unconfirmed("live check switched off (\(reason))"))
            } else if !hasCheck && !findings[index].hasEvidence {
                findings[index].record(.unconfirmed("no live check exists for this rule"))
            }
        }
    }
}
