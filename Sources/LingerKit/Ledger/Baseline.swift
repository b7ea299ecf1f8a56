import Foundation

/// One known secret in a baseline: its fingerprint, with the rule and a place for people to read.
/// Entries from another scanner's baseline or report (gitleaks, detect-secrets) have no Linger
/// fingerprint: they match by a digest of the secret where the file holds one, else by place.
public struct BaselineEntry: Sendable, Equatable, Codable {
    /// Linger's fingerprint; empty for an entry from another scanner.
    public var fingerprint: String
    public var rule: String?
    public var path: String?
    /// 1-based line, for entries matched by place.
    public var line: Int?
    /// The commit the other scanner found it in (a prefix matches).
    public var commit: String?
    /// Which scanner wrote the entry (`gitleaks`, `detect-secrets`); nil for Linger's own.
    public var source: String?
    /// SHA-256 (gitleaks: of the secret it reported) or SHA-1 (detect-secrets' `hashed_secret`)
    /// of the secret, hex; never written out.
    var secretSHA256: String?
    var secretSHA1: String?

    enum CodingKeys: String, CodingKey { case fingerprint, rule, path, line, commit, source }

    public init(fingerprint: String, rule: String? = nil, path: String? = nil) {
        self.fingerprint = fingerprint
        self.rule = rule
        self.path = path
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !fingerprint.isEmpty { try container.encode(fingerprint, forKey: .fingerprint) }
        try container.encodeIfPresent(rule, forKey: .rule)
        try container.encodeIfPresent(path, forKey: .path)
        try container.encodeIfPresent(line, forKey: .line)
        try container.encodeIfPresent(commit, forKey: .commit)
        try container.encodeIfPresent(source, forKey: .source)
    }

    /// A finding's secret as other scanners' files hold it, digested once per finding.
    struct SecretDigests {
        let secret: [UInt8]
        lazy var sha256 = Digest.hex(Digest.sha256(secret))
        lazy var sha1 = Digest.sha1Hex(secret)
        init(_ finding: Finding) { secret = Array(finding.secret.utf8) }
    }

    /// Whether `finding` is the secret this entry names.
    func matches(_ finding: Finding) -> Bool {
        var digests = SecretDigests(finding)
        return matches(finding, digests: &digests)
    }

    func matches(_ finding: Finding, digests: inout SecretDigests) -> Bool {
        if !fingerprint.isEmpty { return finding.fingerprint == fingerprint }
        // An entry that holds the secret matches by it alone: a new secret on the same line is new.
        if let secretSHA256 { return digests.sha256 == secretSHA256 }
        if let secretSHA1 { return digests.sha1 == secretSHA1 }
        // By place: the same file (or a path the same blob has elsewhere) and line, and commit
        // when both know one.
        let paths = [finding.path] + (finding.provenance?.otherPaths ?? [])
        guard let path, let line, paths.contains(path), line >= finding.region.line, line <= finding.region.endLine
        else { return false }
        if let commit, let found = finding.provenance?.commit?.id { return found.hasPrefix(commit) || commit.hasPrefix(found) }
        return true
    }

    /// What a reader sees for it in "matched nothing".
    var label: String {
        let place = [path, line.map(String.init)].compactMap { $0 }.joined(separator: ":")
        return ([fingerprint.isEmpty ? (source ?? "entry") : String(fingerprint.prefix(12))] + [rule, place.isEmpty ? nil : place])
            .compactMap { $0 }.joined(separator: "  ")
    }
}

/// What a baseline did to a scan.
public struct BaselineOutcome: Sendable, Equatable {
    /// Findings the baseline holds: known already, so they neither show nor fail the gate.
    public var known: [Finding] = []
    /// Findings the baseline holds that still fail: live past their deadline in the ledger.
    public var overdue = 0
    /// Entries that matched nothing in this scan (the secret is gone, or the baseline is stale).
    public var unmatched: [BaselineEntry] = []
}

/// A problem reading a baseline file.
public enum BaselineError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): not a usable baseline: \(reason)"
        }
    }
}

/// Secrets already known, keyed by fingerprint (never by line: code moves). A CI gate with a
/// baseline fails only on secrets outside it, or on those in it that the ledger shows still live
/// past their deadline.
public struct Baseline: Sendable, Equatable {
    public var entries: [BaselineEntry]

    public init(entries: [BaselineEntry]) {
        self.entries = entries
    }

