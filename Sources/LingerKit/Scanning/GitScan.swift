import Foundation
import Synchronization

extension SecretScanner {
    /// Blobs sorted into pack order together before they are handed to the workers: large enough
    /// that most histories go in one batch (pack order matters more than overlapping the walk),
    /// small enough to bound the memory pending blob ids take (about 60 bytes each).
    static var packOrderBatch: Int { 250_000 }

    /// Scans a git repository: its history, a range of commits, or the staged changes. Each unique
    /// blob is read and scanned once, by a pool of workers each with its own libgit2 handle, fed
    /// through a bounded queue.
    public func scan(repository path: String, mode: GitScanMode, progress: ScanProgress? = nil) throws -> ScanResult {
        let repository = try GitRepository(path: path)
        if case .staged = mode { return try scanStaged(repository, path: path) }
        if case .history(let includeUnreachable) = mode {
            // A reference, HEAD or pack index that cannot be read means history this scan cannot
            // see: the scan is incomplete (exit 2), never "no secrets found".
            // The pack indexes are read once: for their faults here, for pack order in the sweep.
            let packOrder = PackOrder(gitDirectory: repository.gitDirectory)
            var faults = packOrder.faults.map {
                SkippedInput(path: "objects/pack", reason: .unreadable, detail: $0)
            }
            let references = try repository.references()
            for reference in references {
                if let fault = reference.fault {
                    faults.append(SkippedInput(path: reference.name, reason: .unreadable, detail: fault))
                }
            }
            // HEAD too: a detached HEAD leads to commits no reference does.
            var head = [GitObjectID]()
            if !repository.isHeadUnborn {
                do {
                    head.append(try repository.resolveCommit("HEAD"))
                } catch {
                    faults.append(SkippedInput(path: "HEAD", reason: .unreadable, detail: "HEAD: \(error)"))
                }
            }
            let tips = references.compactMap(\.commit) + repository.stashCommits() + head
            var result = try scanHistory(
                repository, packOrder: packOrder, tips: Array(Set(tips)), includeUnreachable: includeUnreachable,
                progress: progress)
            result.skipped += faults
            return result
        }

        let origins = BlobOrigins()
        // Jobs travel in small batches: one hand-off per batch, not per blob, keeps threads from
        // waking each other 100,000 times in a large history.
        let queue = BoundedQueue<[ScanJob]>(capacity: 16)
        let walkSkips = Mutex([SkippedInput]())

        // Resolve revisions before starting anything, so a bad one is a clean usage error.
        let includeTips: [GitObjectID]
        let excludeTips: [GitObjectID]
        switch mode {
        case .range(let include, let exclude):
            includeTips = try include.map { try repository.resolveCommit($0) }
            excludeTips = try exclude.map { try repository.resolveCommit($0) }
        case .history, .staged:
            includeTips = []
            excludeTips = []
        }

        let producerDone = DispatchSemaphore(value: 0)
        let producer = Thread {
            defer {
                queue.close()
                progress?.walkFinished()
                producerDone.signal()
            }
            var walk = GitHistoryWalk(repository: repository, origins: origins)
            // The walk reads only trees. The blobs it finds go to the workers in batches, each
            // sorted by pack position, so reading follows the pack.
            let order = PackOrder(gitDirectory: repository.gitDirectory)
            var jobs = [GitBlobJob]()
            var batcher = JobBatcher(queue: queue)
            func flush() {
                for (_, job) in jobs.map({ (order.position(of: $0.id), $0) }).sorted(by: { $0.0 < $1.0 }) {
                    batcher.add(.blob(job))
                }
                batcher.flush()
                jobs.removeAll(keepingCapacity: true)
            }
            let emit: (GitBlobJob) -> Void = { job in
                progress?.discovered()
                jobs.append(job)
                if jobs.count >= Self.packOrderBatch { flush() }
            }
            switch mode {
            case .range:
                var excluded = Set<GitObjectID>()
                if !excludeTips.isEmpty {
                    var base = GitHistoryWalk(repository: repository, origins: BlobOrigins())
                    excluded = Set(base.commits(from: excludeTips).map(\.id))
                }
                for commit in walk.commits(from: includeTips, excluding: excluded) {
                    let parentTrees: [GitObjectID?] = commit.parents.map {
                        try? repository.commitTreeAndParents($0).tree
                    }
                    walk.introduce(commit: commit.id, tree: commit.tree, parentTrees: parentTrees, emit: emit)
                }
            case .history, .staged:
                break
            }
            let skipped = walk.skipped
            walkSkips.withLock { $0 += skipped }
            flush()
        }
        producer.stackSize = 16 << 20  // deep trees recurse
        producer.start()

        let scanned = Result {
            try runWorkers(queue: queue, workers: options.jobs, gitDirectory: repository.gitDirectory, progress: progress)
        }
        producerDone.wait()
        var result = try scanned.get()
        result.rules = rules.ruleSet.rules
        result.statistics.unit = "blob"
        result.skipped += walkSkips.withLock { $0 }
        try attachProvenance(to: &result, origins: origins, repository: repository)
        finish(&result)
        return result
    }

