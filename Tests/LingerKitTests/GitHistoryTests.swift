import Foundation
import Testing

@testable import LingerKit

/// A scratch git repository driven with the git command line (Linger itself reads it through libgit2).
final class TestRepository {
    let directory: TemporaryDirectory
    var path: String { directory.path }
    private var tick = 0

    init(bare: Bool = false) throws {
        directory = try TemporaryDirectory()
        try git(bare ? ["init", "-q", "--bare", "-b", "main"] : ["init", "-q", "-b", "main"])
        if !bare {
            try git(["config", "user.email", "dev@linger.invalid"])
            try git(["config", "user.name", "Dev One"])
        }
    }

    @discardableResult
    func git(_ arguments: [String], in directory: String? = nil) throws -> String {
        try run(["exec git \"$@\" </dev/null", "git"] + arguments, in: directory)
    }

    /// A shell pipeline in the repository (`sh -c command`).
    @discardableResult
    func shell(_ command: String) throws -> String { try run([command], in: nil) }

    private func run(_ shellArguments: [String], in directory: String?) throws -> String {
        let process = Process()
        // Standard input from /dev/null, opened by the shell in the child: Foundation's Process on
        // Linux can hand a child a descriptor another thread has just closed and reused, and under
        // the parallel suite git repack (whose pack-objects reads revisions from standard input)
        // read other tests' output that way.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c"] + shellArguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? path)
        tick += 1
        var environment = ProcessInfo.processInfo.environment
        // Fixed dates: commits, and so their ids, are the same every run.
        let date = "\(1_764_374_400 + tick * 60) +0000"
        environment["GIT_AUTHOR_DATE"] = date
        environment["GIT_COMMITTER_DATE"] = date
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["HOME"] = path

        process.environment = environment
        let out = Pipe()
        let errors = Pipe()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(
                .executableLoad,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "\(shellArguments.dropFirst().joined(separator: " ")) failed (\(process.terminationStatus)): \(message)"
                ])
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func commit(_ files: [String: String], message: String, remove: [String] = []) throws -> String {
        for (name, contents) in files { try directory.write(name, contents) }
        if !files.isEmpty { try git(["add", "--"] + files.keys.sorted()) }
        if !remove.isEmpty { try git(["rm", "-q", "--"] + remove) }
        try git(["commit", "-q", "--allow-empty", "-m", message])
        return try git(["rev-parse", "HEAD"])
    }
}

@Suite struct GitHistoryTests {
    static func token(_ seed: UInt64) -> String { Fixtures.githubToken(seed: seed + 1000) }

    func scan(_ path: String, _ mode: GitScanMode, jobs: Int = 2) throws -> ScanResult {
        try Fixtures.scanner(jobs: jobs).scan(repository: path, mode: mode)
    }

    @Test func deletedSideBranchTaggedRenamedAndMergedSecretsAreFoundWithTheirCommits() throws {
        let repo = try TestRepository()
        let deleted = Self.token(1), side = Self.token(2), tagged = Self.token(3), renamed = Self.token(4),
            merged = Self.token(5)
        let first = try repo.commit(
            ["app.env": "GITHUB_TOKEN=\(deleted)\n", "README": "hello\n"], message: "add config")
        let removal = try repo.commit([:], message: "remove config", remove: ["app.env"])
        let renameIntro = try repo.commit(["old/name.txt": "t=\(renamed)\n"], message: "add file")
        try repo.git(["mv", "old/name.txt", "new-name.txt"])
        _ = try repo.commit([:], message: "rename file")
        // A side branch, merged with a secret added in the merge commit itself.
        try repo.git(["checkout", "-q", "-b", "feature"])
        let sideCommit = try repo.commit(["feature.txt": "s=\(side)\n"], message: "feature work")
        try repo.git(["checkout", "-q", "main"])
        _ = try repo.commit(["main.txt": "main\n"], message: "main work")
        try repo.git(["merge", "-q", "--no-ff", "--no-commit", "feature"])
        try repo.directory.write("merge.txt", "m=\(merged)\n")
        try repo.git(["add", "merge.txt"])
        try repo.git(["commit", "-q", "-m", "merge feature"])
        let mergeCommit = try repo.git(["rev-parse", "HEAD"])
        try repo.git(["branch", "-q", "-D", "feature"])
        // A commit only a tag reaches.
        try repo.git(["checkout", "-q", "--detach"])
        let taggedCommit = try repo.commit(["tagged.txt": "t=\(tagged)\n"], message: "tagged only")
        try repo.git(["tag", "v1-only", taggedCommit])
        try repo.git(["checkout", "-q", "main"])
        _ = removal

        let result = try scan(repo.path, .history(includeUnreachable: false))
        let found = Dictionary(uniqueKeysWithValues: result.findings.map { ($0.secret, $0) })
        #expect(found.count == 5)
        #expect(found[deleted]?.path == "app.env")
        #expect(found[deleted]?.provenance?.commit?.id == first)
        #expect(found[deleted]?.provenance?.commit?.summary == "add config")
        #expect(found[deleted]?.provenance?.commit?.authorName == "Dev One")
        #expect(found[side]?.provenance?.commit?.id == sideCommit)
        #expect(found[side]?.path == "feature.txt")
        #expect(found[merged]?.provenance?.commit?.id == mergeCommit)
        #expect(found[tagged]?.provenance?.commit?.id == taggedCommit)
        #expect(found[renamed]?.path == "old/name.txt")
        #expect(found[renamed]?.provenance?.commit?.id == renameIntro)
        #expect(found[renamed]?.provenance?.otherPaths == ["new-name.txt"])
        #expect(result.statistics.unit == "blob")

        // A scan of the work tree alone misses the deleted and the tag-only secret.
        let workTree = try Fixtures.scanner().scan(directory: DirectoryInput(root: repo.path))
        #expect(Set(workTree.findings.map(\.secret)) == [renamed, merged, side])
    }

