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
    var path: String
    var source: Provenance.Source
}

/// Where each blob was first seen while walking history, and at which other paths.
final class BlobOrigins: @unchecked Sendable {
    struct Origin {
        var commit: Int32
        var path: String
    }
    private(set) var commits: [GitObjectID] = []
    private var commitIndex: [GitObjectID: Int32] = [:]
    private var origins: [GitObjectID: Origin] = [:]
    /// Paths other than the first at which a blob was seen (only for blobs seen at several).
    private var otherPaths: [GitObjectID: [String]] = [:]

    private func commitNumber(_ commit: GitObjectID) -> Int32 {
        if let known = commitIndex[commit] { return known }
        let number = Int32(commits.count)
        commits.append(commit)
        commitIndex[commit] = number
        return number
    }

    /// Records a sighting; returns true the first time the blob is seen.
    func record(blob: GitObjectID, commit: GitObjectID, path: String) -> Bool {
        if let origin = origins[blob] {
            if origin.path != path { addOtherPath(blob, path) }
            return false
        }
        origins[blob] = Origin(commit: commitNumber(commit), path: path)
        return true
    }

    /// Records a sighting of a tree entry named `name` (a C string) under `prefix`, building the
    /// path string only when the blob is new or seen at a new path (the hot loop of a history walk).
    func record(blob: GitObjectID, commit: GitObjectID, prefix: String, name: UnsafePointer<CChar>) -> String? {
        if let origin = origins[blob] {
            if !Self.path(origin.path, equals: prefix, name) {
                addOtherPath(blob, prefix + String(cString: name))
            }
            return nil
        }
        let path = prefix + String(cString: name)
        origins[blob] = Origin(commit: commitNumber(commit), path: path)
        return path
    }

    /// Whether `path` is `prefix` followed by the C string `name`, without allocating.
    private static func path(_ path: String, equals prefix: String, _ name: UnsafePointer<CChar>) -> Bool {
        let nameLength = strlen(name)
        var path = path
        var prefix = prefix
        return path.withUTF8 { whole in
            prefix.withUTF8 { head in
                guard whole.count == head.count + nameLength else { return false }
                guard head.count == 0 || memcmp(whole.baseAddress!, head.baseAddress!, head.count) == 0 else { return false }
                return nameLength == 0 || memcmp(whole.baseAddress! + head.count, name, nameLength) == 0
            }
        }
    }

    private func addOtherPath(_ blob: GitObjectID, _ path: String) {
        if otherPaths[blob]?.contains(path) ?? false { return }
        otherPaths[blob, default: []].append(path)
    }

    func contains(_ blob: GitObjectID) -> Bool { origins[blob] != nil }

    func origin(of blob: GitObjectID) -> (commit: GitObjectID, path: String, otherPaths: [String])? {
        guard let origin = origins[blob] else { return nil }
        return (commits[Int(origin.commit)], origin.path, (otherPaths[blob] ?? []).sorted())
    }

    var blobCount: Int { origins.count }
}

/// Walks a repository's history with libgit2 and hands out each unique blob once.
struct GitHistoryWalk {
    let repository: GitRepository
    let origins: BlobOrigins
    var skipped: [SkippedInput] = []
    private var seenTrees = Set<GitObjectID>()
    private var noted = Set<String>()

    init(repository: GitRepository, origins: BlobOrigins) {
        self.repository = repository
        self.origins = origins
    }

    /// Commits reachable from `tips`, parents before children. Commits that cannot be read (the
    /// boundary of a shallow clone, a damaged object) are recorded and treated as roots.
    mutating func commits(from tips: [GitObjectID], excluding excluded: Set<GitObjectID> = []) -> [(id: GitObjectID, tree: GitObjectID, parents: [GitObjectID])] {
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
                let detail = repository.isShallow
                    ? "commit \(id) is beyond this shallow clone's history; older history was not scanned"
                    : "commit \(id) cannot be read: \(error)"
                skipped.append(SkippedInput(path: "commit:\(id)", reason: repository.isShallow ? .historyUnavailable : .unreadable, detail: detail))
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

    /// Every blob under `tree` not seen before; trees already walked are skipped whole, so each
    /// distinct tree of the history is read once.
    mutating func walkTree(_ tree: GitObjectID, prefix: String, commit: GitObjectID, emit: (GitBlobJob) -> Void) {
        guard seenTrees.insert(tree).inserted else { return }
        var subtrees = [(GitObjectID, String)]()
        var submodules = [(String, GitObjectID)]()
        let origins = self.origins
        do {
            try repository.forEachEntry(of: tree) { name, id, kind in
                switch kind {
                case .blob:
                    if let path = origins.record(blob: id, commit: commit, prefix: prefix, name: name) {
                        emit(GitBlobJob(id: id, path: path, source: .history))
                    }
                case .tree:
                    if !seenTrees.contains(id) { subtrees.append((id, prefix + String(cString: name) + "/")) }
                case .submodule:
                    submodules.append((prefix + String(cString: name), id))
                case .other:
                    break
                }
            }
        } catch {
            skipped.append(SkippedInput(path: prefix.isEmpty ? "tree:\(tree)" : prefix, reason: .unreadable, detail: "tree \(tree) in commit \(commit) cannot be read: \(error)"))
            return
        }
        for (path, id) in submodules { noteSubmodule(path, id) }
        for (id, path) in subtrees { walkTree(id, prefix: path, commit: commit, emit: emit) }
    }

    /// Blobs a commit introduces: those at a path where the commit differs from every parent (all
    /// of its tree for a root commit, or one whose parents are not in this clone). Parents come
    /// before children, so a blob a merge brings from a branch was already recorded there; what is
    /// left is content the merge itself made. Unchanged subtrees are skipped inside libgit2.
    mutating func introduce(commit: GitObjectID, tree: GitObjectID, parentTrees: [GitObjectID?], emit: (GitBlobJob) -> Void) {
        var changes = [(path: String, id: GitObjectID, kind: GitTreeEntry.Kind)]()
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
                    try repository.changes(from: other, to: tree) { name, id, _ in againstOther.insert(String(cString: name)) }
                    changes.removeAll { !againstOther.contains($0.path) }
                }
            }
        } catch {
            skipped.append(SkippedInput(path: "commit:\(commit)", reason: .unreadable, detail: "the trees of commit \(commit) cannot be compared: \(error)"))
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
        skipped.append(SkippedInput(path: path, reason: .submodule, detail: "submodule (commit \(id) of another repository); not followed"))
    }
}