    /// A full-history sweep. Two things run at once: a walk of commits and trees (which blobs are
    /// reachable, and where each was first seen) and the workers, fed every object of the packs in
    /// pack order — the order in which delta bases come before their deltas, so each is inflated
    /// once — reading the blobs among them. When both are done, findings in blobs the walk did not
    /// reach are dropped (or, with `includeUnreachable`, reported as unreachable), and blobs the
    /// walk reached outside the packs (loose objects) are read last.
    private func scanHistory(
        _ repository: GitRepository, packOrder: PackOrder, tips: [GitObjectID], includeUnreachable: Bool,
        progress: ScanProgress?
    ) throws -> ScanResult {
        let origins = BlobOrigins()
        let queue = BoundedQueue<[ScanJob]>(capacity: 16)
        let walkSkips = Mutex([SkippedInput]())
        let walkDone = DispatchSemaphore(value: 0)
        let feederDone = DispatchSemaphore(value: 0)

        let danglingFrom = Mutex(Int.max)
        // Every object id, listed (and sorted) by the walker once its walk is done — it finishes
        // long before the blobs do — rather than by the feeder after them.
        let listing = Mutex<Result<[GitObjectID], any Error>>(.success([]))
        let walker = Thread {
            var walk = GitHistoryWalk(repository: repository, origins: origins)
            var visited = Set<GitObjectID>()
            for commit in walk.commits(from: tips) {
                visited.insert(commit.id)
                walk.walkTree(commit.tree, prefix: [], commit: commit.id)
            }
            let everyObject = Result { try repository.allObjectIDs().sorted() }
            listing.withLock { $0 = everyObject }
            if includeUnreachable {
                // Commits no reference reaches (dangling: a reset branch, a dropped stash) are
                // walked as extra roots, so the blobs only they hold get paths and commits.
                let count = origins.commitCount
                danglingFrom.withLock { $0 = count }
                let dangling = ((try? everyObject.get()) ?? []).filter {
                    !visited.contains($0) && (try? repository.header($0))?.isCommit == true
                }
                for commit in walk.commits(from: dangling, excluding: visited) {  // sorted: a filtered sorted list
                    walk.walkTree(commit.tree, prefix: [], commit: commit.id)
                }
            }
            let skipped = walk.skipped
            walkSkips.withLock { $0 += skipped }
            walkDone.signal()
        }
        walker.stackSize = 16 << 20  // deep trees recurse
        walker.start()

        let gitDirectory = repository.gitDirectory
        // Delta-aware: the packs are read here, family by family, and what they could not give
        // goes to the libgit2 workers below with the loose objects.
        let allPacked = packOrder.objectsInPackOrder()
        let deltaAware = options.deltaAware && !options.explainDrops
        if deltaAware { progress?.expect(allPacked.count) }
        let (fromPacks, readByPacks, packed) =
            deltaAware
            ? try scanPacks(packOrder, progress: progress) : (ScanResult(), [GitObjectID](), allPacked)
        let feeder = Thread {
            defer {
                queue.close()
                progress?.walkFinished()
                feederDone.signal()
            }
            var fed = ObjectIDTable<Bool>(capacity: 1 << 16)
            for id in readByPacks { fed.insert(id, true) }
            var batcher = JobBatcher(queue: queue)
            func feed(_ id: GitObjectID) {
                guard fed.insert(id, true) else { return }
                progress?.discovered()
                batcher.add(.blob(GitBlobJob(id: id, path: nil, source: .history)))
            }
            // The total is known before the sweep starts: the ETA need not wait for the walk.
            if readByPacks.isEmpty { progress?.expect(packed.count) }
            for id in packed { feed(id) }
            walkDone.wait()
            // What the packs did not hold: loose blobs the walk reached, then every other loose
            // object (the workers keep the blobs): reported with `includeUnreachable`, otherwise
            // only counted, so the summary can say what --all-objects would show.
            for id in origins.blobIDs().sorted() { feed(id) }
            do {
                for id in try listing.withLock({ $0 }).get() { feed(id) }
            } catch where includeUnreachable {
                let skip = SkippedInput(
                    path: "objects", reason: .unreadable,
                    detail: "the object database cannot be listed, so unreachable objects were not scanned: \(error)")
                walkSkips.withLock { $0.append(skip) }
            } catch {}
            batcher.flush()
        }
        feeder.start()

        let swept = Result {
            try runWorkers(
                queue: queue, workers: options.jobs, gitDirectory: gitDirectory, progress: progress,
                defersPathRules: true)
        }
        feederDone.wait()
        var scanned = try swept.get()
        scanned.absorb(fromPacks)
        try matchPathRules(in: &scanned, origins: origins, gitDirectory: gitDirectory)
        let firstDangling = danglingFrom.withLock { $0 }
        // Keep what belongs to reachable blobs (and unreachable ones when asked), under their paths.
        func place(_ id: GitObjectID) -> (path: String, source: Provenance.Source)? {
            if let origin = origins.origin(of: id) {
                return (origin.path, origin.order >= firstDangling ? .unreachable : .history)
            }
            return includeUnreachable ? ("unreachable:\(id)", .unreachable) : nil
        }
        var unreachable = Set<String>()
        var result = ScanResult()
        result.rules = rules.ruleSet.rules
        result.statistics.unit = "blob"
        for (id, bytes) in scanned.scannedBlobs where place(id) != nil {
            result.statistics.filesScanned += 1
            result.statistics.bytesScanned += bytes
        }
        // How the delta-aware sweep worked (unreachable blobs included: they were read as well).
        result.statistics.blobsByDelta = scanned.statistics.blobsByDelta
        result.statistics.deltaBytesScanned = scanned.statistics.deltaBytesScanned
        for var finding in scanned.findings {
            guard let blob = finding.provenance.flatMap({ GitObjectID(hex: $0.blobID) }) else { continue }
            guard let (path, source) = place(blob) else {
                unreachable.insert(finding.fingerprint)
                continue
            }
            finding.path = ContainerReader.placedPath(path, entry: finding.entryPath)
            finding.provenance?.source = source
            result.findings.append(finding)
        }
        for var skip in scanned.skipped {
            if let blob = skip.blob {
                guard let (path, _) = place(blob) else { continue }
                skip.path = ContainerReader.placedPath(path, entry: skip.entryPath)
            }
            result.skipped.append(skip)
        }
        result.dropped = scanned.dropped.compactMap { drop in
            guard let blob = drop.blob else { return drop }
            guard let (path, _) = place(blob) else { return nil }
            var moved = drop
            moved.path = path
            return moved
        }
        result.skipped += walkSkips.withLock { $0 }
        result.sightings = scanned.sightings.compactMap { sighting in
            guard let blob = sighting.blob, let (path, _) = place(blob) else { return nil }
            var moved = sighting
            moved.path = path
            return moved
        }
        result.revocations = scanned.revocations
        // Secrets only in unreachable blobs: counted (the summary says --all-objects shows them).
        let reported = Set(result.findings.map(\.fingerprint))
        result.statistics.unreachableSecrets = unreachable.subtracting(reported).count
        try attachProvenance(to: &result, origins: origins, repository: repository)
        finish(&result)
        return result
    }