    @Test func eachUniqueBlobIsScannedOnce() throws {
        let repo = try TestRepository()
        let secret = Self.token(10)
        _ = try repo.commit(["a.txt": "k=\(secret)\n"], message: "one")
        _ = try repo.commit(["b.txt": "k=\(secret)\n", "c/d.txt": "k=\(secret)\n"], message: "copies")
        _ = try repo.commit(["e.txt": "unrelated\n"], message: "more")
        let result = try scan(repo.path, .history(includeUnreachable: false))
        #expect(result.findings.count == 1)
        #expect(result.findings.first?.provenance?.otherPaths == ["b.txt", "c/d.txt"])
        #expect(result.statistics.filesScanned == 2)
    }

    /// A rename that keeps the file's position among its folder's entries is a new path of the
    /// same blob: a rule restricted to the new name applies (found by an outside test: the walk
    /// compared ids by position and never saw the new name).
    @Test func aRenameInPlaceGivesTheBlobItsNewPath() throws {
        let repo = try TestRepository()
        _ = try repo.commit(["README.md": "# readme\n", "settings.txt": "password: hunter22x\n"], message: "one")
        try repo.git(["mv", "settings.txt", "settings.yml"])
        try repo.git(["commit", "-q", "-m", "rename"])
        let result = try scan(repo.path, .history(includeUnreachable: false))
        let finding = try #require(result.findings.first { $0.ruleID == "config-password" })
        #expect(([finding.path] + (finding.provenance?.otherPaths ?? [])).sorted() == ["settings.txt", "settings.yml"])
    }

    @Test func unreachableBlobsNeedAllObjects() throws {
        let repo = try TestRepository()
        _ = try repo.commit(["a.txt": "clean\n"], message: "one")
        let secret = Self.token(11)
        try repo.directory.write("loose.txt", "k=\(secret)\n")
        let blob = try repo.git(["hash-object", "-w", "loose.txt"])
        try FileManager.default.removeItem(atPath: repo.path + "/loose.txt")
        #expect(try scan(repo.path, .history(includeUnreachable: false)).findings.isEmpty)
        let result = try scan(repo.path, .history(includeUnreachable: true))
        #expect(result.findings.map(\.secret) == [secret])
        #expect(result.findings.first?.provenance?.source == .unreachable)
        #expect(result.findings.first?.provenance?.blobID == blob)
        #expect(result.findings.first?.path == "unreachable:\(blob)")
    }

    /// A secret committed, then reset away: without --all-objects the summary counts it; with,
    /// the dangling commit is walked as a root and the secret comes with its path and commit.
    @Test func aDanglingCommitsSecretComesWithItsPathAndCommit() throws {
        let repo = try TestRepository()
        _ = try repo.commit(["a.txt": "clean\n"], message: "one")
        let secret = Self.token(12)
        let dangling = try repo.commit(["config/prod.env": "k=\(secret)\n"], message: "oops")
        try repo.git(["reset", "-q", "--hard", "HEAD~1"])
        try repo.git(["reflog", "expire", "--expire=now", "--all"])
        let hidden = try scan(repo.path, .history(includeUnreachable: false))
        #expect(hidden.findings.isEmpty)
        #expect(hidden.statistics.unreachableSecrets == 1)
        let text = String(decoding: try TextReport().render(hidden, options: ReportOptions()), as: UTF8.self)
        #expect(text.contains("1 more secret only in objects no reference reaches"))
        let shown = try scan(repo.path, .history(includeUnreachable: true))
        let finding = try #require(shown.findings.first)
        #expect(finding.secret == secret)
        #expect(finding.path == "config/prod.env")
        #expect(finding.provenance?.source == .unreachable)
        #expect(finding.provenance?.commit?.id == dangling)
    }