    /// Reads a baseline written by `linger baseline`, or a JSON report of `linger scan` (its
    /// findings' fingerprints).
    public static func load(file: String) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw BaselineError.unreadable(file: file, reason: "no such file, or not readable")
        }
        let parsed = try? JSONSerialization.jsonObject(with: data)
        if let report = parsed as? [[String: Any]] { return try gitleaksReport(report, file: file) }
        if let array = parsed as? [Any], array.isEmpty { return Baseline(entries: []) }
        guard let parsed else { throw BaselineError.unreadable(file: file, reason: "not valid JSON") }
        guard let object = parsed as? [String: Any] else {
            throw BaselineError.unreadable(file: file, reason: "not a JSON object")
        }
        if let results = object["results"] as? [String: Any], object["plugins_used"] != nil || object["version"] != nil {
            return try detectSecretsBaseline(results, file: file)
        }
        let list = (object["secrets"] ?? object["findings"]) as? [[String: Any]]
        guard let list else {
            throw BaselineError.unreadable(
                file: file,
                reason:
                    "expected a `secrets` list (linger baseline), a `findings` list (linger scan --format json), a gitleaks JSON report or a detect-secrets baseline")
        }
        var entries: [BaselineEntry] = []
        var seen = Set<String>()
        for (index, item) in list.enumerated() {
            guard let fingerprint = item["fingerprint"] as? String, fingerprint.count == 64,
                fingerprint.allSatisfy(\.isHexDigit)
            else {
                throw BaselineError.unreadable(
                    file: file, reason: "entry \(index + 1) has no 64-digit hex `fingerprint`")
            }
            guard seen.insert(fingerprint.lowercased()).inserted else { continue }
            entries.append(
                BaselineEntry(
                    fingerprint: fingerprint.lowercased(), rule: item["rule"] as? String, path: item["path"] as? String)
            )
        }
        return Baseline(entries: entries)
    }

    /// A gitleaks JSON report (`gitleaks … --report-format json`): each finding matches by its
    /// secret (kept only as a SHA-256) unless the report was redacted, else by file and line
    /// (and commit, for a history scan).
    static func gitleaksReport(_ items: [[String: Any]], file: String) throws -> Baseline {
        var entries: [BaselineEntry] = []
        for (index, item) in items.enumerated() {
            guard let path = item["File"] as? String, let line = item["StartLine"] as? Int else {
                throw BaselineError.unreadable(
                    file: file, reason: "gitleaks finding \(index + 1) has no `File` and `StartLine`")
            }
            var entry = BaselineEntry(fingerprint: "", rule: item["RuleID"] as? String, path: path)
            entry.line = line
            entry.source = "gitleaks"
            if let commit = item["Commit"] as? String, !commit.isEmpty { entry.commit = commit }
            if let secret = item["Secret"] as? String, !secret.isEmpty, secret != "REDACTED", !secret.hasSuffix("...") {
                entry.secretSHA256 = Digest.hex(Digest.sha256(Array(secret.utf8)))
            }
            entries.append(entry)
        }
        return Baseline(entries: entries)
    }

    /// A detect-secrets baseline (`.secrets.baseline`): each result matches by `hashed_secret`
    /// (SHA-1 of the secret), else by `filename` and `line_number`.
    static func detectSecretsBaseline(_ results: [String: Any], file: String) throws -> Baseline {
        var entries: [BaselineEntry] = []
        for path in results.keys.sorted() {
            guard let list = results[path] as? [[String: Any]] else {
                throw BaselineError.unreadable(file: file, reason: "detect-secrets results for \(path) are not a list")
            }
            for item in list {
                var entry = BaselineEntry(fingerprint: "", rule: item["type"] as? String, path: item["filename"] as? String ?? path)
                entry.line = item["line_number"] as? Int
                entry.source = "detect-secrets"
                entry.secretSHA1 = (item["hashed_secret"] as? String)?.lowercased()
                entries.append(entry)
            }
        }
        return Baseline(entries: entries)
    }

    /// The file `linger baseline` writes: sorted, so that it diffs well in review.
    public func encoded() throws -> Data {
        struct File: Encodable {
            var version = 1
            var secrets: [BaselineEntry]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(File(secrets: entries.sorted { $0.fingerprint < $1.fingerprint }))
        data.append(0x0A)
        return data
    }

    /// Moves findings the baseline holds out of `result.findings`, unless `stillFailing` says one
    /// must still fail (live past its deadline); lists entries that matched nothing.
    public func apply(to result: inout ScanResult, stillFailing: (String) -> Bool = { _ in false }) {
        let known = Set(entries.map(\.fingerprint))
        let foreign = entries.indices.filter { entries[$0].fingerprint.isEmpty }
        var matched = Set<String>()
        var matchedForeign = Set<Int>()
        var kept: [Finding] = []
        var outcome = BaselineOutcome()
        // Another scanner's entry names a secret where it saw it (gitleaks: the commit that added
        // the line); every other place of that secret (later versions of the file, copies) is the
        // same known secret.
        var identified = Set<String>()
        for finding in result.findings where !foreign.isEmpty {
            var digests = BaselineEntry.SecretDigests(finding)
            for index in foreign where entries[index].matches(finding, digests: &digests) {
                matchedForeign.insert(index)
                identified.insert(finding.fingerprint)
            }
        }
        for finding in result.findings {
            let isKnown = known.contains(finding.fingerprint) || identified.contains(finding.fingerprint)
            if known.contains(finding.fingerprint) { matched.insert(finding.fingerprint) }
            if isKnown {
                if !stillFailing(finding.fingerprint) {
                    outcome.known.append(finding)
                    continue
                }
                outcome.overdue += 1
            }
            kept.append(finding)
        }
        result.findings = kept
        outcome.unmatched = entries.indices.filter { index in
            entries[index].fingerprint.isEmpty ? !matchedForeign.contains(index) : !matched.contains(entries[index].fingerprint)
        }.map { entries[$0] }
        result.baseline = outcome
    }
}