    /// A history sweep's second pass. The first matched every blob without the rules that have a
    /// `path_pattern` (`Matcher.defersPathRules`): now that the walk has given each blob its
    /// paths, the blobs at a path where such a rule applies are matched again, whole, with every
    /// rule that applies at one of their paths, and what this pass finds in them replaces what
    /// the first found. For a blob at one path this is what a directory scan of that file finds;
    /// a blob at several is matched once with the rules of all of them (ARCHITECTURE.md). A blob
    /// this pass cannot read keeps the first pass's findings, and its skip says why. Nothing to
    /// do when the first pass used every rule.
    private func matchPathRules(in scanned: inout ScanResult, origins: BlobOrigins, gitDirectory: String) throws {
        guard rules.restrictsPaths, rules.unrestrictedDatabase != nil else { return }
        var verdicts = [String: Bool]()
        let state = PCRE2MatchState()
        func applies(_ path: String) -> Bool {
            if let known = verdicts[path] { return known }
            let answer = rules.somePathRule(appliesTo: path, state: state)
            verdicts[path] = answer
            return answer
        }
        var jobs = [ScanJob]()
        var again = Set<GitObjectID>()
        for (id, _) in scanned.scannedBlobs {
            guard let origin = origins.origin(of: id), applies(origin.path) || origin.otherPaths.contains(where: applies)
            else { continue }
            again.insert(id)
            jobs.append(.blob(GitBlobJob(id: id, path: origin.path, source: .history, otherPaths: origin.otherPaths)))
        }
        guard !jobs.isEmpty else { return }
        let queue = BoundedQueue<[ScanJob]>(capacity: 16)
        let producer = Thread { [jobs] in
            var batcher = JobBatcher(queue: queue)
            for job in jobs { batcher.add(job) }
            batcher.flush()
            queue.close()
        }
        producer.start()
        let second = try runWorkers(queue: queue, workers: options.jobs, gitDirectory: gitDirectory)
        // A blob this pass could not read, or not wholly (one entry of an archive whose matching
        // failed), keeps what the first pass found in it, and nothing of this pass.
        var failed = Set<GitObjectID>()
        for var skip in second.skipped where skip.reason == .unreadable {
            guard let blob = skip.blob else { continue }
            failed.insert(blob)
            skip.detail += " (rules with a path_pattern were not applied to it)"
            scanned.skipped.append(skip)
        }
        again.subtract(failed)
        func blob(of finding: Finding) -> GitObjectID? { finding.provenance.flatMap { GitObjectID(hex: $0.blobID) } }
        func inAgain(_ blob: GitObjectID?) -> Bool { blob.map { again.contains($0) } ?? false }
        func inFailed(_ blob: GitObjectID?) -> Bool { blob.map { failed.contains($0) } ?? false }
        scanned.findings.removeAll { inAgain(blob(of: $0)) }
        scanned.findings += second.findings.filter { !inFailed(blob(of: $0)) }
        scanned.dropped.removeAll { inAgain($0.blob) }
        scanned.dropped += second.dropped.filter { !inFailed($0.blob) }
    }

