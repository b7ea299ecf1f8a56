import Foundation
import Testing

/// A command run for its exit status and output.
@discardableResult
func sh(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) throws -> LingerRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    var environment = ProcessInfo.processInfo.environment
    environment["GIT_CONFIG_NOSYSTEM"] = "1"
    environment["GIT_AUTHOR_NAME"] = "Dev One"
    environment["GIT_AUTHOR_EMAIL"] = "dev@linger.invalid"
    environment["GIT_COMMITTER_NAME"] = "Dev One"
    environment["GIT_COMMITTER_EMAIL"] = "dev@linger.invalid"
    environment["LINGER_CACHE_DIR"] = NSTemporaryDirectory() + "linger-cli-test-cache"
    // CI runners set CI=true, which redacts secrets: tests that want it say so.
    environment["CI"] = nil
    // No live checks against real providers from the tests (the verification tests use a loopback server).
    environment["LINGER_NO_VERIFY"] = "1"
    for (key, value) in extra { environment[key] = value }
    process.environment = environment
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    try input.fileHandleForWriting.close()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return LingerRun(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self))
}

/// PATH with the built `linger` first, as a user who installed it would have.
let pathWithLinger =
    (CLI.binary as NSString).deletingLastPathComponent + ":"
    + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")

let fakeToken = "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"

@Suite(.serialized) struct PipelineTests {
    func repository() throws -> Scratch {
        let scratch = try Scratch()
        try sh(["git", "init", "-q", "-b", "main"], in: scratch.path)
        try scratch.write("README.md", Data("hello\n".utf8))
        try sh(["git", "add", "-A"], in: scratch.path)
        try sh(["git", "commit", "-q", "-m", "start"], in: scratch.path)
        return scratch
    }

    @Test func preCommitFrameworkBlocksASecretAndLetsACleanCommitThrough() throws {
        let repo = try repository()
        let packageHead = try sh(["git", "rev-parse", "HEAD"], in: CLI.packageRoot).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let config = """
            repos:
              - repo: \(CLI.packageRoot)
                rev: \(packageHead)
                hooks:
                  - id: linger
            """
        try repo.write(".pre-commit-config.yaml", Data(config.utf8))
        let environment = ["PATH": pathWithLinger, "PRE_COMMIT_HOME": repo.path + "/.pre-commit-cache"]
        try repo.write(".git/info/exclude", Data(".pre-commit-cache/\n".utf8))
        let install = try sh(["pre-commit", "install"], in: repo.path, environment: environment)
        #expect(install.status == 0, "pre-commit install failed: \(install.stderr)")
        try sh(["git", "add", ".pre-commit-config.yaml"], in: repo.path, environment: environment)
        let setup = try sh(["git", "commit", "-q", "-m", "add pre-commit"], in: repo.path, environment: environment)
        #expect(setup.status == 0, "a clean commit was blocked: \(setup.stdout)\(setup.stderr)")

        try repo.write("config.env", Data("GITHUB_TOKEN=\(fakeToken)\n".utf8))
        try sh(["git", "add", "config.env"], in: repo.path)
        let blocked = try sh(["git", "commit", "-q", "-m", "add config"], in: repo.path, environment: environment)
        #expect(blocked.status != 0)
        #expect((blocked.stdout + blocked.stderr).contains("github-pat"))
        #expect(!(blocked.stdout + blocked.stderr).contains(fakeToken))

        try repo.write("config.env", Data("GITHUB_TOKEN=${GITHUB_TOKEN}\n".utf8))
        try sh(["git", "add", "config.env"], in: repo.path)
        let clean = try sh(
            ["git", "commit", "-q", "-m", "read the token from the environment"], in: repo.path,
            environment: environment)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
    }

