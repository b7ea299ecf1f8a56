import Foundation

/// What part of a repository to scan.
public enum GitScanMode: Sendable, Equatable {
    /// Every blob reachable from any reference (branches, tags, remotes, the stash and its
    /// reflog); with `includeUnreachable`, also blobs no reference reaches.
    case history(includeUnreachable: Bool)
    /// Blobs introduced by the commits reachable from `include` and not from `exclude`, each
    /// commit against its parents (`--since REV` is `HEAD` excluding `REV`; `--range A..B`).
    case range(include: [String], exclude: [String])
    /// What the index adds or changes over HEAD; only matches on added lines are reported.
    case staged
}

/// One blob to scan, with the path it was first seen at.
struct GitBlobJob: Sendable {
    var id: GitObjectID
    /// Known for staged and range scans; a history sweep learns it from the walk afterwards.
    var path: String?
    var source: Provenance.Source
    /// Other paths the blob is at (a history sweep's second pass: a rule with a `path_pattern`
    /// applies when it matches any of them).
    var otherPaths: [String] = []
}

/// Where each blob was first seen while walking history, and at which other paths. Paths live
/// as bytes in one arena, so the walk's hot loop compares and stores them without reference
/// counting or allocation.
final class BlobOrigins: @unchecked Sendable {
    struct Origin {
        var commit: Int32
        var pathStart: Int
        var pathLength: Int
    }
    private(set) var commits: [GitObjectID] = []
    private var commitIndex: [GitObjectID: Int32] = [:]
    private var origins = ObjectIDTable<Origin>(capacity: 1 << 16)
    private var arena: [UInt8] = []
    /// Paths other than the first at which a blob was seen (only for blobs seen at several).
    private var otherPaths: [GitObjectID: [String]] = [:]

    private func commitNumber(_ commit: GitObjectID) -> Int32 {
        if let known = commitIndex[commit] { return known }
        let number = Int32(commits.count)
        commits.append(commit)
        commitIndex[commit] = number
        return number
    }

    private func store(_ head: UnsafeBufferPointer<UInt8>, _ tail: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        let start = arena.count
        arena.append(contentsOf: head)
        arena.append(contentsOf: tail)
        return (start, head.count + tail.count)
    }

    /// Records a sighting of `prefix` + `name`; returns true the first time the blob is seen.
    @discardableResult
    func record(
        blob: GitObjectID, commit: GitObjectID, prefix: UnsafeBufferPointer<UInt8>, name: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        if let origin = origins[blob] {
            let same =
                origin.pathLength == prefix.count + name.count
                && arena.withUnsafeBufferPointer { stored in
                    (prefix.isEmpty
                        || memcmp(stored.baseAddress! + origin.pathStart, prefix.baseAddress!, prefix.count) == 0)
                        && (name.isEmpty
                            || memcmp(
                                stored.baseAddress! + origin.pathStart + prefix.count, name.baseAddress!, name.count)
                                == 0)
                }
            if !same { addOtherPath(blob, String(decoding: Array(prefix) + Array(name), as: UTF8.self)) }
            return false
        }
        let (start, length) = store(prefix, name)
        origins.insert(blob, Origin(commit: commitNumber(commit), pathStart: start, pathLength: length))
        return true
    }

    /// Records a sighting at `path`; returns true the first time the blob is seen.
    func record(blob: GitObjectID, commit: GitObjectID, path: String) -> Bool {
        var bytes = Array(path.utf8)
        return bytes.withUnsafeMutableBufferPointer { buffer in
            record(
                blob: blob, commit: commit, prefix: UnsafeBufferPointer(buffer),
                name: UnsafeBufferPointer(start: nil, count: 0))
        }
    }

    private func addOtherPath(_ blob: GitObjectID, _ path: String) {
        if otherPaths[blob]?.contains(path) ?? false { return }
        otherPaths[blob, default: []].append(path)
    }