    /// Reads the blobs of every sound pack itself (`PackReader`) and scans them, each delta only
    /// where it changes its base (`DeltaScan`). Objects are split between workers by delta
    /// family (the non-delta object a chain ends at), so each worker has the bases its deltas
    /// need, in pack order. Returns what was found, the ids read, and the packed ids left for
    /// libgit2 (objects a pack could not give: damaged, or a chain that leaves the pack).
    private func scanPacks(_ packOrder: PackOrder, progress: ScanProgress?) throws -> (
        ScanResult, [GitObjectID], [GitObjectID]
    ) {
        var readers = [PackReader]()
        var left = [GitObjectID]()
        var claimed = ObjectIDTable<Bool>(capacity: 1 << 16)
        var owned = [[Bool]]()
        for pack in packOrder.packsInOffsetOrder() {
            guard pack.sound, let reader = try? PackReader(path: pack.path, objects: pack.entries) else {
                for entry in pack.entries where claimed.insert(entry.id, true) { left.append(entry.id) }
                continue
            }
            // An object in several packs is read from the first.
            owned.append(pack.entries.map { claimed.insert($0.id, true) })
            readers.append(reader)
        }
        let workers = min(max(1, options.jobs), Int(Int8.max))
        let packs = readers
        let ownership = owned
        // Families are claimed by whichever worker meets their root first (both walk the packs
        // in the same order), so a worker that runs ahead takes more of them.
        let claims = Mutex(packs.map { [Int8](repeating: -1, count: $0.entries.count) })
        let collected = Mutex(ScanResult())
        let handed = Mutex([GitObjectID]())
        let read = Mutex([GitObjectID]())
        let firstError = Mutex<(any Error)?>(nil)
        let limit = options.maxFileSize
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            do {
                let scanner = try BlobScanner(scanner: self)
                scanner.matcher.defersPathRules = true
                var toLibgit2 = [GitObjectID]()
                var done = [GitObjectID]()
                for (packNumber, pack) in packs.enumerated() {
                    var cache = try PackObjectCache(budget: 16 << 20)
                    // Per object of this pack: what its deltas may reuse (absent: nothing).
                    var summaries = [Int32: DeltaSummary]()
                    // Deltas still to come per base: a summary is dropped after its last.
                    var waiting = pack.deltaCounts
                    for position in pack.entries.indices where ownership[packNumber][position] {
                        let entry = pack.entries[position]
                        let family = entry.root >= 0 ? Int(entry.root) : position
                        let owner = claims.withLock { claims in
                            if claims[packNumber][family] < 0 { claims[packNumber][family] = Int8(worker) }
                            return Int(claims[packNumber][family])
                        }
                        guard owner == worker else { continue }
                        defer {
                            if entry.base >= 0 {
                                waiting[Int(entry.base)] -= 1
                                if waiting[Int(entry.base)] == 0 { summaries[entry.base] = nil }
                            }
                        }
                        guard let kind = pack.kind(of: position) else {
                            toLibgit2.append(entry.id)
                            continue
                        }
                        guard kind == .blob else {
                            done.append(entry.id)
                            progress?.discovered()
                            progress?.scanned(bytes: 0)
                            continue
                        }
                        // A whole object over the limit is left to libgit2, which reports it
                        // from its header without reading it.
                        if pack.entries[Int(entry.root)].size > limit {
                            toLibgit2.append(entry.id)
                            continue
                        }
                        let object: (bytes: [UInt8], operations: [DeltaOperation]?, base: [UInt8])
                        do {
                            object = try cache.object(position, in: pack, limit: limit)
                        } catch {
                            toLibgit2.append(entry.id)
                            continue
                        }
                        done.append(entry.id)
                        progress?.discovered()
                        let origin = ContentOrigin.blob(entry.id, source: .history, path: nil)
                        if object.bytes.count > limit {
                            scanner.skipTooLarge(entry.id, size: object.bytes.count, path: nil, progress: progress)
                            continue
                        }
                        let findingsBefore = scanner.result.findings.count
                        let filesBefore = scanner.result.statistics.filesScanned
                        let summary = object.bytes.withUnsafeBytes { bytes -> DeltaSummary? in
                            if let operations = object.operations, let base = summaries[entry.base] {
                                return object.base.withUnsafeBytes { baseBytes in
                                    scanner.scanDelta(
                                        bytes, operations: operations, base: base, baseBytes: baseBytes, origin: origin)
                                }
                            }
                            return scanner.scanWholeBlob(bytes, origin: origin)
                        }
                        if let summary, waiting[position] > 0 { summaries[Int32(position)] = summary }
                        scanner.finishBlob(
                            entry.id, size: object.bytes.count, findings: findingsBefore..<scanner.result.findings.count,
                            filesBefore: filesBefore, progress: progress)
                    }
                }
                let part = scanner.result
                collected.withLock { $0.absorb(part) }
                handed.withLock { $0 += toLibgit2 }
                read.withLock { $0 += done }
            } catch {
                firstError.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        return (collected.withLock { $0 }, read.withLock { $0 }, left + handed.withLock { $0 })
    }

    /// Fills in each finding's commit and occurrence count from what the walk recorded; commit
    /// details are read only for blobs that have findings.
    private func attachProvenance(to result: inout ScanResult, origins: BlobOrigins, repository: GitRepository) throws {
        var commits = [GitObjectID: GitCommitInfo]()
        for index in result.findings.indices {
            guard var provenance = result.findings[index].provenance,
                let blob = GitObjectID(hex: provenance.blobID), let origin = origins.origin(of: blob)
            else { continue }
            if commits[origin.commit] == nil { commits[origin.commit] = try? repository.commitInfo(origin.commit) }
            provenance.commit = commits[origin.commit]
            let entry = result.findings[index].entryPath
            provenance.otherPaths = origin.otherPaths.map { ContainerReader.placedPath($0, entry: entry) }
            provenance.commitOrder = origin.order
            result.findings[index].provenance = provenance
            result.findings[index].path = ContainerReader.placedPath(origin.path, entry: entry)
        }
    }

    /// The pre-commit case: blobs the index adds or changes over HEAD, matches on added lines only.
    private func scanStaged(_ repository: GitRepository, path: String) throws -> ScanResult {
        if repository.isBare { throw GitError.noIndex(path: path) }
        let worker = try BlobScanner(scanner: self)
        for entry in try repository.stagedChanges() {
            let old = entry.old
            let job = GitBlobJob(id: entry.new, path: entry.path, source: .staged)
            let range = worker.scanGitBlob(job, reader: repository, progress: nil)
            guard !range.isEmpty else { continue }
            let added: Set<Int>
            do {
                added = try repository.addedLines(old: old, new: entry.new)
            } catch {
                worker.result.skipped.append(
                    SkippedInput(path: entry.path, reason: .unreadable, detail: "cannot diff against HEAD: \(error)"))
                continue
            }
            // Inside an archive there are no lines to diff: a secret counts when the same entry of
            // the archive in HEAD did not hold it.
            var before = Set<String>()
            if let old, worker.result.findings[range].contains(where: { $0.entryPath != nil }) {
                let previous = try BlobScanner(scanner: self)
                let found = previous.scanGitBlob(
                    GitBlobJob(id: old, path: entry.path, source: .staged), reader: repository, progress: nil)
                before = Set(previous.result.findings[found].map { "\($0.entryPath ?? "")\u{0}\($0.fingerprint)" })
            }
            // Keep findings that touch an added line (a multi-line key counts if any line is new).
            let kept = worker.result.findings[range].filter { finding in
                if let entryPath = finding.entryPath { return !before.contains("\(entryPath)\u{0}\(finding.fingerprint)") }
                return (finding.region.line...finding.region.endLine).contains { added.contains($0) }
            }
            worker.result.findings.replaceSubrange(range, with: kept)
        }
        var result = worker.result
        result.rules = rules.ruleSet.rules
        result.statistics.unit = "blob"
        finish(&result)
        return result
    }
}

extension BlobScanner {
    /// Records a blob over `--max-file-size` as skipped, unread.
    func skipTooLarge(_ id: GitObjectID, size: Int, path: String?, progress: ScanProgress?) {
        let limit = scanner.options.maxFileSize
        result.skipped.append(
            SkippedInput(
                path: path ?? "", reason: .tooLarge,
                detail: "blob \(id): \(size) bytes; the limit is \(limit) (--max-file-size)", blob: id))
        progress?.scanned(bytes: 0)
    }

