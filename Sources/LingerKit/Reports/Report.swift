import Foundation

/// How a report presents a scan.
public struct ReportOptions: Sendable {
    /// Show secrets in full (`--show-secrets`); otherwise a short prefix then `***`.
    public var showSecrets = false
    /// ANSI colour (only when writing to a terminal).
    public var color = false
    /// Include dropped candidates and every skipped input in the text report.
    public var verbose = false
    /// When the scan started and ended (reports that carry times; now when not given).
    public var scanStarted: Date?
    public var scanEnded: Date?
    /// The commit a folder scan's files are at (HEAD of the work tree it is in), for reports that
    /// must name a commit for every finding.
    public var scannedCommit: String?

    public init(showSecrets: Bool = false, color: Bool = false, verbose: Bool = false) {
        self.showSecrets = showSecrets
        self.color = color
        self.verbose = verbose
    }
}

/// One output format. Each renders a whole scan result to bytes, deterministically.
public protocol Report {
    func render(_ result: ScanResult, options: ReportOptions) throws -> Data
}

/// The formats `--format` accepts.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, jsonl, sarif, junit, csv
    case gitlabSecretDetection = "gitlab-secret-detection"

    public var report: any Report {
        switch self {
        case .text: return TextReport()
        case .json: return JSONReport()
        case .jsonl: return JSONLinesReport()
        case .sarif: return SARIFReport()
        case .junit: return JUnitReport()
        case .csv: return CSVReport()
        case .gitlabSecretDetection: return GitLabSecretDetectionReport()
        }
    }
}

extension Finding {
    func shownSecret(_ options: ReportOptions) -> String {
        options.showSecrets ? secret : Redaction.redact(secret)
    }
}

extension JSONEncoder {
    /// Sorted keys and no escaped slashes: byte-for-byte stable output.
    static func linger(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
