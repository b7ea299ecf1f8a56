import Foundation

/// `--format csv`: one row per finding (RFC 4180), for spreadsheets and dashboards. Cells that a
/// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return, after any spaces) are prefixed with `'`.
public struct CSVReport: Report {
    public init() {}

    static let header = [
        "rule", "rule_name", "confidence", "path", "line", "column", "end_line", "end_column", "secret",
        "fingerprint", "verdict", "commit", "author", "date",
    ]

    public func render(_ result: ScanResult, options: ReportOptions) throws -> Data {
        var rows = [Self.header.map(Self.cell).joined(separator: ",")]
        for finding in result.findings {
            let commit = finding.provenance?.commit
            let fields = [
                finding.ruleID, finding.ruleName, finding.confidence.rawValue, finding.path,
                String(finding.region.line),
                String(finding.region.column), String(finding.region.endLine), String(finding.region.endColumn),
                finding.shownSecret(options), finding.fingerprint, finding.verdict.rawValue, commit?.id ?? "",
                commit.map { "\($0.authorName) <\($0.authorEmail)>" } ?? "",
                commit.map { ISO8601.string(fromSeconds: $0.authorTime) } ?? "",
            ]
            rows.append(fields.map(Self.cell).joined(separator: ","))
        }
        return Data((rows.joined(separator: "\r\n") + "\r\n").utf8)
    }

    static func cell(_ value: String) -> String {
        var text = value
        // Scalars, not Characters: "\r\n" is one Character, and spreadsheets skip leading spaces.
        if let first = text.unicodeScalars.first(where: { $0 != " " }), "=+-@\t\r".unicodeScalars.contains(first) {
            text = "'" + text
        }
        if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }
}
