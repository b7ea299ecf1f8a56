import Foundation
import Synchronization

/// One repository a sweep reads: a local path or bare clone, with the owner and team its
/// manifest gives it.
public struct SweepTarget: Sendable, Equatable {
    public var path: String
    public var owner: String?
    public var team: String?
    /// The repository as its list names it (a manifest's first column, or the path relative to
    /// the folder swept): what shards are computed from, the same on every machine.
    public var entry: String

    public init(path: String, owner: String? = nil, team: String? = nil, entry: String? = nil) {
        self.path = path
        self.owner = owner
        self.team = team
        self.entry = entry ?? path
    }
}

/// A problem with a sweep's list of repositories.
public enum SweepError: Error, CustomStringConvertible, Equatable {
    case unreadableManifest(file: String, reason: String)
    case badManifestLine(file: String, line: Int, reason: String)
    case badShard(String)

    public var description: String {
        switch self {
        case .unreadableManifest(let file, let reason): return "cannot read the manifest \(file): \(reason)"
        case .badManifestLine(let file, let line, let reason): return "\(file):\(line): \(reason)"
        case .badShard(let text): return "--shard takes I/N with 0 <= I < N (e.g. 0/4), not \"\(text)\""
        }
    }
}

/// The repositories of a sweep: from a manifest, or every repository under a folder.
public enum SweepManifest {
    /// A manifest: one repository per line, `PATH [OWNER [TEAM]]` separated by tabs (or, on a line
    /// with no tab, by spaces); `#` starts a comment. Relative paths are relative to the manifest.
    public static func load(file: String) throws -> [SweepTarget] {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw SweepError.unreadableManifest(file: file, reason: error.localizedDescription)
        }
        let base = PathName.parent(URL(fileURLWithPath: file).standardizedFileURL.path)
        var targets: [SweepTarget] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r")))
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let fields =
                line.contains("\t")
                ? line.split(separator: "\t", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                } : line.split(whereSeparator: { $0 == " " }).map(String.init)
            guard fields.count <= 3 else {
                throw SweepError.badManifestLine(
                    file: file, line: number + 1,
                    reason: "\(fields.count) columns; a line is PATH [OWNER [TEAM]] (separate with tabs when a path has spaces)")
            }
            let path = fields[0].hasPrefix("/") ? fields[0] : (base as NSString).appendingPathComponent(fields[0])
            func column(_ index: Int) -> String? { fields.count > index && !fields[index].isEmpty ? fields[index] : nil }
            targets.append(SweepTarget(path: path, owner: column(1), team: column(2), entry: fields[0]))
        }
        return targets
    }

    /// Every git repository under `folder` (work trees and bare clones), not looking inside one
    /// once found, down to `depth` levels, in name order.
    public static func discover(under folder: String, depth: Int = 4) -> [SweepTarget] {
        var found: [SweepTarget] = []
        let top = URL(fileURLWithPath: folder).standardizedFileURL.path
        func visit(_ path: String, _ level: Int) {
            let manager = FileManager.default
            if manager.fileExists(atPath: (path as NSString).appendingPathComponent(".git"))
                || (manager.fileExists(atPath: (path as NSString).appendingPathComponent("HEAD"))
                    && manager.fileExists(atPath: (path as NSString).appendingPathComponent("objects")))
            {
                let relative = path.count > top.count ? String(path.dropFirst(top.count + 1)) : "."
                found.append(SweepTarget(path: path, entry: relative))
                return
            }
            guard level < depth, let names = try? manager.contentsOfDirectory(atPath: path) else { return }
            for name in names.sorted() where !name.hasPrefix(".") {
                let child = (path as NSString).appendingPathComponent(name)
                var isDirectory: ObjCBool = false
                var info = stat()
                // Links are not followed: a folder of repositories could point one anywhere.
                guard lstat(child, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR,
                    manager.fileExists(atPath: child, isDirectory: &isDirectory), isDirectory.boolValue
                else { continue }
                visit(child, level + 1)
            }
        }
        visit(top, 0)
        return found
    }

    /// Machine `index` of `count`'s share: a repository belongs to the shard the SHA-256 of its
    /// entry (as the list names it) gives, so every machine computes the same split from the same
    /// list, whatever order its lines are in and wherever it is mounted.
    public static func shard(_ targets: [SweepTarget], index: Int, count: Int) -> [SweepTarget] {
        targets.filter { target in
            let digest = Digest.sha256(Array(target.entry.utf8))
            let value = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Int(value % UInt64(count)) == index
        }
    }

    /// `I/N`.
    public static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 0,
            index < count
        else { throw SweepError.badShard(text) }
        return (index, count)
    }
}

/// What happened to one repository.
public struct SweepOutcome: Sendable {
    public enum Status: Sendable, Equatable {
        /// Scanned and recorded.
        case swept
        /// Its refs are as the ledger last recorded them: nothing new to read.
        case unchanged
        /// Could not be read or recorded (the reason); the ledger holds whatever committed before.
        case failed(String)
    }
    public var target: SweepTarget
    public var repository: String
    public var status: Status
    public var secrets = 0
    public var occurrences = 0
    public var recording = LedgerRecording()
    public var seconds = 0.0
    public var incomplete = false
    /// Set when recording failed because the ledger stayed unavailable past its retry window.
    public var ledgerUnavailable: String?
}

/// What a sweep did, across repositories.
public struct SweepSummary: Sendable {
    public var outcomes: [SweepOutcome] = []
    public var seconds = 0.0
    public var swept: Int { outcomes.filter { $0.status == .swept }.count }
    public var unchanged: Int { outcomes.filter { $0.status == .unchanged }.count }
    public var failed: [SweepOutcome] { outcomes.filter { if case .failed = $0.status { return true } else { return false } } }
    public var newSecrets: Int { outcomes.reduce(0) { $0 + $1.recording.newSecrets } }
    public var newOccurrences: Int { outcomes.reduce(0) { $0 + $1.recording.newOccurrences } }
    public var occurrences: Int { outcomes.reduce(0) { $0 + $1.occurrences } }
}

