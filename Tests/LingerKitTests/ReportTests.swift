import Foundation
import Testing

@testable import LingerKit

@Suite struct ReportTests {
    let token = Fixtures.githubToken(seed: 5)

    func result() throws -> ScanResult {
        let directory = try TemporaryDirectory()
        try directory.write("config/app env.txt", "GITHUB_TOKEN=\(token)\n")
        try directory.write("image.bin", Data([0, 1, 2]))
        return try Fixtures.scanner().scan(directory: DirectoryInput(root: directory.path))
    }

    @Test func jsonHasTheDocumentedFieldsAndRedactsByDefault() throws {
        let data = try JSONReport().render(try result(), options: ReportOptions())
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        let finding = findings[0]
        #expect(finding["rule"] as? String == "github-pat")
        #expect(finding["path"] as? String == "config/app env.txt")
        #expect(finding["line"] as? Int == 1)
        #expect(finding["column"] as? Int == 14)
        #expect(finding["end_line"] as? Int == 1)
        #expect(finding["secret"] as? String == "ghp_***")
        #expect(finding["redacted"] as? Bool == true)
        #expect((finding["fingerprint"] as? String)?.count == 64)
        let skipped = try #require(document["skipped"] as? [[String: Any]])
        #expect(skipped.first?["reason"] as? String == "binary")
        #expect(document["complete"] as? Bool == true)
        #expect(!String(decoding: data, as: UTF8.self).contains(token))
    }

    @Test func showSecretsShowsThemEverywhere() throws {
        var options = ReportOptions(showSecrets: true)
        // GitLab's report names a commit for each finding; a folder scan's is its work tree's HEAD.
        options.scannedCommit = String(repeating: "ab", count: 20)
        for format in ReportFormat.allCases {
            let text = String(decoding: try format.report.render(try result(), options: options), as: UTF8.self)
            #expect(text.contains(token), "\(format) hides the secret with --show-secrets")
        }
        var redacted = ReportOptions()
        redacted.scannedCommit = options.scannedCommit
        for format in ReportFormat.allCases {
            let text = String(decoding: try format.report.render(try result(), options: redacted), as: UTF8.self)
            #expect(!text.contains(token), "\(format) leaks the secret by default")
        }
    }

    @Test func gitlabReportRefusesToInventACommit() throws {
        #expect(throws: GitLabReportError.noCommit(path: "config/app env.txt")) {
            try GitLabSecretDetectionReport().render(try result(), options: ReportOptions())
        }
    }

    @Test func gitlabReportDeclaresItsSchemaAndMapsSeverity() throws {
        var options = ReportOptions()
        options.scannedCommit = String(repeating: "cd", count: 20)
        options.scanStarted = Date(timeIntervalSince1970: 1_800_000_000)
        options.scanEnded = Date(timeIntervalSince1970: 1_800_000_090)
        let data = try GitLabSecretDetectionReport().render(try result(), options: options)
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(document["version"] as? String == "15.0.7")
        let scan = try #require(document["scan"] as? [String: Any])
        #expect(scan["type"] as? String == "secret_detection")
        #expect(scan["start_time"] as? String == "2027-01-15T08:00:00")
        #expect(scan["end_time"] as? String == "2027-01-15T08:01:30")
        let vulnerability = try #require((document["vulnerabilities"] as? [[String: Any]])?.first)
        #expect(vulnerability["severity"] as? String == "High")
        let location = try #require(vulnerability["location"] as? [String: Any])
        #expect((location["commit"] as? [String: Any])?["sha"] as? String == options.scannedCommit)
        #expect(location["file"] as? String == "config/app env.txt")
        #expect(location["start_line"] as? Int == 1)
        // The same finding gets the same id in every run (GitLab tracks vulnerabilities by it).
        #expect(try GitLabSecretDetectionReport().render(try result(), options: options) == data)
    }

    @Test func jsonLinesHasOneFindingPerLine() throws {
        let data = try JSONLinesReport().render(try result(), options: ReportOptions())
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(object?["rule"] as? String == "github-pat")
    }

    @Test func textReportIsDeterministicAndSummarises() throws {
        let first = try TextReport().render(try result(), options: ReportOptions())
        let second = try TextReport().render(try result(), options: ReportOptions())
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(
            text.contains("github-pat  GitHub personal access token (classic)  [high]\n  config/app env.txt:1:14\n"))
        #expect(
            text.contains(
                "1 secret found (1 high) in 1 file; scanned 1 file, 54 B; skipped 1 (1 binary), --verbose lists them"))
        #expect(!text.contains("\u{1B}["))
    }

    @Test func sarifHasRuleIdRegionAndFingerprint() throws {
        let data = try SARIFReport().render(try result(), options: ReportOptions())
        let log = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let sarifResult = try #require((run["results"] as? [[String: Any]])?.first)
        #expect(sarifResult["ruleId"] as? String == "github-pat")
        let location = try #require(
            (sarifResult["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location["artifactLocation"] as? [String: Any])?["uri"] as? String == "config/app%20env.txt")
        let region = try #require(location["region"] as? [String: Any])
        #expect(region["startLine"] as? Int == 1)
        #expect(region["startColumn"] as? Int == 14)
        #expect(region["endColumn"] as? Int == 54)
        let fingerprints = sarifResult["partialFingerprints"] as? [String: String]
        #expect(fingerprints?["lingerFingerprint/v1"]?.count == 64)
    }

    /// Validates SARIF output against the official OASIS SARIF 2.1.0 schema with Python's jsonschema.
    @Test func sarifValidatesAgainstTheOfficialSchema() throws {
        let directory = try TemporaryDirectory()
        var options = ReportOptions()
        options.showSecrets = false
        let result = try Fixtures.scanner().scan(directory: DirectoryInput(root: Fixtures.packageRoot + "/Samples"))
        #expect(result.findings.count > 10)
        let sarif = try directory.write("out.sarif", try SARIFReport().render(result, options: options))
        let schema = Fixtures.packageRoot + "/Tests/LingerKitTests/Fixtures/sarif-schema-2.1.0.json"
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            document = json.load(open(sys.argv[2]))
            jsonschema.Draft4Validator.check_schema(schema)
            errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(document), key=str)
            for error in errors: print(list(error.absolute_path), error.message)
            sys.exit(1 if errors else 0)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schema, sarif]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let input = Pipe()
        process.standardInput = input
        try process.run()
        try input.fileHandleForWriting.close()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "SARIF does not validate:\n\(output)")
    }
}
