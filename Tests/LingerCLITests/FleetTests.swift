import Foundation
import LingerTestSupport
import Testing

/// `linger sweep` and a shared PostgreSQL ledger, through the binary: many processes on many
/// shards, a process killed mid-write, a server restarted mid-sweep, organisation status.
@Suite(.serialized) struct FleetTests {
    /// A folder of `count` repositories with two commits each: a secret of its own in the first
    /// (beside one every repository shares: an organisation-wide leaked token) and another of its
    /// own in the second; and a manifest giving each an owner and one of three teams.
    final class Fleet {
        let scratch: Scratch
        let count: Int
        var manifest: String { scratch.path + "/manifest.tsv" }
        static let shared = LedgerLifecycleTests.githubToken(seed: 4_242)
        /// Distinct secrets: two per repository and the shared one.
        var secrets: Int { 2 * count + 1 }
        /// Places: three per repository.
        var places: Int { 3 * count }

        init(count: Int) throws {
            scratch = try Scratch()
            self.count = count
            var lines = ["# path\towner\tteam"]
            for index in 0..<count {
                let name = String(format: "repo%02d", index)
                let path = scratch.path + "/repos/" + name
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                try sh(["git", "init", "-q", "-b", "main"], in: path)
                let own = LedgerLifecycleTests.githubToken(seed: 10_000 + UInt64(index))
                let later = LedgerLifecycleTests.githubToken(seed: 20_000 + UInt64(index))
                try scratch.write("repos/\(name)/config/app.env", Data("GITHUB_TOKEN=\(own)\nCI_TOKEN=\(Self.shared)\n".utf8))
                try sh(["git", "add", "-A"], in: path)
                try sh(["git", "commit", "-q", "-m", "settings"], in: path)
                try scratch.write("repos/\(name)/deploy/.env", Data("DEPLOY_TOKEN=\(later)\n".utf8))
                try sh(["git", "add", "-A"], in: path)
                try sh(["git", "commit", "-q", "-m", "deploy"], in: path)
                lines.append("repos/\(name)\towner\(index % 5)@example.invalid\tteam-\(index % 3)")
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        }
    }