    /// Progress counts distinct secrets (what the report will list), and knows the total up front.
    @Test func progressCountsSecretsAndKnowsTheTotal() throws {
        let repo = try TestRepository()
        let secret = Self.token(13)
        for number in 1...3 { _ = try repo.commit(["app.env": "k=\(secret)\nv=\(number)\n"], message: "v\(number)") }
        try repo.shell(
            "git rev-list --objects --all | git pack-objects -q .git/objects/pack/pack >/dev/null && git prune-packed")
        let progress = ScanProgress()
        let result = try Fixtures.scanner().scan(
            repository: repo.path, mode: .history(includeUnreachable: false), progress: progress)
        #expect(result.findings.count == 3)
        let state = progress.snapshot
        #expect(state.secrets == 1)
        #expect(state.expected == state.discovered)
        #expect(state.scanned == state.discovered)
    }

    @Test func rangesScanOnlyWhatTheirCommitsIntroduce() throws {
        let repo = try TestRepository()
        let old = Self.token(20), new = Self.token(21)
        _ = try repo.commit(["a.txt": "k=\(old)\n"], message: "old")
        let base = try repo.commit(["b.txt": "x\n"], message: "base")
        let introducing = try repo.commit(["c.txt": "k=\(new)\n", "a.txt": "k=\(old)\nmore\n"], message: "new")
        let since = try scan(repo.path, .range(include: ["HEAD"], exclude: [base]))
        // a.txt changed, so its new blob is scanned and still holds the old secret; c.txt is new.
        #expect(Set(since.findings.map(\.secret)) == [old, new])
        #expect(since.findings.allSatisfy { $0.provenance?.commit?.id == introducing })
        let none = try scan(repo.path, .range(include: ["HEAD"], exclude: ["HEAD"]))
        #expect(none.findings.isEmpty)
        #expect(throws: GitError.self) { try scan(repo.path, .range(include: ["HEAD"], exclude: ["no-such-branch"])) }
    }

    @Test func stagedReportsOnlyAddedLines() throws {
        let repo = try TestRepository()
        let old = Self.token(30), new = Self.token(31)
        _ = try repo.commit(["config.env": "A=\(old)\nB=1\n"], message: "existing")
        try repo.directory.write("config.env", "A=\(old)\nB=1\nC=\(new)\n")
        try repo.git(["add", "config.env"])
        try repo.directory.write("unstaged.env", "D=\(Self.token(32))\n")
        let result = try scan(repo.path, .staged)
        #expect(result.findings.map(\.secret) == [new])
        #expect(result.findings.first?.region.line == 3)
        #expect(result.findings.first?.provenance?.source == .staged)
    }

    @Test func stagedWorksWithNoCommitsYetAndOnMultiLineKeys() throws {
        let repo = try TestRepository()
        let body = (0..<4).map { _ in "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" }.joined(separator: "\n")
        try repo.directory.write("key.pem", "-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----\n")
        try repo.git(["add", "key.pem"])
        let result = try scan(repo.path, .staged)
        #expect(result.findings.map(\.ruleID) == ["private-key-pkcs8"])
        #expect(result.findings.first?.region.endLine == 6)
    }

    @Test func bareAndShallowRepositoriesAreScanned() throws {
        let repo = try TestRepository()
        let first = Self.token(40), second = Self.token(41)
        _ = try repo.commit(["a.txt": "k=\(first)\n"], message: "one")
        _ = try repo.commit(["b.txt": "k=\(second)\n"], message: "two")
        let bare = try TemporaryDirectory()
        try repo.git(["clone", "-q", "--bare", repo.path, bare.path + "/bare.git"])
        let bareResult = try scan(bare.path + "/bare.git", .history(includeUnreachable: false))
        #expect(Set(bareResult.findings.map(\.secret)) == [first, second])

        let shallow = try TemporaryDirectory()
        try repo.git(["clone", "-q", "--depth", "1", "file://" + repo.path, shallow.path + "/shallow"])
        let shallowResult = try scan(shallow.path + "/shallow", .history(includeUnreachable: false))
        // The tip's tree holds both files; the history beyond the boundary is not in the clone.
        #expect(Set(shallowResult.findings.map(\.secret)) == [first, second])
    }

