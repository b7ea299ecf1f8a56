import Foundation

/// One known secret in a baseline: its fingerprint, with the rule and a place for people to read.
public struct BaselineEntry: Sendable, Equatable, Codable {
    public var fingerprint: String
    public var rule: String?
    public var path: String?

    public init(fingerprint: String, rule: String? = nil, path: String? = nil) {
        self.fingerprint = fingerprint
        self.rule = rule
        self.path = path
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
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BaselineError.unreadable(file: file, reason: "not a JSON object")
        }
        let list = (object["secrets"] ?? object["findings"]) as? [[String: Any]]
        guard let list else {
            throw BaselineError.unreadable(
                file: file,
                reason: "expected a `secrets` list (linger baseline) or a `findings` list (linger scan --format json)")
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
        var matched = Set<String>()
        var kept: [Finding] = []
        var outcome = BaselineOutcome()
        for finding in result.findings {
            if known.contains(finding.fingerprint) {
                matched.insert(finding.fingerprint)
                if !stillFailing(finding.fingerprint) {
                    outcome.known.append(finding)
                    continue
                }
                outcome.overdue += 1
            }
            kept.append(finding)
        }
        result.findings = kept
        outcome.unmatched = entries.filter { !matched.contains($0.fingerprint) }
        result.baseline = outcome
    }
}