    /// Where `blob` was first seen: the commit, its position in the walk (parents come before
    /// children), the path, and the other paths that hold it.
    func origin(of blob: GitObjectID) -> (commit: GitObjectID, order: Int, path: String, otherPaths: [String])? {
        guard let origin = origins[blob] else { return nil }
        let path = String(decoding: arena[origin.pathStart..<(origin.pathStart + origin.pathLength)], as: UTF8.self)
        return (commits[Int(origin.commit)], Int(origin.commit), path, (otherPaths[blob] ?? []).sorted())
    }

    /// How many commits have been recorded so far: blobs first seen in commits numbered from
    /// here on were recorded after this point.
    var commitCount: Int { commits.count }

    /// Every blob recorded.
    func blobIDs() -> [GitObjectID] { origins.keys }
}

/// Walks a repository's history with libgit2 and hands out each unique blob once.
struct GitHistoryWalk {
    let repository: GitRepository
    let origins: BlobOrigins
    var skipped: [SkippedInput] = []
    private var seenTrees = ObjectIDTable<Bool>(capacity: 1 << 16)
    /// The entries (id and a hash of the name) of the last version walked of each folder, by
    /// path: an entry with the same id and name at the same position is unchanged, already
    /// recorded at this path, and skipped without a lookup (most entries of a new tree are). The
    /// name counts: a rename that keeps the file's position is a new path for the same blob.
    private var lastVersion: [[UInt8]: [(id: GitObjectID, name: UInt64)]] = [:]
    private var noted = Set<String>()

    init(repository: GitRepository, origins: BlobOrigins) {
        self.repository = repository
        self.origins = origins
    }

    /// Commits reachable from `tips`, parents before children. Commits that cannot be read (the
    /// boundary of a shallow clone, a damaged object) are recorded and treated as roots.
    mutating func commits(from tips: [GitObjectID], excluding excluded: Set<GitObjectID> = []) -> [(
        id: GitObjectID, tree: GitObjectID, parents: [GitObjectID]
    )] {
        var info = [GitObjectID: (tree: GitObjectID, parents: [GitObjectID])]()
        var missing = Set<GitObjectID>()
        var stack = tips.filter { !excluded.contains($0) }
        while let id = stack.popLast() {
            if info[id] != nil || missing.contains(id) || excluded.contains(id) { continue }
            do {
                let commit = try repository.commitTreeAndParents(id)
                info[id] = commit
                stack.append(contentsOf: commit.parents)
            } catch {
                missing.insert(id)
                let detail =
                    repository.isShallow
                    ? "commit \(id) is beyond this shallow clone's history; older history was not scanned"
                    : "commit \(id) cannot be read: \(error)"
                skipped.append(
                    SkippedInput(
                        path: "commit:\(id)", reason: repository.isShallow ? .historyUnavailable : .unreadable,
                        detail: detail))
            }
        }
        // Parents before children: depth-first post-order from every tip, sorted for determinism.
        var order = [(id: GitObjectID, tree: GitObjectID, parents: [GitObjectID])]()
        order.reserveCapacity(info.count)
        var done = Set<GitObjectID>()
        for tip in tips.sorted() where info[tip] != nil {
            var work: [(GitObjectID, Bool)] = [(tip, false)]
            while let (id, expanded) = work.popLast() {
                if done.contains(id) { continue }
                guard let commit = info[id] else { continue }
                if expanded {
                    done.insert(id)
                    order.append((id, commit.tree, commit.parents))
                } else {
                    work.append((id, true))
                    for parent in commit.parents.reversed() where info[parent] != nil && !done.contains(parent) {
                        work.append((parent, false))
                    }
                }
            }
        }
        return order
    }

