import Foundation

/// The JSON document `--format json` writes (schema documented in README).
struct JSONDocument: Codable {
    struct Tool: Codable {
        var name: String
        var version: String
    }
    struct Statistics: Codable {
        var filesScanned: Int
        var bytesScanned: Int
        var findings: Int
        var skipped: Int
        var unreachableSecrets: Int?
        /// A delta-aware history sweep: blobs scanned only around what their delta changed, and
        /// the bytes scanned for them (`bytes_scanned` counts every blob whole).
        var blobsByDelta: Int?
        var deltaBytesScanned: Int?
        enum CodingKeys: String, CodingKey {
            case filesScanned = "files_scanned", bytesScanned = "bytes_scanned", findings, skipped,
                unreachableSecrets = "unreachable_secrets", blobsByDelta = "blobs_by_delta",
                deltaBytesScanned = "delta_bytes_scanned"
        }
    }
    var version = 1
    var tool: Tool
    var findings: [JSONFinding]
    var skipped: [SkippedInput]
    var statistics: Statistics
    var complete: Bool
    /// Present when a baseline was given.
    var baseline: BaselineSummary?
    /// Present when `.lingerignore` or an allow list applied.
    var suppression: SuppressionSummary?

    struct SuppressionSummary: Codable {
        var suppressed: Int
        var unused: [SuppressionEntry]
        var expired: [SuppressionEntry]
    }

    struct BaselineSummary: Codable {
        var known: Int
        var overdue: Int
        var unmatched: [BaselineEntry]
    }
}

/// One finding as JSON and JSONL write it.
struct JSONFinding: Codable {
    var rule: String
    var ruleName: String
    var confidence: Confidence
    var tags: [String]
    var path: String
    var line: Int
    var column: Int
    var endLine: Int
    var endColumn: Int
    var secret: String
    var redacted: Bool
    var fingerprint: String
    var entropy: Double
    var context: String
    var verdict: Verdict
    var verdictEvidence: String?
    var attributes: [String: String]?
    var decodedFrom: String?
    var verification: VerificationOutcome?
    var jwt: JSONJWT?
    var key: JSONKey?
    var git: JSONGitProvenance?
    /// Grouped reports: every place the secret was found (capped) and how many in all, and where
    /// it was first seen (the earliest introducing commit).
    var occurrences: [Occurrence]?
    var occurrenceCount: Int?
    var firstSeen: FirstSeen?

    struct FirstSeen: Codable {
        var commit: String?
        var date: String?
        var path: String
        var line: Int
    }

    enum CodingKeys: String, CodingKey {
        case rule, ruleName = "rule_name", confidence, tags, path, line, column, endLine = "end_line",
            endColumn = "end_column", secret, redacted, fingerprint, entropy, context, verdict,
            verdictEvidence = "verdict_evidence", attributes, decodedFrom = "decoded_from", verification, jwt, key, git,
            occurrences, occurrenceCount = "occurrence_count", firstSeen = "first_seen"
    }

    init(_ finding: Finding, options: ReportOptions) {
        rule = finding.ruleID
        ruleName = finding.ruleName
        confidence = finding.confidence
        tags = finding.tags
        path = finding.path
        line = finding.region.line
        column = finding.region.column
        endLine = finding.region.endLine
        endColumn = finding.region.endColumn
        secret = finding.shownSecret(options)
        redacted = !options.showSecrets
        fingerprint = finding.fingerprint
        entropy = (finding.entropy * 1000).rounded() / 1000
        context = finding.contextLine(showSecret: options.showSecrets)
        verdict = finding.verdict
        verdictEvidence = finding.verdictEvidence
        attributes = finding.attributes.isEmpty ? nil : finding.attributes
        decodedFrom = finding.decodedFrom
        verification = finding.verification
        jwt = finding.jwt.map { JSONJWT($0, options: options) }
        key = finding.key.map { JSONKey($0, options: options) }
        git = finding.provenance.map(JSONGitProvenance.init)
        if !finding.occurrences.isEmpty {
            occurrences = finding.occurrences
            occurrenceCount = finding.occurrenceCount
            let commit = finding.provenance?.commit
            firstSeen = FirstSeen(
                commit: commit?.id, date: commit.map { ISO8601.string(fromSeconds: $0.authorTime) }, path: finding.path,
                line: finding.region.line)
        }
    }
}

/// A JWT's analysis: the `jwt` object of a finding in JSON, JSONL and SARIF properties.
struct JSONJWT: Codable {
    var algorithm: String?
    var application: String?
    var header: [String: String]
    var claims: [String: String]
    var checks: [JWTCheckResult]
    var signature: SignatureStatus
    var signatureDetail: String?
    var recoveredKey: String?

    enum CodingKeys: String, CodingKey {
        case algorithm, application, header, claims, checks, signature, signatureDetail = "signature_detail",
            recoveredKey = "recovered_key"
    }