    @Test func aCorruptObjectIsReportedAndTheScanGoesOn() throws {
        let repo = try TestRepository()
        let good = Self.token(50)
        _ = try repo.commit(["good.txt": "k=\(good)\n", "bad.txt": "will be damaged\n"], message: "one")
        let bad = try repo.git(["rev-parse", "HEAD:bad.txt"])
        let objectPath = repo.path + "/.git/objects/" + bad.prefix(2) + "/" + bad.dropFirst(2)
        chmod(objectPath, 0o644)
        try Data("not zlib at all".utf8).write(to: URL(fileURLWithPath: objectPath))
        let result = try scan(repo.path, .history(includeUnreachable: false))
        #expect(result.findings.map(\.secret) == [good])
        #expect(result.skipped.map(\.path) == ["bad.txt"])
        #expect(result.skipped.first?.reason == .unreadable)
        #expect(result.isIncomplete)
    }

    /// A repository whose packs or tip cannot be read never reads as clean: the scan is incomplete
    /// and names the fault (it said "No secrets found", complete, exit 0).
    @Test(arguments: ["truncate-pack", "truncate-index", "empty-index", "missing-tip", "corrupt-tip"])
    func aDamagedRepositoryFailsClosed(_ damage: String) throws {
        let repo = try TestRepository()
        _ = try repo.commit(["a.txt": "k=\(Self.token(60))\n"], message: "one")
        let tip = try repo.commit(["b.txt": "k=\(Self.token(61))\n"], message: "two")
        if damage.hasSuffix("pack") || damage.hasSuffix("index") {
            try repo.shell(
                "git rev-list --objects --all | git pack-objects -q .git/objects/pack/pack >/dev/null && git prune-packed")
        }
        let packs = repo.path + "/.git/objects/pack/"
        let names = try FileManager.default.contentsOfDirectory(atPath: packs)
        func file(_ suffix: String) throws -> String { packs + (try #require(names.first { $0.hasSuffix(suffix) })) }
        let tipObject = repo.path + "/.git/objects/" + tip.prefix(2) + "/" + tip.dropFirst(2)
        switch damage {
        case "truncate-pack":
            let pack = try file(".pack")
            chmod(pack, 0o644)
            try repo.shell("truncate -s -100 '\(pack)'")
        case "truncate-index":
            let index = try file(".idx")
            chmod(index, 0o644)
            try repo.shell("truncate -s 1500 '\(index)'")
        case "empty-index":
            let index = try file(".idx")
            chmod(index, 0o644)
            try repo.shell(": > '\(index)'")
        case "missing-tip":
            try FileManager.default.removeItem(atPath: tipObject)
        default:
            chmod(tipObject, 0o644)
            try Data("not zlib at all".utf8).write(to: URL(fileURLWithPath: tipObject))
        }
        let result = try scan(repo.path, .history(includeUnreachable: false))
        #expect(result.isIncomplete, "\(damage): \(result.findings.count) findings, skipped \(result.skipped)")
        #expect(GateOutcome(result: result, threshold: .live) == .incomplete)
    }

    @Test func submodulesAreNotedNotFollowed() throws {
        let inner = try TestRepository()
        _ = try inner.commit(["x.txt": "inner\n"], message: "inner")
        let repo = try TestRepository()
        try repo.git(["-c", "protocol.file.allow=always", "submodule", "add", "-q", inner.path, "vendor/inner"])
        _ = try repo.commit([:], message: "add submodule")
        let result = try scan(repo.path, .history(includeUnreachable: false))
        #expect(result.skipped.map(\.reason) == [.submodule])
        #expect(result.skipped.first?.path == "vendor/inner")
        #expect(!result.isIncomplete)
    }

    @Test func binaryAndHugeBlobsAreSkippedWithTheirPaths() throws {
        let repo = try TestRepository()
        try repo.directory.write(
            "logo.png", Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x01] + Array("k=\(Self.token(70))".utf8)))
        try repo.directory.write("big.log", String(repeating: "x", count: 3000) + Self.token(71))
        try repo.directory.write("ok.txt", "k=\(Self.token(72))\n")
        try repo.git(["add", "-A"])
        try repo.git(["commit", "-q", "-m", "assets"])
        let result = try Fixtures.scanner(maxFileSize: 2048).scan(
            repository: repo.path, mode: .history(includeUnreachable: false))
        #expect(result.findings.map(\.path) == ["ok.txt"])
        #expect(result.skipped.map(\.path) == ["big.log", "logo.png"])
        #expect(result.skipped.map(\.reason) == [.tooLarge, .binary])
        #expect(result.statistics.filesScanned == 1)
    }

