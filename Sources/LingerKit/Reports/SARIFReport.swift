import Foundation

/// `--format sarif`: SARIF 2.1.0, typed end to end (no untyped dictionaries).
public struct SARIFReport: Report {
    public init() {}

    public func render(_ result: ScanResult, options: ReportOptions) throws -> Data {
        var data = try JSONEncoder.linger(pretty: true).encode(SARIFLog(result, options: options))
        data.append(0x0A)
        return data
    }

    static func level(for confidence: Confidence) -> String {
        switch confidence {
        case .high: return "error"
        case .medium: return "error"
        case .low: return "warning"
        }
    }

    /// GitHub code scanning reads `security-severity` (0–10) from rule properties.
    static func securitySeverity(for confidence: Confidence) -> String {
        switch confidence {
        case .high: return "9.0"
        case .medium: return "7.5"
        case .low: return "5.0"
        }
    }

    /// A relative path as a URI reference: percent-encoded, forward slashes.
    static func uri(for path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: ":")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }
}

struct SARIFLog: Encodable {
    var schema = "https://json.schemastore.org/sarif-2.1.0.json"
    var version = "2.1.0"
    var runs: [SARIFRun]

    enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }

    init(_ result: ScanResult, options: ReportOptions) {
        let usedRuleIDs = Set(result.findings.map(\.ruleID))
        let rules = result.rules.filter { usedRuleIDs.contains($0.id) }
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.id, $0) })
        let results = result.findings.map { finding in
            SARIFResult(
                ruleId: finding.ruleID, ruleIndex: ruleIndex[finding.ruleID] ?? 0,
                level: SARIFReport.level(for: finding.confidence),
                message: .init(text: "\(finding.ruleName) found: \(finding.shownSecret(options))"),
                locations: [
                    .init(
                        physicalLocation: .init(
                            artifactLocation: .init(uri: SARIFReport.uri(for: finding.path), uriBaseId: "%SRCROOT%"),
                            region: .init(
                                startLine: finding.region.line, startColumn: finding.region.column,
                                endLine: finding.region.endLine, endColumn: finding.region.endColumn,
                                snippet: .init(text: finding.contextLine(showSecret: options.showSecrets)))))
                ],
                relatedLocations: finding.occurrences.dropFirst().enumerated().map { number, place in
                    SARIFRelatedLocation(
                        id: number + 1,
                        physicalLocation: .init(
                            artifactLocation: .init(uri: SARIFReport.uri(for: place.path), uriBaseId: "%SRCROOT%"),
                            region: .init(
                                startLine: place.line, startColumn: place.column, endLine: nil, endColumn: nil,
                                snippet: nil)),
                        message: .init(text: place.commit.map { "also here (commit \($0.prefix(12)))" } ?? "also here"))
                }.nilIfEmpty,
                partialFingerprints: ["lingerFingerprint/v1": finding.fingerprint],
                properties: .init(
                    confidence: finding.confidence.rawValue, tags: finding.tags, verdict: finding.verdict.rawValue,
                    verdictEvidence: finding.verdictEvidence, jwt: finding.jwt.map { JSONJWT($0, options: options) },
                    key: finding.key.map { JSONKey($0, options: options) },
                    git: finding.provenance.map(JSONGitProvenance.init),
                    attributes: finding.attributes.isEmpty ? nil : finding.attributes,
                    decodedFrom: finding.decodedFrom, verification: finding.verification))
        }
        let notifications = result.skipped.map { skip in
            SARIFNotification(
                level: skip.isError ? "error" : "note",
                message: .init(text: "\(skip.path): skipped (\(skip.reason.rawValue)): \(skip.detail)"),
                locations: [
                    .init(
                        physicalLocation: .init(
                            artifactLocation: .init(uri: SARIFReport.uri(for: skip.path), uriBaseId: "%SRCROOT%"),
                            region: nil))
                ])
        }
        runs = [
            SARIFRun(
                tool: .init(
                    driver: .init(
                        name: "linger", version: Linger.version, semanticVersion: Linger.version,
                        informationUri: Linger.informationURI,
                        rules: rules.map { rule in
                            SARIFRuleDescriptor(
                                id: rule.id, name: rule.id, shortDescription: .init(text: rule.name),
                                fullDescription: .init(text: rule.description ?? rule.name),
                                help: .init(
                                    text:
                                        "Rotate the credential, then remove it from the code and its history. Rule file: \(rule.source)"
                                ),
                                defaultConfiguration: .init(level: SARIFReport.level(for: rule.confidence)),
                                properties: .init(
                                    tags: ["security", "secret"] + rule.tags,
                                    precision: rule.confidence == .high ? "very-high" : rule.confidence.rawValue,
                                    securitySeverity: SARIFReport.securitySeverity(for: rule.confidence)))
                        })),
                invocations: [
                    .init(executionSuccessful: !result.isIncomplete, toolExecutionNotifications: notifications)
                ],
                results: results)
        ]
    }
}

struct SARIFText: Encodable { var text: String }

struct SARIFRun: Encodable {
    var tool: SARIFTool
    var invocations: [SARIFInvocation]
    var results: [SARIFResult]
    var columnKind = "unicodeCodePoints"
}

struct SARIFTool: Encodable { var driver: SARIFDriver }

struct SARIFDriver: Encodable {
    var name: String
    var version: String
    var semanticVersion: String
    var informationUri: String
    var rules: [SARIFRuleDescriptor]
}

struct SARIFRuleDescriptor: Encodable {
    struct Configuration: Encodable { var level: String }
    struct Properties: Encodable {
        var tags: [String]
        var precision: String
        var securitySeverity: String
        enum CodingKeys: String, CodingKey { case tags, precision, securitySeverity = "security-severity" }
    }
    var id: String
    var name: String
    var shortDescription: SARIFText
    var fullDescription: SARIFText
    var help: SARIFText
    var defaultConfiguration: Configuration
    var properties: Properties
}

struct SARIFInvocation: Encodable {
    var executionSuccessful: Bool
    var toolExecutionNotifications: [SARIFNotification]
}

struct SARIFNotification: Encodable {
    var level: String
    var message: SARIFText
    var locations: [SARIFLocation]
}

struct SARIFLocation: Encodable {
    struct Physical: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }
    struct ArtifactLocation: Encodable {
        var uri: String
        var uriBaseId: String
    }
    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
        var endLine: Int?
        var endColumn: Int?
        var snippet: SARIFText?
    }
    var physicalLocation: Physical
}

struct SARIFResult: Encodable {
    struct Properties: Encodable {
        var confidence: String
        var tags: [String]
        var verdict: String
        var verdictEvidence: String?
        var jwt: JSONJWT?
        var key: JSONKey?
        var git: JSONGitProvenance?
        var attributes: [String: String]?
        var decodedFrom: String?
        var verification: VerificationOutcome?
    }
    var ruleId: String
    var ruleIndex: Int
    var level: String
    var message: SARIFText
    var locations: [SARIFLocation]
    /// In a grouped report, the secret's other places.
    var relatedLocations: [SARIFRelatedLocation]?
    var partialFingerprints: [String: String]
    var properties: Properties
}

struct SARIFRelatedLocation: Encodable {
    var id: Int
    var physicalLocation: SARIFLocation.Physical
    var message: SARIFText
}

extension Array {
    var nilIfEmpty: [Element]? { isEmpty ? nil : self }
}