    /// Starts `linger` without waiting; its output goes to files.
    static func start(_ arguments: [String], environment extra: [String: String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LINGER_NO_VERIFY"] = "1"
        environment["CI"] = nil
        environment["LINGER_CACHE_DIR"] = NSTemporaryDirectory() + "linger-cli-test-cache"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// What `linger status --format json` says of a ledger.
    static func status(_ url: String, _ server: PostgresTestServer.Server) throws -> [String: Any] {
        let run = try CLI.run(["status", "--ledger-url", url, "--format", "json"], environment: server.environment)
        #expect(run.status == 0, "\(run.stderr)")
        return try CLI.json(run.stdout)
    }

    static func placeCount(_ url: String, _ server: PostgresTestServer.Server) -> Int {
        let (_, output) = PostgresTestServer.run(
            ["psql", url, "-tAc", "SELECT count(*) FROM occurrence"], environment: server.environment)
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// 8 processes — two per shard of 4 — sweep 40 repositories into one PostgreSQL ledger at
    /// once: every secret recorded once, every place kept, figures per repository, owner and team.
    @Test func eightProcessesOnFourShardsRecordEverySecretOnce() throws {
        let fleet = try Fleet(count: 40)
        let (url, server) = try PostgresTestServer.freshDatabase()
        var processes: [(Process, String)] = []
        for shard in 0..<4 {
            for copy in 0..<2 {
                let log = fleet.scratch.path + "/sweep-\(shard)-\(copy).log"
                processes.append(
                    (
                        try Self.start(
                            [
                                "sweep", "--manifest", fleet.manifest, "--shard", "\(shard)/4", "--ledger-url", url,
                                "--parallel", "2", "--force",
                            ], environment: server.environment, log: log), log
                    ))
            }
        }
        for (process, log) in processes {
            process.waitUntilExit()
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(process.terminationStatus == 0, "\(output)")
        }
        let status = try Self.status(url, server)
        #expect((status["secrets"] as? [[String: Any]])?.count == fleet.secrets)
        #expect(Self.placeCount(url, server) == fleet.places)
        let byRepository = try #require(status["by_repository"] as? [[String: Any]])
        #expect(byRepository.count == 40)
        #expect(byRepository.allSatisfy { $0["secrets"] as? Int == 3 })
        let byOwner = try #require(status["by_owner"] as? [[String: Any]])
        #expect(byOwner.map { $0["name"] as? String } == (0..<5).map { "owner\($0)@example.invalid" })
        #expect(byOwner.allSatisfy { $0["repositories"] as? Int == 8 })
        let byTeam = try #require(status["by_team"] as? [[String: Any]])
        #expect(byTeam.count == 3)
        // Which machine swept what is recorded: the shards all appear.
        let (_, machines) = PostgresTestServer.run(
            ["psql", url, "-tAc", "SELECT DISTINCT machine FROM swept_repository ORDER BY 1"],
            environment: server.environment)
        for shard in 0..<4 { #expect(machines.contains("shard \(shard)/4")) }
        // Text and HTML status show the same breakdowns.
        let text = try CLI.run(["status", "--ledger-url", url], environment: server.environment)
        #expect(text.stdout.contains("By repository:") && text.stdout.contains("By owner:") && text.stdout.contains("By team:"))
    }

    /// A sweep killed with SIGKILL in the middle of its writes leaves a consistent ledger (every
    /// batch all or nothing), and running it again completes it; then nothing has changed, so a
    /// third run skips every repository.
    @Test func aKilledSweepIsCompletedByTheNextRun() throws {
        let fleet = try Fleet(count: 12)
        let (url, server) = try PostgresTestServer.freshDatabase()
        let arguments = ["sweep", "--manifest", fleet.manifest, "--ledger-url", url, "--parallel", "1"]
        let process = try Self.start(arguments, environment: server.environment, log: fleet.scratch.path + "/killed.log")
        // Kill it once it has recorded something, and before it has recorded everything.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Self.placeCount(url, server) < 3 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = Self.placeCount(url, server)
        #expect(partial >= 0 && partial <= fleet.places)
        // Consistent: every secret has its discovery logged and at least one place.
        let (_, orphans) = PostgresTestServer.run(
            [
                "psql", url, "-tAc",
                "SELECT count(*) FROM secret s WHERE NOT EXISTS (SELECT 1 FROM occurrence o WHERE o.fingerprint = s.fingerprint) OR NOT EXISTS (SELECT 1 FROM state_change c WHERE c.fingerprint = s.fingerprint AND c.reason = 'discovered')",
            ], environment: server.environment)
        #expect(orphans.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        let rerun = try CLI.run(arguments + ["--format", "json"], environment: server.environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Self.placeCount(url, server) == fleet.places)
        #expect((try Self.status(url, server)["secrets"] as? [[String: Any]])?.count == fleet.secrets)
        let third = try CLI.json(try CLI.run(arguments + ["--format", "json"], environment: server.environment).stdout)
        #expect(third["unchanged"] as? Int == 12)
        #expect(third["swept"] as? Int == 0)
    }

    /// The server restarts while sweeps are writing: each sweep either completes (it reconnected)
    /// or fails with exit 2 and says the ledger was unavailable — never exit 0 with a partial
    /// ledger. A rerun completes whatever is missing.
    @Test func aServerRestartDuringASweepIsRetriedOrReported() throws {
        let fleet = try Fleet(count: 16)
        let (url, server) = try PostgresTestServer.dedicated()
        defer { PostgresTestServer.stop(server) }
        let arguments = ["sweep", "--manifest", fleet.manifest, "--ledger-url", url, "--parallel", "2"]
        let log = fleet.scratch.path + "/restart.log"
        let process = try Self.start(arguments, environment: server.environment, log: log)
        while process.isRunning && Self.placeCount(url, server) < 3 { Thread.sleep(forTimeInterval: 0.02) }
        PostgresTestServer.run([server.control, "restart", "-m", "fast"], environment: [:])
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        if process.terminationStatus == 0 {
            #expect(Self.placeCount(url, server) == fleet.places, "exit 0 with a partial ledger: \(output)")
        } else {
            #expect(process.terminationStatus == 2, "\(output)")
            #expect(output.contains("ledger"), "\(output)")
        }
        let rerun = try CLI.run(arguments, environment: server.environment)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(Self.placeCount(url, server) == fleet.places)
    }

    /// Every repository under a folder, into an SQLite ledger; unchanged ones skipped next time,
    /// a repository with a new commit swept again.
    @Test func aFolderSweepIntoSQLiteResumesWhereRefsChanged() throws {
        let fleet = try Fleet(count: 4)
        let ledger = fleet.scratch.path + "/fleet.sqlite"
        let first = try CLI.run([
            "sweep", "--under", fleet.scratch.path + "/repos", "--ledger-path", ledger, "--format", "json",
        ])
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try CLI.json(first.stdout)
        #expect(summary["swept"] as? Int == 4)
        #expect(summary["new_secrets"] as? Int == fleet.secrets)
        let repo = fleet.scratch.path + "/repos/repo02"
        try fleet.scratch.write("repos/repo02/more.env", Data("X=\(LedgerLifecycleTests.githubToken(seed: 99_999))\n".utf8))
        try sh(["git", "add", "-A"], in: repo)
        try sh(["git", "commit", "-q", "-m", "more"], in: repo)
        let second = try CLI.json(
            try CLI.run(["sweep", "--under", fleet.scratch.path + "/repos", "--ledger-path", ledger, "--format", "json"])
                .stdout)
        #expect(second["swept"] as? Int == 1)
        #expect(second["unchanged"] as? Int == 3)
        #expect(second["new_secrets"] as? Int == 1)
        let status = try CLI.json(try CLI.run(["status", "--ledger-path", ledger, "--format", "json"]).stdout)
        #expect((status["by_repository"] as? [[String: Any]])?.count == 4)
    }

    /// Shards split a list exactly: every line in one shard, none in two, the same on every
    /// machine whatever order the lines are in; `--list` prints a shard for a CI job to clone.
    @Test func shardsPartitionTheListWhateverItsOrder() throws {
        let scratch = try Scratch()
        let entries = (0..<60).map { "https://git.example.invalid/org/service-\($0).git\towner\($0 % 4)\tteam" }
        try scratch.write("a.tsv", Data((entries.joined(separator: "\n") + "\n").utf8))
        try scratch.write("b.tsv", Data((entries.reversed().joined(separator: "\n") + "\n").utf8))
        var seen: [String] = []
        for shard in 0..<3 {
            let forward = try CLI.run(["sweep", "--manifest", scratch.path + "/a.tsv", "--shard", "\(shard)/3", "--list"])
            let backward = try CLI.run(["sweep", "--manifest", scratch.path + "/b.tsv", "--shard", "\(shard)/3", "--list"])
            #expect(forward.status == 0, "\(forward.stderr)")
            let lines = forward.stdout.split(separator: "\n").map(String.init)
            #expect(Set(lines) == Set(backward.stdout.split(separator: "\n").map(String.init)))
            #expect(!lines.isEmpty)
            seen += lines
        }
        #expect(seen.sorted() == entries.sorted())
    }

    /// The ready examples: the Actions matrix validates against GitHub's workflow schema, the
    /// Kubernetes Job parses and is an Indexed Job whose pods each take one shard.
    @Test func fleetExamplesAreValid() throws {
        let workflow = try sh(
            ["check-jsonschema", "--builtin-schema", "vendor.github-workflows", ".ci/fleet/sweep-matrix.yml"],
            in: CLI.packageRoot)
        #expect(workflow.status == 0, "\(workflow.stdout)\(workflow.stderr)")
        let job = try sh(
            [
                "python3", "-c",
                "import json,sys,yaml; d=yaml.safe_load(open('.ci/fleet/linger-sweep-job.yaml')); s=d['spec']; "
                    + "a=s['template']['spec']['containers'][0]['args']; "
                    + "assert d['kind']=='Job' and s['completionMode']=='Indexed' and s['completions']==4, s; "
                    + "assert '$(SHARD)/4' in a and 'sweep' in a, a; print('ok')",
            ], in: CLI.packageRoot)
        #expect(job.stdout.contains("ok"), "\(job.stdout)\(job.stderr)")
    }

    /// The ledger's server goes away for good: the sweep stops reading repositories once the retry
    /// window is spent, says which were not swept, and exits 2 — promptly, not once per repository.
    @Test func aSweepStopsWhenTheLedgerStaysAway() throws {
        let fleet = try Fleet(count: 10)
        let (url, server) = try PostgresTestServer.dedicated()
        defer { PostgresTestServer.stop(server) }
        var environment = server.environment
        environment["LINGER_LEDGER_RETRY_SECONDS"] = "2"
        let log = fleet.scratch.path + "/down.log"
        let started = Date()
        let process = try Self.start(
            ["sweep", "--manifest", fleet.manifest, "--ledger-url", url, "--parallel", "1"], environment: environment,
            log: log)
        while process.isRunning && Self.placeCount(url, server) < 3 { Thread.sleep(forTimeInterval: 0.02) }
        PostgresTestServer.run([server.control, "stop", "-m", "immediate"], environment: [:])
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 2, "\(output)")
        #expect(output.contains("not swept"), "\(output)")
        #expect(Date().timeIntervalSince(started) < 40, "\(output)")
    }

    /// A manifest that moves a repository to another owner or team is followed even when the
    /// repository has not changed; an empty list or a mistyped folder is an error, not a clean sweep.
    @Test func ownersFollowTheManifestAndNothingToSweepIsAnError() throws {
        let fleet = try Fleet(count: 2)
        let ledger = fleet.scratch.path + "/o.sqlite"
        #expect(try CLI.run(["sweep", "--manifest", fleet.manifest, "--ledger-path", ledger]).status == 0)
        let moved = try String(contentsOfFile: fleet.manifest, encoding: .utf8)
            .replacingOccurrences(of: "owner0@example.invalid", with: "new-owner@example.invalid")
        try moved.write(toFile: fleet.manifest, atomically: true, encoding: .utf8)
        let again = try CLI.json(
            try CLI.run(["sweep", "--manifest", fleet.manifest, "--ledger-path", ledger, "--format", "json"]).stdout)
        #expect(again["unchanged"] as? Int == 2)
        let status = try CLI.json(try CLI.run(["status", "--ledger-path", ledger, "--format", "json"]).stdout)
        let owners = (status["by_owner"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(owners.contains("new-owner@example.invalid") && !owners.contains("owner0@example.invalid"), "\(owners)")
        let nowhere = try CLI.run(["sweep", "--under", fleet.scratch.path + "/no-such-folder", "--ledger-path", ledger])
        #expect(nowhere.status == 2)
        #expect(nowhere.stderr.contains("no git repositories under"))
        // And a PostgreSQL database with no ledger is no ledger: status and recheck refuse it.
        let (url, server) = try PostgresTestServer.freshDatabase()
        for verb in ["status", "recheck"] {
            let refused = try CLI.run([verb, "--ledger-url", url], environment: server.environment)
            #expect(refused.status == 2, "\(verb): \(refused.stdout)")
            #expect(refused.stderr.contains("holds no Linger ledger"), "\(refused.stderr)")
        }
    }

    @Test func sweepRefusesBadShardsAndPasswordsOnTheCommandLine() throws {
        let bad = try CLI.run(["sweep", "--under", ".", "--shard", "4/4"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("0 <= I < N"))
        let password = try CLI.run(["status", "--ledger-url", "postgresql://u:secret@127.0.0.1/db"])
        #expect(password.status == 2)
        #expect(password.stderr.contains("PGPASSWORD"))
        #expect(!password.stderr.contains("secret@"))
    }
}
