import Foundation
import Synchronization
import Testing

/// Runs the built `linger` binary end to end, as a user or a pipeline would.
struct LingerRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The `linger` binary next to the test bundle (SwiftPM's products folder).
    static let binary: String = {
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("linger").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return packageRoot + "/.build/debug/linger"
    }()

    static func run(
        _ arguments: [String], stdin: Data? = nil, environment extra: [String: String] = [:],
        in directory: String? = nil
    ) throws -> LingerRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LINGER_CACHE_DIR"] = NSTemporaryDirectory() + "linger-cli-test-cache"
        // CI runners set CI=true, which redacts secrets: tests that want it say so.
        environment["CI"] = nil
        // No live checks against real providers from the tests (the verification tests use a loopback server).
        environment["LINGER_NO_VERIFY"] = "1"
        // The user's own configuration stays out of the tests: the tests name theirs.
        environment["XDG_CONFIG_HOME"] = NSTemporaryDirectory() + "linger-cli-test-no-user-config"
        environment["LINGER_CONFIG"] = nil
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, so a large report never blocks the child.
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return LingerRun(
            status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

final class Scratch {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "linger-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    func write(_ name: String, _ data: Data) throws {
        let full = path + "/" + name
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
    }
}

@Suite(.serialized) struct CLITests {
    /// Every planted sample, and nothing else: (rule, path, line).
    static let expectedSamples: [[String]] = [
        ["github-pat", "app/.env", "3"],
        ["stripe-secret-key", "app/.env", "4"],
        ["aws-access-key-id", "app/.env", "5"],
        ["aws-secret-access-key", "app/.env", "6"],
        ["url-embedded-password", "app/.env", "7"],
        ["slack-bot-token", "app/config.yaml", "3"],
        ["slack-webhook-url", "app/config.yaml", "4"],
        ["sendgrid-api-key", "app/config.yaml", "7"],
        ["google-api-key", "app/firebase.js", "3"],
        ["generic-password", "app/settings.py", "7"],
        ["openai-api-key", "app/settings.py", "11"],
        ["anthropic-api-key", "app/settings.py", "12"],
        ["jwt", "auth/mobile-debug.txt", "2"],
        ["jwt", "auth/session.http", "3"],
        ["slack-bot-token", "deploy/notifier-secret.yaml", "9"],
        ["generic-password", "deploy/notifier-secret.yaml", "11"],
        ["private-key-ec", "keys/deploy_key.pem", "1"],
        ["gcp-service-account-json", "keys/service-account.json", "4"],
        ["private-key-pkcs8", "keys/service-account.json", "5"],
    ]

    @Test func scanSamplesReportsEveryPlantedSecretAndNothingElse() throws {
        let run = try CLI.run(["scan", "Samples", "--format", "json"], in: CLI.packageRoot)
        // The weak-key JWT is live: exit 3.
        #expect(run.status == 3)
        let findings = try #require(try CLI.json(run.stdout)["findings"] as? [[String: Any]])
        let got = findings.map {
            [$0["rule"] as? String ?? "", $0["path"] as? String ?? "", String($0["line"] as? Int ?? 0)]
        }
        // In a git checkout, paths are from the repository's top; from a plain folder, from it.
        let inCheckout = FileManager.default.fileExists(atPath: CLI.packageRoot + "/.git")
        #expect(got == Self.expectedSamples.map { [$0[0], (inCheckout ? "Samples/" : "") + $0[1], $0[2]] })
        #expect(findings.allSatisfy { ($0["secret"] as? String)?.hasSuffix("***") == true })
    }

    @Test func textOutputSummarisesAndHasNoColourWhenPiped() throws {
        let run = try CLI.run(["scan", "Samples"], in: CLI.packageRoot)
        #expect(run.status == 3)
        #expect(run.stdout.contains("19 secrets found (14 high, 3 medium, 2 low) in 9 files; scanned 14 files"))
        #expect(run.stdout.contains("weak-hmac-key [critical] signed with a guessable key"))
        #expect(
            run.stdout.contains(
                "untrusted-issuer [high] issuer `https://idp-staging.linger.invalid` not trusted by billing-api"))
        #expect(!run.stdout.contains("\u{1B}["))
    }

    /// `scan` is parsed on its own (the hook's fast path), but help and errors still come from the
    /// root: the same usage line, the same exit code 2 for a usage error, the same result.
    @Test func scanParsedAloneKeepsTheRootsHelpErrorsAndResults() throws {
        let help = try CLI.run(["scan", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: linger scan"))
        let unknown = try CLI.run(["scan", "--no-such-flag"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--no-such-flag"))
        #expect(unknown.stderr.contains("linger scan"))
        let badValue = try CLI.run(["scan", "--format", "nonsense", "-"], stdin: Data())
        #expect(badValue.status == 2)
        let token = "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"
        let found = try CLI.run(["scan", "-", "--format", "jsonl"], stdin: Data("T=\(token)\n".utf8))
        #expect(found.status == 1)
        #expect(found.stdout.contains("github"))
    }

    @Test func standardInputIsScanned() throws {
        let token = "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"
        let run = try CLI.run(
            ["scan", "-", "--format", "jsonl", "--show-secrets"], stdin: Data("x\nexport T=\(token)\n".utf8))
        #expect(run.status == 1)
        let object = try CLI.json(run.stdout.trimmingCharacters(in: .newlines))
        #expect(object["path"] as? String == "<stdin>")
        #expect(object["line"] as? Int == 2)
        #expect(object["secret"] as? String == token)
    }

    @Test func lingerignoreSuppressesAndReportsUnusedEntries() throws {
        let scratch = try Scratch()
        try scratch.write("app.env", Data("T=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\n".utf8))
        try scratch.write("fixtures/keys.env", Data("T=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\n".utf8))
        let first = try CLI.json(try CLI.run(["scan", scratch.path, "--format", "json"]).stdout)
        let fingerprint = try #require((first["findings"] as? [[String: Any]])?.first?["fingerprint"] as? String)
        try scratch.write(".lingerignore", Data("path fixtures/\npath vendor/**  # nothing here\n".utf8))
        var run = try CLI.run(["scan", scratch.path, "--report-unused-ignores"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("1 secret found"))
        #expect(run.stdout.contains("Suppressed: 1 finding (.lingerignore, allow list); 1 entry matched nothing:"))
        #expect(run.stderr.contains(".lingerignore:2: `path vendor/**` matched nothing"))
        try scratch.write(
            ".lingerignore", Data("path fixtures/\n\(fingerprint.prefix(16))  until 2026-12-31  # accepted\n".utf8))
        run = try CLI.run(["scan", scratch.path, "--now", "2026-12-01"])
        #expect(run.status == 0)
        run = try CLI.run(["scan", scratch.path, "--now", "2027-01-02"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("expired; it no longer applies"))
    }

    @Test func cleanInputExitsZero() throws {
        let scratch = try Scratch()
        try scratch.write("readme.txt", Data("nothing secret here\n".utf8))
        let run = try CLI.run(["scan", scratch.path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("No secrets found; scanned 1 file, 20 B"))
    }

    @Test func binaryAndBrokenUTF8InputsAreHandled() throws {
        let scratch = try Scratch()
        let token = "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"
        try scratch.write("image.png", Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x00] + Array(token.utf8)))
        try scratch.write("latin1.txt", Data([0x63, 0x6C, 0xE9, 0x3D, 0xFF, 0x0A] + Array("token=\(token)\n".utf8)))
        let run = try CLI.run(["scan", scratch.path, "--format", "json"])
        #expect(run.status == 1)
        let document = try CLI.json(run.stdout)
        let findings = try #require(document["findings"] as? [[String: Any]])
        #expect(findings.map { $0["path"] as? String } == ["latin1.txt"])
        #expect(findings.first?["line"] as? Int == 2)
        let skipped = try #require(document["skipped"] as? [[String: Any]])
        #expect(skipped.map { $0["path"] as? String } == ["image.png"])
        #expect(skipped.map { $0["reason"] as? String } == ["binary"])
    }

    @Test func brokenRuleFileIsAnErrorNamingFileAndRule() throws {
        let scratch = try Scratch()
        try scratch.write(
            "rules/bad.yml",
            Data(
                """
                rules:
                  - id: broken-rule
                    name: Broken
                    pattern: 'abc('
                    confidence: high
                    tags: [NHI2]
                    examples: [{input: abc, secret: abc}]
                    negative_examples: [x, y]
                """.utf8))
        let run = try CLI.run(["scan", "--rules", scratch.path + "/rules", scratch.path])
        #expect(run.status == 2)
        #expect(
            run.stderr
                == "linger: error: \(scratch.path)/rules/bad.yml: rule \"broken-rule\": pattern does not compile at offset 4: missing closing parenthesis\n"
        )
    }

    /// A pattern PCRE2 compiles but vectorscan cannot prefilter (`\K`) is an error naming the
    /// file and the rule, whether rule files add to the built-ins or replace them, and for
    /// `rules check` and `rules list`: the check is made when the database is compiled, not while
    /// parsing (the same words either way).
    @Test func aPatternVectorscanCannotPrefilterIsAnErrorNamingFileAndRule() throws {
        let scratch = try Scratch()
        try scratch.write(
            "rules/kept.yml",
            Data(
                """
                rules:
                  - id: kept-token
                    name: Kept token
                    pattern: 'token=\\K([A-Za-z0-9]{20})'
                    confidence: high
                    tags: [NHI2]
                    examples: [{input: 'token=Ab3dEf5hIj7lMn9pQr1t', secret: Ab3dEf5hIj7lMn9pQr1t}]
                    negative_examples: [token=short, nothing]
                """.utf8))
        try scratch.write("src/a.txt", Data("token=Ab3dEf5hIj7lMn9pQr1t\n".utf8))
        let expected =
            "linger: error: \(scratch.path)/rules/kept.yml: rule \"kept-token\": pattern cannot be prefiltered by vectorscan: "
        for arguments in [
            ["scan", "--rules", scratch.path + "/rules", scratch.path + "/src", "--no-verify"],
            ["scan", "--only-rules", scratch.path + "/rules", scratch.path + "/src", "--no-verify"],
            ["scan", "--only-rules", scratch.path + "/rules", scratch.path + "/src", "--no-cache"],
            ["rules", "check", "--only-rules", scratch.path + "/rules"],
            ["rules", "list", "--rules", scratch.path + "/rules"],
        ] {
            let run = try CLI.run(arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stdout.isEmpty, "\(arguments)")
            #expect(run.stderr.hasPrefix(expected), "\(arguments): \(run.stderr)")
            #expect(run.stderr.hasSuffix("; simplify the construct it names\n"), "\(arguments): \(run.stderr)")
        }
    }

    /// Inside a repository a subfolder's findings are named from the repository's top (what
    /// GitHub code scanning maps), the top's `.linger.yml` and `.lingerignore` apply with their
    /// globs relative to the top, and a plain folder keeps folder-relative paths.
    @Test func pathsAndSettingsComeFromTheRepositoryTop() throws {
        let repo = try Scratch()
        _ = try sh(["git", "init", "-q", "-b", "main"], in: repo.path)
        try repo.write("svc/deploy.env", Data("T=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\n".utf8))
        try repo.write("svc/vendored/old.env", Data("password = \"Kq7#vR2m!xT9\"\n".utf8))
        try repo.write(".lingerignore", Data("path svc/vendored/** # vendored copy\n".utf8))
        try repo.write(
            ".linger.yml", Data("allow:\n  - paths: ['svc/deploy.env']\n    rules: [github-pat]\n    reason: fixture\n".utf8))
        let sarif = try CLI.run(["scan", "svc", "-f", "sarif"], in: repo.path)
        #expect(sarif.status == 0, "\(sarif.stdout)\(sarif.stderr)")
        #expect(!sarif.stdout.contains("\"uri\" : \"deploy.env\""))
        // Without the top's settings both would be reported; from svc's own point of view the
        // paths are svc/…
        try FileManager.default.removeItem(atPath: repo.path + "/.linger.yml")
        try FileManager.default.removeItem(atPath: repo.path + "/.lingerignore")
        let bare = try CLI.run(["scan", "svc", "-f", "json"], in: repo.path)
        let paths = try #require(try CLI.json(bare.stdout)["findings"] as? [[String: Any]]).compactMap {
            $0["path"] as? String
        }
        #expect(paths.sorted() == ["svc/deploy.env", "svc/vendored/old.env"])
        let single = try CLI.run(["scan", "svc/deploy.env", "-f", "sarif"], in: repo.path)
        #expect(single.stdout.contains("\"uri\" : \"svc/deploy.env\""))
        // A folder outside any repository keeps its own relative paths.
        let plain = try Scratch()
        try plain.write("svc/deploy.env", Data("T=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\n".utf8))
        let outside = try CLI.run(["scan", plain.path + "/svc", "-f", "json"])
        #expect(
            (try CLI.json(outside.stdout)["findings"] as? [[String: Any]])?.first?["path"] as? String == "deploy.env")
    }

    @Test func missingPathAndBadOptionsExitTwo() throws {
        let missing = try CLI.run(["scan", "/nonexistent/linger-path"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "linger: error: /nonexistent/linger-path: no such file or directory\n")
        let badFormat = try CLI.run(["scan", "--format", "xml", "."])
        #expect(badFormat.status == 2)
        // Every usage error exits 2, as README says: a misspelt value, a bad number, an unknown flag.
        for arguments in [
            ["scan", "--format", "sarf", "."], ["scan", "--jobs", "0", "."], ["scan", "--no-such-flag"],
            ["status", "--format", "pdf"], ["no-such-command"],
        ] {
            let run = try CLI.run(arguments)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            #expect(!run.stderr.isEmpty)
        }
        #expect(try CLI.run(["--help"]).status == 0)
    }

    /// Standard input larger than --max-file-size is not scanned, and the scan says so and
    /// exits 2 (it exited 0: nothing scanned read as nothing found); it is not held in memory.
    @Test func standardInputOverTheLimitFailsClosed() throws {
        let big = Data(repeating: UInt8(ascii: "a"), count: 3 << 20)
        let over = try CLI.run(["scan", "-", "--max-file-size", "1M"], stdin: big)
        #expect(over.status == 2, "\(over.stdout)\(over.stderr)")
        #expect(over.stdout.contains("input-too-large"))
        let within = try CLI.run(["scan", "-"], stdin: Data("T=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\n".utf8))
        #expect(within.status == 1)
    }

    @Test func numbersNoClockOrDiskHoldsAreUsageErrors() throws {
        for arguments in [
            ["scan", "--now", "inf", "."], ["scan", "--now", "nan", "."], ["scan", "--now", "1e300", "."],
            ["scan", "--max-file-size", "99999999999999G", "."],
        ] {
            let run = try CLI.run(arguments)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
        }
    }

    @Test func outputFileIsWrittenOwnerOnly() throws {
        let scratch = try Scratch()
        let report = scratch.path + "/report.sarif"
        let run = try CLI.run(["scan", "Samples", "--format", "sarif", "--output", report], in: CLI.packageRoot)
        #expect(run.status == 3)
        #expect(run.stdout.isEmpty)
        let attributes = try FileManager.default.attributesOfItem(atPath: report)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let log = try CLI.json(try String(contentsOfFile: report, encoding: .utf8))
        #expect(log["version"] as? String == "2.1.0")
    }

    /// A report to something that is not a regular file is written into it: renaming a file over
    /// `/dev/null` (run as root) had replaced the device with a regular file.
    @Test func outputToAPipeOrDeviceIsWrittenInPlace() throws {
        let scratch = try Scratch()
        let fifo = scratch.path + "/report.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = Mutex(Data())
        let reader = Thread {
            let data = FileHandle(forReadingAtPath: fifo)?.readDataToEndOfFile() ?? Data()
            received.withLock { $0 = data }
        }
        reader.start()
        let run = try CLI.run(["scan", "Samples", "--format", "json", "--output", fifo], in: CLI.packageRoot)
        #expect(run.status == 3, "\(run.stderr)")
        // Should linger not have written into the pipe, the reader waits on for ever: given up
        // after ten seconds (the thread ends with the test process).
        for _ in 0..<1_000 where !reader.isFinished { usleep(10_000) }
        #expect(reader.isFinished, "nothing was written into the pipe")
        guard reader.isFinished else { return }
        var info = stat()
        #expect(stat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        let report = try CLI.json(String(decoding: received.withLock { $0 }, as: UTF8.self))
        #expect(report["findings"] != nil)
        #expect(!FileManager.default.fileExists(atPath: fifo + ".linger-tmp"))
    }

    @Test func rulesCheckPassesAndListShowsEveryRule() throws {
        let check = try CLI.run(["rules", "check"])
        #expect(check.status == 0)
        #expect(check.stdout.hasSuffix("examples: all pass\n"))
        let list = try CLI.run(["rules", "list", "--format", "json"])
        #expect(list.status == 0)
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(entries.count >= 30)
        #expect(entries.contains { $0["id"] as? String == "github-pat" && $0["checksum"] as? String == "base62-crc32" })
    }

    @Test func onlyRulesReplacesTheBuiltIns() throws {
        let scratch = try Scratch()
        try scratch.write(
            "rules/demo.yml",
            Data(
                """
                rules:
                  - id: demo-token
                    name: Demo token
                    pattern: '(dmo_[a-z0-9]{12})'
                    confidence: medium
                    tags: [NHI2]
                    examples: [{input: 'k = dmo_k2j4h5g6f7q8', secret: dmo_k2j4h5g6f7q8}]
                    negative_examples: [dmo_short, nothing]
                """.utf8))
        try scratch.write(
            "src/a.txt", Data("k = dmo_k2j4h5g6f7q8\nGITHUB_TOKEN=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\n".utf8))
        let run = try CLI.run([
            "scan", "--only-rules", scratch.path + "/rules", scratch.path + "/src", "--format", "json",
        ])
        let findings = try #require(try CLI.json(run.stdout)["findings"] as? [[String: Any]])
        #expect(findings.map { $0["rule"] as? String } == ["demo-token"])
        let check = try CLI.run(["rules", "check", "--only-rules", scratch.path + "/rules"])
        #expect(check.stdout == "1 rules, 3 examples: all pass\n")
    }

    @Test func sampleHistorySweepFindsDeletedSideBranchAndTagOnlyTokens() throws {
        let scratch = try Scratch()
        let clone = try sh(
            [
                "git", "clone", "-q", "--mirror", CLI.packageRoot + "/Samples/leaky-history/leaky-history.bundle",
                scratch.path + "/leaky.git",
            ],
            in: scratch.path)
        #expect(clone.status == 0)
        let run = try CLI.run(["scan", "--git", scratch.path + "/leaky.git", "--format", "json"])
        #expect(run.status == 1)
        let findings = try #require(try CLI.json(run.stdout)["findings"] as? [[String: Any]])
        let summaries = findings.map {
            (($0["git"] as? [String: Any])?["commit"] as? [String: Any])?["summary"] as? String
        }
        #expect(findings.map { $0["path"] as? String } == [".env", ".npmrc", "deploy.yml"])
        #expect(summaries == ["Add local settings", "Try publishing from CI", "Release 1.0 deploy settings"])
        let workTree = try CLI.run(["scan", "--staged", scratch.path + "/leaky.git"])
        #expect(workTree.status == 2, "a bare repository has no index to scan: \(workTree.stderr)")
    }

    @Test func gitFlagsAreValidated() throws {
        let both = try CLI.run(["scan", "--git", "--staged", "."])
        #expect(both.status == 2)
        #expect(both.stderr.contains("choose one of --git, --since, --range and --staged"))
        let badRange = try CLI.run(["scan", "--range", "main", "."])
        #expect(badRange.stderr.contains("--range takes A..B"))
        let notRepo = try CLI.run(["scan", "--git", "/"])
        #expect(notRepo.status == 2)
        #expect(notRepo.stderr == "linger: error: /: not a git repository (or any of its parent folders)\n")
    }

    @Test func everyFlagInTheHelpIsDocumentedInTheREADME() throws {
        let readme = try String(contentsOfFile: CLI.packageRoot + "/README.md", encoding: .utf8)
        for command in [
            ["scan"], ["rules", "list"], ["rules", "check"], ["hook", "install"], ["notify"], ["recheck"],
            ["resolve"], ["status"], ["baseline"],
        ] {
            let help = try CLI.run(command + ["--help"])
            #expect(help.status == 0)
            // The option lines: "  -f, --format <format>  Report format…" or "  --show-secrets  Show…".
            let optionLines = help.stdout.split(separator: "\n").filter { $0.hasPrefix("  -") }
            let flags = Set(
                optionLines.flatMap { line in
                    line.split(separator: " ").prefix(3).map {
                        $0.trimmingCharacters(in: CharacterSet(charactersIn: ","))
                    }
                    .filter { $0.hasPrefix("--") && !["--help", "--version"].contains($0) }
                })
            #expect(!flags.isEmpty)
            for flag in flags.sorted() {
                #expect(
                    readme.contains(flag + " ") || readme.contains(flag + "`"),
                    "README does not document `\(command.joined(separator: " ")) \(flag)`")
            }
        }
    }

    /// Whether a file of mode 000 can be made unreadable to the scan: as root only by running it
    /// as `nobody` (setpriv, util-linux), which a user namespace, a missing capability or a
    /// toolchain `nobody` cannot read (the debug binary loads the Swift libraries from it) forbids.
    static let canRunAsAnotherUser: Bool = {
        guard geteuid() == 0 else { return true }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        probe.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary, "--version"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// A file over `--max-file-size` is a too-large skip (exit 0) even when it cannot be opened:
    /// the walk does not stat the files the listing names as regular, so the scan asks for the
    /// size once opening fails. Run as `nobody` when the tests run as root, which can open a file
    /// of mode 000. (On a file system whose listings do not name kinds, the walk stats every
    /// file and this passes without the fallback.)
    @Test(.enabled(if: canRunAsAnotherUser)) func aFileOverTheLimitThatCannotBeOpenedIsTooLargeNotUnreadable() throws {
        let scratch = try Scratch()
        try scratch.write("tree/big.txt", Data(repeating: UInt8(ascii: "a"), count: 100))
        try scratch.write("tree/small.txt", Data("small\n".utf8))
        // One rule: the built-in database would be compiled afresh for `nobody` (no cache).
        try scratch.write(
            "rules/one.yml",
            Data(
                """
                rules:
                  - id: demo-token
                    name: Demo token
                    pattern: '(dmo_[a-z0-9]{12})'
                    confidence: medium
                    tags: [NHI2]
                    examples: [{input: 'k = dmo_k2j4h5g6f7q8', secret: dmo_k2j4h5g6f7q8}]
                    negative_examples: [dmo_short]
                """.utf8))
        // Readable by `nobody` whatever the umask, but for the one file.
        let manager = FileManager.default
        for (path, mode) in [
            ("", 0o755), ("/tree", 0o755), ("/tree/small.txt", 0o644), ("/rules", 0o755),
            ("/rules/one.yml", 0o644), ("/tree/big.txt", 0o000),
        ] {
            try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: scratch.path + path)
        }
        func scan(limit: Int) throws -> (status: Int32, report: [String: Any]) {
            let process = Process()
            let arguments = [
                "scan", "tree", "--max-file-size", "\(limit)", "--only-rules", "rules", "--no-cache", "--no-verify",
                "--format", "json",
            ]
            if geteuid() == 0 {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", CLI.binary] + arguments
            } else {
                process.executableURL = URL(fileURLWithPath: CLI.binary)
                process.arguments = arguments
            }
            process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
            process.environment = [
                "PATH": "/usr/bin:/bin", "HOME": scratch.path, "XDG_CONFIG_HOME": scratch.path + "/none",
            ]
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let report = try #require(
                try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                "no JSON report (exit \(process.terminationStatus)): \(message)")
            return (process.terminationStatus, report)
        }
        func skips(_ report: [String: Any]) -> [String] {
            ((report["skipped"] as? [[String: Any]]) ?? []).map { "\($0["path"] ?? "") \($0["reason"] ?? "")" }
        }
        let over = try scan(limit: 10)
        #expect(skips(over.report) == ["big.txt too-large"])
        #expect(over.status == 0)
        // Under the limit the same file is what it is: unreadable, and the scan incomplete.
        let under = try scan(limit: 1000)
        #expect(skips(under.report) == ["big.txt unreadable"])
        #expect(under.status == 2)
    }

    @Test func aCopiedBinaryCarriesItsRules() throws {
        let scratch = try Scratch()
        let copy = scratch.path + "/linger"
        try FileManager.default.copyItem(atPath: CLI.binary, toPath: copy)
        try scratch.write("t.env", Data("GITHUB_TOKEN=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\n".utf8))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: copy)
        process.arguments = ["scan", "t.env", "--no-cache"]
        process.currentDirectoryURL = URL(fileURLWithPath: scratch.path)
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        try input.fileHandleForWriting.close()
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
    }
}