    @Test func emptyRepositoryAndDetachedHeadAreFine() throws {
        let empty = try TestRepository()
        let nothing = try scan(empty.path, .history(includeUnreachable: false))
        #expect(nothing.findings.isEmpty && nothing.skipped.isEmpty)
        #expect(try scan(empty.path, .staged).findings.isEmpty)

        let repo = try TestRepository()
        let secret = Self.token(73)
        _ = try repo.commit(["a.txt": "k=\(secret)\n"], message: "one")
        try repo.git(["checkout", "-q", "--detach"])
        let detached = try repo.commit(["b.txt": "more\n"], message: "detached work")
        try repo.git(["branch", "-q", "-D", "main"])
        // Only HEAD (detached) leads to these commits now.
        let result = try scan(repo.path, .history(includeUnreachable: false))
        #expect(result.findings.map(\.secret) == [secret])
        #expect(try scan(repo.path, .range(include: ["HEAD"], exclude: ["HEAD~1"])).findings.isEmpty)
        _ = detached
    }

    @Test func packedAndLooseObjectsAreBothRead() throws {
        let repo = try TestRepository()
        let packed = Self.token(74), loose = Self.token(75)
        _ = try repo.commit(["p.txt": "k=\(packed)\n"], message: "packed")
        // Pack what is there, in one pipeline the shell sets up (git repack's own pack-objects
        // has read stray input under the parallel suite).
        try repo.shell(
            "git rev-list --objects --all | git pack-objects -q .git/objects/pack/pack >/dev/null && git prune-packed")
        _ = try repo.commit(["l.txt": "k=\(loose)\n"], message: "loose")
        let result = try scan(repo.path, .history(includeUnreachable: false))
        #expect(Set(result.findings.map(\.secret)) == [packed, loose])
        #expect(result.findings.allSatisfy { $0.provenance?.commit != nil })
    }

    @Test func notARepositoryIsAClearError() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: GitError.notARepository(path: directory.path)) {
            try scan(directory.path, .history(includeUnreachable: false))
        }
    }

    @Test func resultsAreTheSameWithOneOrManyWorkers() throws {
        let repo = try TestRepository()
        for index in 0..<12 {
            _ = try repo.commit(
                ["f\(index % 4).txt": "k\(index)=\(Self.token(UInt64(60 + index)))\n"], message: "c\(index)")
        }
        let one = try scan(repo.path, .history(includeUnreachable: false), jobs: 1)
        let three = try scan(repo.path, .history(includeUnreachable: false), jobs: 3)
        #expect(one.findings.count == 12)
        #expect(one.findings == three.findings)
    }
}

/// The look for a repository before libgit2 is started: wherever libgit2 would find one (a work
/// tree's folders, a bare repository, a linked work tree), the look says one may be there; where it
/// says none is, libgit2 finds none.
@Suite struct RepositoryLookTests {
    @Test func theLookNeverMissesARepositoryLibgit2Finds() throws {
        let work = try TestRepository()
        try FileManager.default.createDirectory(atPath: work.path + "/src/deep", withIntermediateDirectories: true)
        try work.shell("echo a > src/deep/a.txt && git add -A && git commit -qm one")
        try work.git(["worktree", "add", "-q", "linked"])
        let bare = try TestRepository(bare: true)
        let plain = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: plain.path + "/x/y", withIntermediateDirectories: true)
        let folders = [
            work.path, work.path + "/src/deep", work.path + "/.git", work.path + "/.git/objects", work.path + "/linked",
            work.path + "/linked/src", bare.path, bare.path + "/refs", plain.path, plain.path + "/x/y",
        ]
        for folder in folders {
            let found = (try? GitRepository(path: folder)) != nil
            if found { #expect(RepositoryPlace.mayLieInRepository(folder), "\(folder)") }
        }
        #expect(RepositoryPlace.mayLieInRepository(work.path + "/src/deep"))
        #expect(RepositoryPlace.mayLieInRepository(bare.path + "/refs"))
        #expect(try GitRepository(path: work.path + "/linked/src").workDirectory?.hasSuffix("/linked/") == true)
        // Outside any repository (unless this machine keeps one above the temporary folder).
        if (try? GitRepository(path: plain.path)) == nil && !RepositoryPlace.mayLieInRepository(PathName.parent(plain.path)) {
            #expect(!RepositoryPlace.mayLieInRepository(plain.path + "/x/y"))
            #expect(RepositoryPlace(scanning: plain.path + "/x/y").top == nil)
        }
        #expect(RepositoryPlace(scanning: work.path + "/src/deep").prefix == "src/deep")
    }
}