    /// Accounts for a blob just scanned: progress, and the list of scanned blobs (binary blobs
    /// are skipped, not scanned: only what was scanned is counted).
    func finishBlob(_ id: GitObjectID, size: Int, findings: Range<Int>, filesBefore: Int, progress: ScanProgress?) {
        progress?.scanned(bytes: size, fingerprints: result.findings[findings].lazy.map(\.fingerprint))
        if result.statistics.filesScanned > filesBefore { result.scannedBlobs.append((id, size)) }
    }

    /// Reads one blob through `reader` and scans it; returns the range of findings it added.
    @discardableResult
    func scanGitBlob(_ job: GitBlobJob, reader: GitRepository, progress: ScanProgress?) -> Range<Int> {
        let start = result.findings.count
        let limit = scanner.options.maxFileSize
        do {
            let header = try reader.header(job.id)
            guard header.isBlob else {
                progress?.scanned(bytes: 0)
                return start..<start
            }
            if header.size > limit {
                skipTooLarge(job.id, size: header.size, path: job.path, progress: progress)
                return start..<start
            }
            let filesBefore = result.statistics.filesScanned
            matcher.otherPaths = job.otherPaths
            defer { matcher.otherPaths = [] }
            let range = try reader.withObjectBytes(job.id) { bytes in
                scanBlob(bytes, origin: .blob(job.id, source: job.source, path: job.path))
            }
            finishBlob(job.id, size: header.size, findings: range, filesBefore: filesBefore, progress: progress)
            return range
        } catch {
            result.skipped.append(
                SkippedInput(
                    path: job.path ?? "", reason: .unreadable, detail: "blob \(job.id) cannot be read: \(error)",
                    blob: job.id))
            progress?.scanned(bytes: 0)
            return start..<start
        }
    }
}

extension GitObjectID {
    /// Parses 40 hexadecimal characters.
    public init?(hex: String) {
        let bytes = Array(hex.utf8)
        guard bytes.count == 40 else { return nil }
        func value(_ range: Range<Int>) -> UInt64? { UInt64(String(decoding: bytes[range], as: UTF8.self), radix: 16) }
        guard let high = value(0..<16), let middle = value(16..<32), let low = value(32..<40) else { return nil }
        self.high = high
        self.middle = middle
        self.low = UInt32(low)
    }
}