    /// Records every blob under `tree` in `origins` (first sighting and other paths); trees already
    /// walked are skipped whole, so each distinct tree of the history is read once. The blobs
    /// themselves are read from the packs by the workers, not from here.
    mutating func walkTree(_ tree: GitObjectID, prefix: [UInt8], commit: GitObjectID) {
        guard seenTrees.insert(tree, true) else { return }
        var subtrees = [(GitObjectID, [UInt8])]()
        var submodules = [(String, GitObjectID)]()
        let origins = self.origins
        let previous = lastVersion[prefix] ?? []
        var current = [(id: GitObjectID, name: UInt64)]()
        current.reserveCapacity(previous.count)
        do {
            try prefix.withUnsafeBufferPointer { head in
                try repository.forEachEntry(of: tree) { position, name, id, kind in
                    let nameBytes = UnsafeBufferPointer(
                        start: UnsafeRawPointer(name).assumingMemoryBound(to: UInt8.self), count: strlen(name))
                    // FNV-1a of the name.
                    var nameHash: UInt64 = 0xcbf2_9ce4_8422_2325
                    for byte in nameBytes { nameHash = (nameHash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                    current.append((id, nameHash))
                    if position < previous.count && previous[position].id == id && previous[position].name == nameHash {
                        return
                    }
                    switch kind {
                    case .blob:
                        origins.record(blob: id, commit: commit, prefix: head, name: nameBytes)
                    case .tree:
                        if !seenTrees.contains(id) {
                            subtrees.append((id, prefix + Array(nameBytes) + [UInt8(ascii: "/")]))
                        }
                    case .submodule:
                        submodules.append((String(decoding: prefix + Array(nameBytes), as: UTF8.self), id))
                    case .other:
                        break
                    }
                }
            }
        } catch {
            let path = prefix.isEmpty ? "tree:\(tree)" : String(decoding: prefix, as: UTF8.self)
            skipped.append(
                SkippedInput(
                    path: path, reason: .unreadable, detail: "tree \(tree) in commit \(commit) cannot be read: \(error)"
                ))
            return
        }
        lastVersion[prefix] = current
        for (path, id) in submodules { noteSubmodule(path, id) }
        for (id, path) in subtrees { walkTree(id, prefix: path, commit: commit) }
    }

    /// Blobs a commit introduces: those at a path where the commit differs from every parent (all
    /// of its tree for a root commit, or one whose parents are not in this clone). Parents come
    /// before children, so a blob a merge brings from a branch was already recorded there; what is
    /// left is content the merge itself made. Unchanged subtrees are skipped inside libgit2.
    mutating func introduce(
        commit: GitObjectID, tree: GitObjectID, parentTrees: [GitObjectID?], emit: (GitBlobJob) -> Void
    ) {
        var changes = [(path: String, id: GitObjectID, kind: GitEntryKind)]()
        do {
            let readable = parentTrees.compactMap { $0 }
            if readable.isEmpty {
                try repository.changes(from: nil, to: tree) { changes.append((String(cString: $0), $1, $2)) }
            } else {
                // Changed relative to the first parent; for a merge, keep only paths that differ
                // from every other parent too.
                try repository.changes(from: readable[0], to: tree) { changes.append((String(cString: $0), $1, $2)) }
                for other in readable.dropFirst() where !changes.isEmpty {
                    var againstOther = Set<String>()
                    try repository.changes(from: other, to: tree) { name, id, _ in
                        againstOther.insert(String(cString: name))
                    }
                    changes.removeAll { !againstOther.contains($0.path) }
                }
            }
        } catch {
            skipped.append(
                SkippedInput(
                    path: "commit:\(commit)", reason: .unreadable,
                    detail: "the trees of commit \(commit) cannot be compared: \(error)"))
            return
        }
        for change in changes {
            switch change.kind {
            case .blob:
                if origins.record(blob: change.id, commit: commit, path: change.path) {
                    emit(GitBlobJob(id: change.id, path: change.path, source: .history))
                }
            case .submodule:
                noteSubmodule(change.path, change.id)
            case .tree, .other:
                break
            }
        }
    }

    private mutating func noteSubmodule(_ path: String, _ id: GitObjectID) {
        guard noted.insert(path).inserted else { return }
        skipped.append(
            SkippedInput(
                path: path, reason: .submodule, detail: "submodule (commit \(id) of another repository); not followed"))
    }
}
