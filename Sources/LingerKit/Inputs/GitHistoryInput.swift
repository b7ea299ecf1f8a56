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

/// Where each blob was first seen while walking history, and how often it was seen again.
final class BlobOrigins: @unchecked Sendable {
    struct Origin {
        var commit: Int32
        var path: Int32
    }
    private(set) var commits: [GitObjectID] = []
    private var commitIndex: [GitObjectID: Int32] = [:]
    private var paths: [String] = []
    private var pathIndex: [String: Int32] = [:]
    private var origins: [GitObjectID: Origin] = [:]
    /// Paths other than the first at which a blob was seen (only for blobs seen at several).
    private var otherPaths: [GitObjectID: [Int32]] = [:]

    private func intern(_ path: String) -> Int32 {
        if let known = pathIndex[path] { return known }
        let number = Int32(paths.count)
        paths.append(path)
        pathIndex[path] = number
        return number
    }

    /// Records a sighting; returns true the first time the blob is seen.
    func record(blob: GitObjectID, commit: GitObjectID, path: String) -> Bool {
        if let origin = origins[blob] {
            let number = intern(path)
            if number != origin.path && !(otherPaths[blob]?.contains(number) ?? false) {
                otherPaths[blob, default: []].append(number)
            }
            return false
        }
        let commitNumber: Int32
        if let known = commitIndex[commit] {
            commitNumber = known
        } else {
            commitNumber = Int32(commits.count)
            commits.append(commit)
            commitIndex[commit] = commitNumber
        }
        origins[blob] = Origin(commit: commitNumber, path: intern(path))
        return true
    }

    func contains(_ blob: GitObjectID) -> Bool { origins[blob] != nil }

    func origin(of blob: GitObjectID) -> (commit: GitObjectID, path: String, otherPaths: [String])? {
        guard let origin = origins[blob] else { return nil }
        let others = (otherPaths[blob] ?? []).map { paths[Int($0)] }.sorted()
        return (commits[Int(origin.commit)], paths[Int(origin.path)], others)
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

    /// Every blob under `tree` not seen before (trees already walked are skipped whole).
    mutating func walkTree(_ tree: GitObjectID, prefix: String, commit: GitObjectID, emit: (GitBlobJob) -> Void) {
        guard seenTrees.insert(tree).inserted else { return }
        let entries: [GitTreeEntry]
        do {
            entries = try repository.treeEntries(tree)
        } catch {
            skipped.append(SkippedInput(path: prefix.isEmpty ? "tree:\(tree)" : prefix, reason: .unreadable, detail: "tree \(tree) in commit \(commit) cannot be read: \(error)"))
            return
        }
        for entry in entries {
            let path = prefix + entry.name
            switch entry.kind {
            case .blob:
                if origins.record(blob: entry.id, commit: commit, path: path) {
                    emit(GitBlobJob(id: entry.id, path: path, source: .history))
                }
            case .tree:
                walkTree(entry.id, prefix: path + "/", commit: commit, emit: emit)
            case .submodule:
                noteSubmodule(path, entry.id)
            case .other:
                break
            }
        }
    }

    /// Blobs of `tree` that differ from the same path in every parent tree: what the commit introduced.
    mutating func introducedBlobs(tree: GitObjectID, parents: [GitObjectID?], prefix: String, commit: GitObjectID, emit: (GitBlobJob) -> Void) {
        let entries: [GitTreeEntry]
        do {
            entries = try repository.treeEntries(tree)
        } catch {
            skipped.append(SkippedInput(path: prefix.isEmpty ? "tree:\(tree)" : prefix, reason: .unreadable, detail: "tree \(tree) in commit \(commit) cannot be read: \(error)"))
            return
        }
        let parentEntries: [[String: GitTreeEntry]] = parents.map { parent in
            guard let parent, let list = try? repository.treeEntries(parent) else { return [:] }
            return Dictionary(list.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        for entry in entries {
            if !parentEntries.isEmpty && parentEntries.contains(where: { $0[entry.name]?.id == entry.id }) { continue }
            let path = prefix + entry.name
            switch entry.kind {
            case .blob:
                if origins.record(blob: entry.id, commit: commit, path: path) {
                    emit(GitBlobJob(id: entry.id, path: path, source: .history))
                }
            case .tree:
                let subtrees: [GitObjectID?] = parentEntries.map { map in
                    guard let match = map[entry.name], match.kind == .tree else { return nil }
                    return match.id
                }
                introducedBlobs(tree: entry.id, parents: subtrees, prefix: path + "/", commit: commit, emit: emit)
            case .submodule:
                noteSubmodule(path, entry.id)
            case .other:
                break
            }
        }
    }

    private mutating func noteSubmodule(_ path: String, _ id: GitObjectID) {
        guard noted.insert(path).inserted else { return }
        skipped.append(SkippedInput(path: path, reason: .submodule, detail: "submodule (commit \(id) of another repository); not followed"))
    }
}