/// `linger sweep`: many repositories, a bounded number at a time, every one's history scanned
/// and recorded in one ledger, with the refs it was read at so a later sweep skips it while they
/// have not changed.
public struct FleetSweep: Sendable {
    public var targets: [SweepTarget]
    public var ledger: any LedgerStore
    public var rules: CompiledRules
    /// Repositories in flight at once.
    public var parallel = 2
    /// Sweep repositories whose refs have not changed since the last recorded sweep.
    public var force = false
    /// Who is sweeping (host name, and the shard), recorded with each repository.
    public var machine: String
    public var liveChecksOff: String?
    public var operatorConfig: String?
    public var now = Date()
    public var fingerprintKey = FingerprintKey.fromEnvironment()

    public init(targets: [SweepTarget], ledger: any LedgerStore, rules: CompiledRules, machine: String) {
        self.targets = targets
        self.ledger = ledger
        self.rules = rules
        self.machine = machine
    }

    /// SHA-256 over every reference's name and target: equal digests, nothing new reachable.
    public static func refsDigest(of repository: GitRepository) throws -> String {
        var text = ""
        for reference in try repository.references() {
            text += "\(reference.name) \(reference.commit?.description ?? reference.object?.description ?? "-")\n"
        }
        return Digest.hex(Digest.sha256(Array(text.utf8)))
    }

    /// Sweeps every target; `progress` hears of each repository as it finishes (from worker threads).
    public func run(progress: @escaping @Sendable (SweepOutcome) -> Void = { _ in }) throws -> SweepSummary {
        let started = Date()
        let recorded = Dictionary(
            try ledger.sweptRepositories().map { ($0.repository, $0) }, uniquingKeysWith: { first, _ in first })
        let next = Mutex(0)
        // Once the ledger is unavailable (its retry window spent), the rest is not read at all.
        let ledgerDown = Mutex<String?>(nil)
        let outcomes = Mutex([SweepOutcome?](repeating: nil, count: targets.count))
        let jobs = max(1, Processors.active / max(1, parallel))
        let workers = min(max(1, parallel), max(1, targets.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let index: Int = next.withLock { value in
                        defer { value += 1 }
                        return value
                    }
                    guard index < targets.count else { return }
                    var outcome: SweepOutcome
                    if let reason = ledgerDown.withLock({ $0 }) {
                        outcome = SweepOutcome(target: targets[index], repository: targets[index].path, status: .failed(
                            "not swept: \(reason)"))
                    } else {
                        outcome = sweep(targets[index], recorded: recorded, jobs: jobs)
                        if case .failed = outcome.status, let reason = outcome.ledgerUnavailable {
                            ledgerDown.withLock { $0 = $0 ?? reason }
                        }
                    }
                    outcomes.withLock { $0[index] = outcome }
                    progress(outcome)
                }
            }
        }
        group.wait()
        var summary = SweepSummary()
        summary.outcomes = outcomes.withLock { $0.compactMap { $0 } }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    func sweep(_ target: SweepTarget, recorded: [String: LedgerSweep], jobs: Int) -> SweepOutcome {
        let started = Date()
        var outcome = sweepTimed(target, recorded: recorded, jobs: jobs)
        outcome.seconds = Date().timeIntervalSince(started)
        return outcome
    }

    private func sweepTimed(_ target: SweepTarget, recorded: [String: LedgerSweep], jobs: Int) -> SweepOutcome {
        var outcome = SweepOutcome(target: target, repository: target.path, status: .swept)
        do {
            guard FileManager.default.fileExists(atPath: target.path) else {
                outcome.status = .failed("no such file or folder")
                return outcome
            }
            let repository = try GitRepository(path: target.path)
            let root = Ledger.repositoryRoot(for: target.path)
            let identity = repository.originURL ?? root
            outcome.repository = identity
            let digest = try Self.refsDigest(of: repository)
            if !force, let last = recorded[identity], last.refsDigest == digest {
                outcome.status = .unchanged
                // The manifest may have moved it to another owner or team: the ledger follows.
                if last.owner != target.owner || last.team != target.team {
                    var moved = last
                    (moved.owner, moved.team) = (target.owner, target.team)
                    try ledger.recordSweep(moved)
                }
                return outcome
            }
            var request = ScanRequest(input: .repository(target.path, .history(includeUnreachable: false)), rules: rules)
            request.operatorConfig = operatorConfig
            request.now = now
            request.jobs = jobs
            request.liveChecksOff = liveChecksOff
            request.fingerprintKey = fingerprintKey
            let run = try ScanPipeline(request).run()
            outcome.incomplete = run.result.isIncomplete
            outcome.secrets = Set(run.result.findings.map(\.fingerprint)).count
            outcome.occurrences = run.result.findings.count
            outcome.recording = try ledger.record(
                run.result, repository: LedgerRepository(identity: identity, location: root), at: now)
            // Only once every finding is recorded: a sweep cut short is swept again next time.
            try ledger.recordSweep(
                LedgerSweep(
                    repository: identity, location: root, owner: target.owner, team: target.team, refsDigest: digest,
                    sweptAt: now, machine: machine, secrets: outcome.secrets, occurrences: outcome.occurrences))
        } catch {
            outcome.status = .failed(String(describing: error))
            if case LedgerError.unavailable = error { outcome.ledgerUnavailable = String(describing: error) }
        }
        return outcome
    }
}
