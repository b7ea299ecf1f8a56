import Foundation

/// A finding not reported, and the entry that said so.
public struct SuppressedFinding: Sendable, Equatable {
    public var finding: Finding
    public var by: SuppressionEntry
}

/// What suppression did to a scan.
public struct SuppressionOutcome: Sendable, Equatable {
    public var suppressed: [SuppressedFinding] = []
    /// Entries that matched nothing (`--report-unused-ignores`).
    public var unused: [SuppressionEntry] = []
    /// Entries past their `until` date: they no longer apply.
    public var expired: [SuppressionEntry] = []
}

/// Applies `.lingerignore` and `.linger.yml`'s `allow` list to a scan's findings.
public struct Suppressor: Sendable {
    public var ignore: IgnoreFile
    public var allow: [AllowEntry]
    public var now: Date
    /// Where the ignore file and the file with the allow list lie, relative to report paths:
    /// their path patterns are relative to their own folder.
    public var ignoreBase = ""
    public var allowBase = ""

    public init(ignore: IgnoreFile = IgnoreFile(), allow: [AllowEntry] = [], now: Date) {
        self.ignore = ignore
        self.allow = allow
        self.now = now
    }

    public var isEmpty: Bool {
        ignore.fingerprints.isEmpty && ignore.paths.isEmpty && ignore.places.isEmpty && allow.isEmpty
    }

    public func apply(to result: inout ScanResult) {
        var outcome = SuppressionOutcome()
        var used = Set<String>()
        func active(_ entry: SuppressionEntry) -> Bool {
            guard let until = entry.until else { return true }
            return until > now
        }
        let allowPatterns = allow.map { entry in
            entry.secrets.compactMap { try? NSRegularExpression(pattern: $0) }
        }
        let allowPathPatterns = allow.map { entry in
            entry.pathPatterns.compactMap { try? NSRegularExpression(pattern: $0) }
        }
        func matches(_ expressions: [NSRegularExpression], _ text: String) -> Bool {
            expressions.contains { $0.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }
        }
        // A `.gitleaksignore` entry names a secret where gitleaks saw it; every other place of
        // that secret (later versions of the file, copies) is the same accepted secret.
        var acceptedAt: [String: SuppressionEntry] = [:]
        for finding in result.findings where acceptedAt[finding.fingerprint] == nil {
            if let match = ignore.places.first(where: { active($0.entry) && $0.accepts(finding) }) {
                acceptedAt[finding.fingerprint] = match.entry
            }
        }
        // A path entry covers what is inside the archives it names: `path dist/app.zip` covers
        // `dist/app.zip!config/.env` (and `dist/app.zip!lib/inner.jar` its entries).
        func coveredPaths(_ finding: Finding, under base: String) -> [String] {
            coveredPaths(path: finding.path, entryPath: finding.entryPath, under: base)
        }
        func coveredPaths(path: String, entryPath: String?, under base: String) -> [String] {
            guard let local = PathName.relative(path, under: base) else { return [] }
            guard let chain = entryPath, local.hasSuffix("!" + chain) else { return [local] }
            var outer = String(local.dropLast(chain.count + 1))
            var paths = [outer]
            for entry in chain.split(separator: "!", omittingEmptySubsequences: false) {
                outer += "!" + entry
                paths.append(outer)
            }
            return paths
        }
        var kept: [Finding] = []
        for finding in result.findings {
            var by: SuppressionEntry?
            if let match = ignore.fingerprints.first(where: {
                finding.fingerprint.hasPrefix($0.prefix) && active($0.entry)
            }) {
                by = match.entry
            } else if case let paths = coveredPaths(finding, under: ignoreBase),
                let match = ignore.paths.first(where: { entry in
                    active(entry.entry) && paths.contains { Glob.matchesIgnorePattern(entry.pattern, $0) }
                })
            {
                by = match.entry
            } else if let entry = acceptedAt[finding.fingerprint] {
                by = entry
            } else {
                for (index, entry) in allow.enumerated() where active(entry.entry) {
                    if !entry.rules.isEmpty && !entry.rules.contains(finding.ruleID) { continue }
                    if !entry.paths.isEmpty {
                        let paths = coveredPaths(finding, under: allowBase)
                        guard entry.paths.contains(where: { glob in paths.contains { Glob.matchesIgnorePattern(glob, $0) } })
                        else { continue }
                    }
                    if !allowPatterns[index].isEmpty && !matches(allowPatterns[index], finding.secret) { continue }
                    if !allowPathPatterns[index].isEmpty {
                        let local = PathName.relative(finding.path, under: allowBase) ?? finding.path
                        if !matches(allowPathPatterns[index], local) { continue }
                    }
                    if !entry.stopwords.isEmpty {
                        let secret = finding.secret.lowercased()
                        if !entry.stopwords.contains(where: { secret.contains($0) }) { continue }
                    }
                    if !entry.commits.isEmpty {
                        guard let commit = finding.provenance?.commit?.id.lowercased(),
                            entry.commits.contains(where: { commit.hasPrefix($0) })
                        else { continue }
                    }
                    by = entry.entry
                    break
                }
            }
            if let by {
                used.insert(by.source)
                outcome.suppressed.append(SuppressedFinding(finding: finding, by: by))
            } else {
                kept.append(finding)
            }
        }
        result.findings = kept
        // What could not be read under an ignored path (a damaged archive among test fixtures)
        // is not reported either, and does not make the scan incomplete.
        result.skipped.removeAll { skip in
            let paths = coveredPaths(path: skip.path, entryPath: skip.entryPath, under: ignoreBase)
            guard !paths.isEmpty,
                let match = ignore.paths.first(where: { entry in
                    active(entry.entry) && paths.contains { Glob.matchesIgnorePattern(entry.pattern, $0) }
                })
            else { return false }
            used.insert(match.entry.source)
            return true
        }
        let entries =
            ignore.fingerprints.map(\.entry) + ignore.paths.map(\.entry) + ignore.places.map(\.entry) + allow.map(\.entry)
        outcome.expired = entries.filter { !active($0) }
        outcome.unused = entries.filter { active($0) && !used.contains($0.source) }
        result.suppression = outcome
    }
}

extension IgnoreFile.Place {
    /// Whether `finding` is the one gitleaks recorded here: the same rule (by alias), file, line
    /// and, when both know one, commit.
    func accepts(_ finding: Finding) -> Bool {
        guard ruleIDs.contains(finding.ruleID) || rule == finding.ruleID,
            finding.region.line <= line, line <= finding.region.endLine,
            ([finding.path] + (finding.provenance?.otherPaths ?? [])).contains(where: {
                PathName.relative($0, under: base) == path
            })
        else { return false }
        guard let commit, let found = finding.provenance?.commit?.id else { return true }
        return found.hasPrefix(commit)
    }
}