    init(_ analysis: JWTAnalysis, options: ReportOptions) {
        algorithm = analysis.algorithm
        application = analysis.application
        header = analysis.header
        claims = analysis.claims
        checks = analysis.checks
        signature = analysis.signature
        signatureDetail = analysis.signatureDetail
        recoveredKey = analysis.recoveredKey.map { options.showSecrets ? $0 : Redaction.redact($0) }
    }
}

/// A private key's analysis: the `key` object of a finding in JSON, JSONL and SARIF properties.
struct JSONKey: Codable {
    var format: String
    var algorithm: String?
    var bits: Int?
    var curve: String?
    var encrypted: Bool
    var recoveredPassphrase: String?
    var publicKeySHA256: String?
    var sshFingerprint: String?
    var weaknesses: [String]
    var parseError: String?
    var passphrasesNotTried: String?
    var linked: [LinkedPublicKey]

    enum CodingKeys: String, CodingKey {
        case format, algorithm, bits, curve, encrypted, recoveredPassphrase = "recovered_passphrase",
            publicKeySHA256 = "public_key_sha256", sshFingerprint = "ssh_fingerprint", weaknesses,
            parseError = "parse_error", passphrasesNotTried = "passphrases_not_tried", linked
    }

    init(_ analysis: KeyAnalysis, options: ReportOptions) {
        format = analysis.format
        algorithm = analysis.algorithm
        bits = analysis.bits
        curve = analysis.curve
        encrypted = analysis.encrypted
        recoveredPassphrase = analysis.recoveredPassphrase.map {
            options.showSecrets ? $0 : ($0.isEmpty ? "(empty)" : Redaction.redact($0))
        }
        publicKeySHA256 = analysis.publicKeySHA256
        sshFingerprint = analysis.sshFingerprint
        weaknesses = analysis.weaknesses
        parseError = analysis.parseError
        passphrasesNotTried = analysis.passphrasesNotTried
        linked = analysis.linked
    }
}

/// Where a finding lives in git: the `git` object of a finding in JSON and JSONL.
struct JSONGitProvenance: Codable {
    struct Commit: Codable {
        var id: String
        var author: String
        var email: String
        var date: String
        var summary: String
    }
    var source: Provenance.Source
    var blob: String
    var commit: Commit?
    var otherPaths: [String]

    enum CodingKeys: String, CodingKey { case source, blob, commit, otherPaths = "other_paths" }

    init(_ provenance: Provenance) {
        source = provenance.source
        blob = provenance.blobID
        otherPaths = provenance.otherPaths
        commit = provenance.commit.map {
            Commit(
                id: $0.id, author: $0.authorName, email: $0.authorEmail,
                date: ISO8601.string(fromSeconds: $0.authorTime), summary: $0.summary)
        }
    }
}

/// UTC timestamps in ISO 8601 (`2026-11-29T10:15:00Z`).
enum ISO8601 {
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times an ISO 8601 date shows.
    static let earliest: Double = -62_135_596_800
    static let latest: Double = 253_402_300_799

    static func string(fromSeconds seconds: Int64) -> String {
        Timestamp.string(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// `--format json`: one document with findings, skipped inputs and counts.
public struct JSONReport: Report {
    public init() {}
    public func render(_ result: ScanResult, options: ReportOptions) throws -> Data {
        let document = JSONDocument(
            tool: .init(name: "linger", version: Linger.version),
            findings: result.findings.map { JSONFinding($0, options: options) },
            skipped: result.skipped,
            statistics: .init(
                filesScanned: result.statistics.filesScanned, bytesScanned: result.statistics.bytesScanned,
                findings: result.findings.count, skipped: result.skipped.count,
                unreachableSecrets: result.statistics.unreachableSecrets == 0 ? nil : result.statistics.unreachableSecrets,
                blobsByDelta: result.statistics.blobsByDelta == 0 ? nil : result.statistics.blobsByDelta,
                deltaBytesScanned: result.statistics.blobsByDelta == 0 ? nil : result.statistics.deltaBytesScanned),
            complete: !result.isIncomplete,
            baseline: result.baseline.map {
                .init(known: $0.known.count, overdue: $0.overdue, unmatched: $0.unmatched)
            },
            suppression: result.suppression.map {
                .init(suppressed: $0.suppressed.count, unused: $0.unused, expired: $0.expired)
            })
        var data = try JSONEncoder.linger(pretty: true).encode(document)
        data.append(0x0A)
        return data
    }
}

/// `--format jsonl`: one finding per line, nothing else, for streaming into other tools.
public struct JSONLinesReport: Report {
    public init() {}
    public func render(_ result: ScanResult, options: ReportOptions) throws -> Data {
        let encoder = JSONEncoder.linger(pretty: false)
        var data = Data()
        for finding in result.findings {
            data.append(try encoder.encode(JSONFinding(finding, options: options)))
            data.append(0x0A)
        }
        return data
    }
}