    @Test func hookInstallWritesAHookThatBlocksSecrets() throws {
        let repo = try repository()
        let install = try CLI.run(["hook", "install", repo.path])
        #expect(install.status == 0)
        let hook = repo.path + "/.git/hooks/pre-commit"
        let attributes = try FileManager.default.attributesOfItem(atPath: hook)
        #expect((attributes[.posixPermissions] as? Int) == 0o755)
        let again = try CLI.run(["hook", "install", repo.path])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists"))
        #expect(try CLI.run(["hook", "install", "--force", repo.path]).status == 0)

        // PATH without linger: the hook falls back to the absolute path it was installed from.
        try repo.write("app.env", Data("T=\(fakeToken)\n".utf8))
        try sh(["git", "add", "app.env"], in: repo.path)
        let blocked = try sh(
            ["git", "commit", "-q", "-m", "leak"], in: repo.path, environment: ["PATH": "/usr/bin:/bin"])
        #expect(blocked.status == 1)
        // git hands a hook's output to stderr.
        #expect((blocked.stdout + blocked.stderr).contains("github-pat"))
        let bypass = try sh(["git", "commit", "-q", "--no-verify", "-m", "leak anyway"], in: repo.path)
        #expect(bypass.status == 0)

        // `git commit -a` and `git commit PATH` build the commit in a temporary index, which git
        // names in GIT_INDEX_FILE: the hook scans that one, not .git/index.
        let another = LedgerLifecycleTests.githubToken(seed: 77)
        try repo.write("app.env", Data("T=\(fakeToken)\nU=\(another)\n".utf8))
        for command in [["git", "commit", "-q", "-a", "-m", "leak"], ["git", "commit", "-q", "-m", "leak", "app.env"]] {
            let blocked = try sh(command, in: repo.path, environment: ["PATH": "/usr/bin:/bin"])
            #expect(blocked.status == 1, "\(command)")
            #expect((blocked.stdout + blocked.stderr).contains("app.env:2"), "\(command)")
        }
        // A GIT_INDEX_FILE that does not exist is an error, not an empty index.
        let missing = try CLI.run(["scan", "--staged", repo.path], environment: ["GIT_INDEX_FILE": repo.path + "/no-such-index"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("GIT_INDEX_FILE"))
    }

    @Test func theActionScanStepGatesThePushedRange() throws {
        let repo = try repository()
        let before = try sh(["git", "rev-parse", "HEAD"], in: repo.path).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        try repo.write("deploy.env", Data("TOKEN=\(fakeToken)\n".utf8))
        try sh(["git", "add", "-A"], in: repo.path)
        try sh(["git", "commit", "-q", "-m", "deploy settings"], in: repo.path)
        let script = CLI.packageRoot + "/.ci/github-scan.sh"
        let environment = [
            "PATH": pathWithLinger, "CI": "true", "LINGER_BEFORE": before, "LINGER_SARIF": repo.path + "/out.sarif",
        ]
        let failing = try sh(["bash", script], in: repo.path, environment: environment)
        #expect(failing.status == 1, "\(failing.stdout)\(failing.stderr)")
        #expect(failing.stdout.contains("scanning --range \(before)..HEAD"))
        let sarif = try CLI.json(try String(contentsOfFile: repo.path + "/out.sarif", encoding: .utf8))
        let results = ((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        #expect(results.map { $0["ruleId"] as? String } == ["github-pat"])

        // A push whose range adds nothing secret passes, though history before it has a secret.
        let head = try sh(["git", "rev-parse", "HEAD"], in: repo.path).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        try repo.write("notes.txt", Data("nothing\n".utf8))
        try sh(["git", "add", "-A"], in: repo.path)
        try sh(["git", "commit", "-q", "-m", "notes"], in: repo.path)
        var passingEnvironment = environment
        passingEnvironment["LINGER_BEFORE"] = head
        let passing = try sh(["bash", script], in: repo.path, environment: passingEnvironment)
        #expect(passing.status == 0, "\(passing.stdout)\(passing.stderr)")

        // A new branch (before = zeros) sweeps the whole history.
        passingEnvironment["LINGER_BEFORE"] = String(repeating: "0", count: 40)
        let sweep = try sh(["bash", script], in: repo.path, environment: passingEnvironment)
        #expect(sweep.status == 1)
        #expect(sweep.stdout.contains("scanning --git"))
    }

    @Test func theActionScansOnceAndSetsItsOutputs() throws {
        let repo = try repository()
        let before = try sh(["git", "rev-parse", "HEAD"], in: repo.path).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        try repo.write("deploy.env", Data("TOKEN=\(fakeToken)\n".utf8))
        try sh(["git", "add", "-A"], in: repo.path)
        try sh(["git", "commit", "-q", "-m", "deploy settings"], in: repo.path)
        // A `linger` in front of the real one counts how often the step runs it.
        let wrapper = try Scratch()
        try wrapper.write(
            "linger", Data("#!/bin/bash\necho run >> \"\(wrapper.path)/runs\"\nexec \"\(CLI.binary)\" \"$@\"\n".utf8))
        chmod(wrapper.path + "/linger", 0o755)
        let outputs = repo.path + "/github-output"
        let environment = [
            "PATH": wrapper.path + ":" + pathWithLinger, "CI": "true", "LINGER_BEFORE": before,
            "LINGER_SARIF": repo.path + "/out.sarif", "GITHUB_OUTPUT": outputs, "LINGER_VERIFY": "false",
            "LINGER_ARGS": "--max-file-size 1M",
        ]
        let run = try sh(["bash", CLI.packageRoot + "/.ci/github-scan.sh"], in: repo.path, environment: environment)
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect(try String(contentsOfFile: wrapper.path + "/runs", encoding: .utf8) == "run\n")
        let written = try String(contentsOfFile: outputs, encoding: .utf8)
        #expect(written == "exit-code=1\nfindings=1\nsarif=\(repo.path)/out.sarif\n")
        #expect(run.stdout.contains("github-pat"))

        // A pull request whose base is not in a shallow checkout: say to fetch the history.
        let shallow = try Scratch()
        try sh(["git", "clone", "-q", "--depth", "1", "file://" + repo.path, shallow.path + "/clone"], in: shallow.path)
        var pullRequest = environment
        pullRequest["LINGER_BEFORE"] = nil
        pullRequest["LINGER_BASE"] = before
        let refused = try sh(
            ["bash", CLI.packageRoot + "/.ci/github-scan.sh"], in: shallow.path + "/clone", environment: pullRequest)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("fetch-depth: 0"), "\(refused.stderr)")
    }

    /// The GitHub Action's metadata and the GitLab template, against the schemas GitHub and GitLab
    /// publish (vendored by PyPI's check-jsonschema, which `.ci/install-deps --tests` installs).
    @Test func ciTemplatesValidateAgainstTheirSchemas() throws {
        let action = try sh(
            ["check-jsonschema", "--builtin-schema", "vendor.github-actions", "action.yml"], in: CLI.packageRoot)
        #expect(action.status == 0, "action.yml: \(action.stdout)\(action.stderr)")
        let gitlab = try sh(
            ["check-jsonschema", "--builtin-schema", "vendor.gitlab-ci", ".ci/gitlab/linger.gitlab-ci.yml"],
            in: CLI.packageRoot)
        #expect(gitlab.status == 0, "GitLab template: \(gitlab.stdout)\(gitlab.stderr)")
    }

    /// GitLab's secret_detection report from a history scan (the commit that introduced each
    /// secret) and from a folder in a work tree (its HEAD), checked against the constraints of
    /// GitLab's published schema 15.0.7 (Tests/Fixtures restates them; the schema itself is not
    /// reachable from CI); a folder outside any repository gets an error, not a made-up commit.
    @Test func gitlabSecretDetectionReportMeetsTheSchema() throws {
        let repo = try repository()
        try repo.write("deploy/.env", Data("GITHUB_TOKEN=\(fakeToken)\n".utf8))
        try sh(["git", "add", "-A"], in: repo.path)
        try sh(["git", "commit", "-q", "-m", "add deploy settings"], in: repo.path)
        let head = try sh(["git", "rev-parse", "HEAD"], in: repo.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let schema = CLI.packageRoot + "/Tests/Fixtures/gitlab-secret-detection-15.0.7-constraints.schema.json"
        for arguments in [["scan", "--git", repo.path], ["scan", repo.path]] {
            let report = repo.path + "/gl-secret-detection-report.json"
            let run = try CLI.run(arguments + ["--report", "gitlab-secret-detection=\(report)"])
            #expect(run.status == 1, "\(run.stderr)")
            let check = try sh(["check-jsonschema", "--schemafile", schema, report], in: repo.path)
            #expect(check.status == 0, "\(arguments): \(check.stdout)\(check.stderr)")
            let text = try String(contentsOfFile: report, encoding: .utf8)
            #expect(text.contains("\"sha\" : \"\(head)\""), "\(text)")
            #expect(text.contains("\"file\" : \"deploy/.env\""))
            #expect(!text.contains(fakeToken))
            try FileManager.default.removeItem(atPath: report)
        }
        let loose = try Scratch()
        try loose.write("t.env", Data("T=\(fakeToken)\n".utf8))
        let refused = try CLI.run(["scan", loose.path, "--report", "gitlab-secret-detection=\(loose.path)/gl.json"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("needs the commit"), "\(refused.stderr)")
    }

    @Test func oneScanWritesSeveralReports() throws {
        let scratch = try Scratch()
        try scratch.write("t.env", Data("T=\(fakeToken)\n".utf8))
        let run = try CLI.run([
            "scan", scratch.path + "/t.env", "--report", "sarif=\(scratch.path)/r.sarif", "--report",
            "junit=\(scratch.path)/r.xml", "--color", "always",
        ])
        #expect(run.status == 1)
        #expect(run.stdout.contains("github-pat"))
        let sarif = try String(contentsOfFile: scratch.path + "/r.sarif", encoding: .utf8)
        #expect(sarif.contains("\"ruleId\" : \"github-pat\""))
        let junit = try String(contentsOfFile: scratch.path + "/r.xml", encoding: .utf8)
        #expect(junit.contains("failures=\"1\""))
        #expect(!junit.contains("\u{1B}["))
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path + "/r.sarif")[.posixPermissions]
        #expect((mode as? NSNumber)?.intValue == 0o600)
        let bad = try CLI.run(["scan", scratch.path, "--report", "sarf=x.sarif"])
        #expect(bad.status == 2)
    }

    @Test func failOnChoosesWhatFailsTheGate() throws {
        let scratch = try Scratch()
        try scratch.write("low.env", Data("db_password = \"Kq7#vR2m!xT9\"\n".utf8))
        #expect(try CLI.run(["scan", scratch.path]).status == 1)
        #expect(try CLI.run(["scan", scratch.path, "--fail-on", "medium"]).status == 0)
        #expect(try CLI.run(["scan", scratch.path, "--fail-on", "live"]).status == 0)
        try scratch.write("high.env", Data("T=\(fakeToken)\n".utf8))
        #expect(try CLI.run(["scan", scratch.path, "--fail-on", "high"]).status == 1)
        // No verdict is live without evidence: a token whose check is off is `unverified`, and says why.
        let json = try CLI.run(["scan", scratch.path, "--format", "json"])
        let findings = try #require(try CLI.json(json.stdout)["findings"] as? [[String: Any]])
        #expect(Set(findings.map { $0["verdict"] as? String }) == ["unverified"])
        #expect(findings.contains { ($0["verdict_evidence"] as? String) == "live check switched off (LINGER_NO_VERIFY)" })
        #expect(try CLI.run(["scan", scratch.path, "--fail-on", "unverified"]).status == 1)
    }

    /// Two and three secrets on one line: each finding's context masks the others, in every
    /// format (it showed them in full: in SARIF snippets uploaded to GitHub, even under CI=true).
    @Test func everySecretOnALineStaysRedactedInEveryFormat() throws {
        let second = LedgerLifecycleTests.githubToken(seed: 41)
        let awsID = "AKIA" + "LINGERFAKE234567"
        let awsSecret = "wJalrXUtnFEMI7K7MDENGbPxRfiCYLINGERFAKE9"
        let lines = [
            "export AWS_ACCESS_KEY_ID=\(awsID) AWS_SECRET_ACCESS_KEY=\(awsSecret)",
            "TOKENS=\(fakeToken),\(second) # and \(awsID)",
        ]
        let scratch = try Scratch()
        try scratch.write("deploy.env", Data((lines.joined(separator: "\n") + "\n").utf8))
        for format in ["text", "json", "jsonl", "sarif", "junit", "csv"] {
            let run = try CLI.run(
                ["scan", scratch.path, "--format", format, "--show-secrets"], environment: ["CI": "true"])
            #expect(run.status == 1, "\(format): \(run.stderr)")
            for secret in [fakeToken, second, awsID, awsSecret] {
                #expect(!run.stdout.contains(secret), "\(format) shows \(secret.prefix(6))… in full")
            }
            #expect(run.stdout.contains("ghp_"), "\(format): \(run.stdout.prefix(300))")
        }
        // Outside CI, --show-secrets shows each finding's own secret, still not its neighbours'.
        let local = try CLI.run(["scan", scratch.path, "--format", "json", "--show-secrets"])
        let findings = try #require(try CLI.json(local.stdout)["findings"] as? [[String: Any]])
        #expect(findings.count >= 4)
        for finding in findings {
            let own = try #require(finding["secret"] as? String)
            let context = try #require(finding["context"] as? String)
            for secret in [fakeToken, second, awsID, awsSecret] where secret != own {
                #expect(!context.contains(secret), "context of \(finding["rule"] ?? "") shows another secret")
            }
        }
    }

    /// A token that stays in a changing file for 50 commits is one secret with 50 places, first
    /// seen in the commit that introduced it; `--ungrouped` gives the 50 findings.
    @Test func aSecretIsOneFindingWithEveryPlaceItLives() throws {
        let repo = try repository()
        var introducing = ""
        for number in 1...50 {
            try repo.write("deploy.env", Data("TOKEN=\(fakeToken)\nBUILD=\(number)\n".utf8))
            try sh(["git", "add", "-A"], in: repo.path)
            try sh(["git", "commit", "-q", "-m", "build \(number)"], in: repo.path)
            if number == 1 {
                introducing = try sh(["git", "rev-parse", "HEAD"], in: repo.path).stdout.trimmingCharacters(
                    in: .whitespacesAndNewlines)
            }
        }
        let grouped = try CLI.run(["scan", "--git", repo.path, "--format", "json"])
        #expect(grouped.status == 1)
        let document = try CLI.json(grouped.stdout)
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding["occurrence_count"] as? Int == 50)
        #expect((finding["occurrences"] as? [[String: Any]])?.count == 50)
        #expect(((finding["git"] as? [String: Any])?["commit"] as? [String: Any])?["id"] as? String == introducing)
        #expect((finding["occurrences"] as? [[String: Any]])?.first?["commit"] as? String == introducing)
        #expect((finding["first_seen"] as? [String: Any])?["commit"] as? String == introducing)
        let ungrouped = try CLI.run(["scan", "--git", repo.path, "--format", "json", "--ungrouped"])
        #expect((try CLI.json(ungrouped.stdout)["findings"] as? [[String: Any]])?.count == 50)
        let sarif = try CLI.json(try CLI.run(["scan", "--git", repo.path, "--format", "sarif"]).stdout)
        let results = try #require((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])
        #expect(results.count == 1)
        #expect((results.first?["relatedLocations"] as? [[String: Any]])?.count == 49)
        let text = try CLI.run(["scan", "--git", repo.path]).stdout
        #expect(text.contains("found in 50 places; also deploy.env:1 ("))
        #expect(text.contains("and 44 more (JSON lists them)"))
    }

    @Test func ciKeepsSecretsRedacted() throws {
        let scratch = try Scratch()
        try scratch.write("t.env", Data("T=\(fakeToken)\n".utf8))
        let local = try CLI.run(["scan", scratch.path, "--show-secrets"], environment: ["CI": "false"])
        #expect(local.stdout.contains(fakeToken))
        let ci = try CLI.run(["scan", scratch.path, "--show-secrets"], environment: ["CI": "true"])
        #expect(!ci.stdout.contains(fakeToken))
        #expect(ci.stderr.contains("--show-secrets ignored"))
    }

    @Test func junitAndCSVReports() throws {
        let scratch = try Scratch()
        try scratch.write("a b.env", Data("T=\(fakeToken)\n".utf8))
        let junit = try CLI.run(["scan", scratch.path, "--format", "junit"])
        #expect(junit.status == 1)
        #expect(
            junit.stdout.hasPrefix(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"linger\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\">"
            ))
        #expect(junit.stdout.contains("<testcase classname=\"a b.env\" name=\"github-pat at a b.env:1:3\">"))
        #expect(!junit.stdout.contains(fakeToken))
        try scratch.write("report.xml", Data(junit.stdout.utf8))
        let wellFormed = try sh(
            ["python3", "-c", "import xml.dom.minidom; xml.dom.minidom.parse('report.xml')"], in: scratch.path)
        #expect(wellFormed.status == 0, "JUnit XML is not well-formed: \(wellFormed.stderr)")
        let csv = try CLI.run(["scan", scratch.path, "--format", "csv"])
        let lines = csv.stdout.components(separatedBy: "\r\n")
        #expect(
            lines[0]
                == "rule,rule_name,confidence,path,line,column,end_line,end_column,secret,fingerprint,verdict,commit,author,date"
        )
        #expect(lines[1].hasPrefix("github-pat,GitHub personal access token (classic),high,a b.env,1,3,1,43,ghp_***,"))
        #expect(lines[1].hasSuffix(",unverified,,,"))
        let clean = try Scratch()
        let none = try CLI.run(["scan", clean.path, "--format", "junit"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("<testcase classname=\"linger\" name=\"no secrets found in 0 files\"/>"))
    }
}
