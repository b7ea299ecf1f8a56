import Foundation

/// `--format gitlab-secret-detection`: GitLab's security report for secret detection (schema
/// 15.0.7, `secret-detection-report-format.json`), which puts findings in the merge request's
/// security widget and the vulnerability report. Written as `gl-secret-detection-report.json` and
/// listed under `artifacts: reports: secret_detection:`.
///
/// The schema requires the commit each secret is in. A history scan knows it for every finding
/// (the introducing commit); a folder scan knows it when the folder is a git work tree (its
/// HEAD, passed in `ReportOptions.scannedCommit`). When neither is known the report is refused
/// with an error rather than written with a made-up commit.
public struct GitLabSecretDetectionReport: Report {
    /// The schema version the report declares and was checked against.
    public static let schemaVersion = "15.0.7"
    static let schemaURL =
        "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.0.7/dist/secret-detection-report-format.json"

    public init() {}

    public func render(_ result: ScanResult, options: ReportOptions) throws -> Data {
        var data = try JSONEncoder.linger(pretty: true).encode(try GitLabSecurityReport(result, options: options))
        data.append(0x0A)
        return data
    }

    /// GitLab's five severities from what Linger knows: a secret shown to work is Critical; the
    /// rest follow the rule's confidence that the match is a real credential.
    static func severity(for finding: Finding) -> String {
        if finding.verdict == .live { return "Critical" }
        switch finding.confidence {
        case .high: return "High"
        case .medium: return "Medium"
        case .low: return "Low"
        }
    }

    /// `yyyy-mm-ddThh:mm:ss` in UTC, as the schema's pattern asks (no zone suffix).
    static func time(_ date: Date) -> String {
        String(Timestamp.string(date).prefix(19))
    }

    /// A stable UUID-shaped id for one finding at one place: GitLab recommends a UUID, and the same
    /// finding gets the same id in every run.
    static func identifier(for finding: Finding, commit: String) -> String {
        let hex = Digest.hex(
            Digest.sha256(Array("\(finding.fingerprint)\u{0}\(finding.path)\u{0}\(finding.region.line)\u{0}\(commit)".utf8)))
        let characters = Array(hex.prefix(32))
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return [part(0..<8), part(8..<12), part(12..<16), part(16..<20), part(20..<32)].joined(separator: "-")
    }
}

/// Why a GitLab report cannot be written.
public enum GitLabReportError: Error, CustomStringConvertible, Equatable {
    case noCommit(path: String)

    public var description: String {
        switch self {
        case .noCommit(let path):
            return
                "the GitLab secret_detection report needs the commit each secret is in, and none is known for \(path): scan history (--git, --range or --since) or a folder inside a git work tree"
        }
    }
}

struct GitLabSecurityReport: Encodable {
    struct Vendor: Encodable { var name = "Linger" }
    struct Tool: Encodable {
        var id = "linger"
        var name = "Linger"
        var version = Linger.version
        var vendor = Vendor()
        var url = Linger.informationURI
    }
    struct Message: Encodable {
        var level: String
        var value: String
    }
    struct Scan: Encodable {
        var analyzer = Tool()
        var scanner = Tool()
        var type = "secret_detection"
        var status: String
        var startTime: String
        var endTime: String
        var messages: [Message]
        enum CodingKeys: String, CodingKey {
            case analyzer, scanner, type, status, messages
            case startTime = "start_time", endTime = "end_time"
        }
    }
    struct Identifier: Encodable {
        var type: String
        var name: String
        var value: String
    }
    struct Commit: Encodable {
        var sha: String
        var author: String?
        var date: String?
        var message: String?
    }
    struct Location: Encodable {
        var file: String
        var startLine: Int
        var endLine: Int
        var commit: Commit
        enum CodingKeys: String, CodingKey {
            case file, commit
            case startLine = "start_line", endLine = "end_line"
        }
    }
    struct Vulnerability: Encodable {
        var id: String
        var category = "secret_detection"
        var name: String
        var description: String
        var severity: String
        var solution: String
        var identifiers: [Identifier]
        var location: Location
    }

    var version = GitLabSecretDetectionReport.schemaVersion
    var schema = GitLabSecretDetectionReport.schemaURL
    var scan: Scan
    var vulnerabilities: [Vulnerability]

    init(_ result: ScanResult, options: ReportOptions) throws {
        let ended = options.scanEnded ?? Date()
        let started = options.scanStarted ?? ended
        vulnerabilities = try result.findings.map { finding in
            let commit: Commit
            if let known = finding.provenance?.commit {
                commit = Commit(
                    sha: known.id, author: "\(known.authorName) <\(known.authorEmail)>",
                    date: Timestamp.string(Date(timeIntervalSince1970: TimeInterval(known.authorTime))),
                    message: known.summary)
            } else if let scanned = options.scannedCommit {
                commit = Commit(sha: scanned)
            } else {
                throw GitLabReportError.noCommit(path: finding.path)
            }
            var description = finding.ruleName + " (rule \(finding.ruleID), confidence \(finding.confidence.rawValue))"
            description += ". Verdict: \(finding.verdict.rawValue)"
            if let evidence = finding.verdictEvidence { description += " — \(evidence)" }
            description += ". Secret: \(finding.shownSecret(options))."
            if finding.occurrenceCount > 1 {
                description += " Found in \(finding.occurrenceCount) places; this is the first."
            }
            return Vulnerability(
                id: GitLabSecretDetectionReport.identifier(for: finding, commit: commit.sha),
                name: String(finding.ruleName.prefix(255)),
                description: description,
                severity: GitLabSecretDetectionReport.severity(for: finding),
                solution:
                    "Rotate the credential at its provider, then remove it from the code and its history; `linger notify` and `linger recheck` track it until it no longer works.",
                identifiers: [
                    Identifier(type: "linger_rule_id", name: "Linger rule \(finding.ruleID)", value: finding.ruleID)
                ],
                location: Location(
                    file: finding.path, startLine: finding.region.line, endLine: finding.region.endLine,
                    commit: commit))
        }
        scan = Scan(
            status: result.isIncomplete ? "failure" : "success",
            startTime: GitLabSecretDetectionReport.time(started), endTime: GitLabSecretDetectionReport.time(ended),
            messages: result.skipped.map { skip in
                Message(
                    level: skip.isError ? "warn" : "info",
                    value: "\(skip.path): skipped (\(skip.reason.rawValue)): \(skip.detail)")
            })
    }
}
