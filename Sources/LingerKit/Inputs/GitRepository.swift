import CGit2
import Foundation

/// A git object id (SHA-1), stored inline so sets of millions of them stay small.
public struct GitObjectID: Hashable, Sendable, Comparable, CustomStringConvertible {
    var high: UInt64
    var middle: UInt64
    var low: UInt32

    init(_ oid: git_oid) {
        var copy = oid
        (high, middle, low) = withUnsafeBytes(of: &copy.id) { raw in
            (
                raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self).bigEndian,
                raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).bigEndian,
                raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self).bigEndian
            )
        }
    }

    var raw: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { raw in
            raw.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: middle.bigEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: low.bigEndian, toByteOffset: 16, as: UInt32.self)
        }
        return oid
    }

    /// Lower-case hexadecimal, 40 characters.
    /// 40 lower-case hexadecimal digits (written by hand: `String(format:)` showed in a sweep's
    /// profile, as every blob scanned gets its id as text).
    public var description: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 40) { buffer in
            for (offset, (value, width)) in [(high, 16), (middle, 16), (UInt64(low), 8)].enumerated() {
                let start = offset == 0 ? 0 : (offset == 1 ? 16 : 32)
                for index in 0..<width {
                    buffer[start + index] = digits[Int((value >> UInt64(4 * (width - 1 - index))) & 0xF)]
                }
            }
            return 40
        }
    }

    /// An id from its 20 raw bytes.
    init(rawBytes: UnsafeRawBufferPointer) {
        high = rawBytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).bigEndian
        middle = rawBytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).bigEndian
        low = rawBytes.loadUnaligned(fromByteOffset: 16, as: UInt32.self).bigEndian
    }

    /// All zeros: a placeholder, never a real object.
    static let zero = GitObjectID(git_oid())

    /// Object ids are uniformly random: 64 of their bits are hash enough, and cheaper than all 160.
    public func hash(into hasher: inout Hasher) { hasher.combine(high) }

    public static func == (lhs: GitObjectID, rhs: GitObjectID) -> Bool {
        lhs.high == rhs.high && lhs.middle == rhs.middle && lhs.low == rhs.low
    }

    public static func < (lhs: GitObjectID, rhs: GitObjectID) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }
}

/// Errors from libgit2, with what Linger was doing.
public enum GitError: Error, CustomStringConvertible, Equatable {
    case notARepository(path: String)
    case badRevision(String, message: String)
    case noIndex(path: String)
    case library(operation: String, code: Int32, message: String)
    case missingIndexFile(path: String)

    public var description: String {
        switch self {
        case .notARepository(let path): return "\(path): not a git repository (or any of its parent folders)"
        case .badRevision(let revision, let message):
            return "\(revision): not a revision in this repository: \(message)"
        case .noIndex(let path): return "\(path): a bare repository has no index; --staged needs a work tree"
        case .library(let operation, let code, let message): return "git: \(operation) failed (\(code)): \(message)"
        case .missingIndexFile(let path):
            return "GIT_INDEX_FILE names \(path), which does not exist: unset it, or run from where git set it"
        }
    }

    static func last(_ operation: String, _ code: Int32) -> GitError {
        let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "unknown error"
        return .library(operation: operation, code: code, message: message)
    }
}

/// Who made a commit, when, and what it says: the provenance of a finding in history.
public struct GitCommitInfo: Sendable, Equatable, Codable {
    public var id: String
    public var authorName: String
    public var authorEmail: String
    /// Seconds since 1970 (UTC).
    public var authorTime: Int64
    public var summary: String
}

/// What a tree entry is: a blob (file or symlink), a subtree or a submodule.
enum GitEntryKind { case blob, tree, submodule, other }

/// The libgit2 boundary: an open repository. One handle per thread (libgit2 objects are not
/// shared across threads); every C handle is freed in `deinit`.
public final class GitRepository: @unchecked Sendable {
    // Sendable only so a handle can be handed to the thread that will own it: callers never use
    // one handle from two threads at once (the history producer owns the scan's main handle until
    // it finishes; each worker opens its own).
    private let handle: OpaquePointer
    private let odb: OpaquePointer

    private static let initialised: Bool = {
        git_libgit2_init()
        // Bigger pack windows and object cache than the defaults: history sweeps read whole packs.
        _ = linger_git_set_mwindow_size(64 << 20)
        _ = linger_git_set_mwindow_mapped_limit(128 << 20)
        // No object cache: a sweep reads each tree and blob once (the walk skips trees it has
        // seen), and with a cache every read paid for evicting entries from a full one.
        _ = linger_git_set_enable_caching(0)
        // libgit2 re-hashes every object it reads with collision-detecting SHA-1, which costs more
        // than scanning the bytes. Damage is still caught: zlib checks each object's adler-32 and
        // libgit2 checks pack and index structure; a damaged object is reported and skipped.
        _ = linger_git_set_strict_hash_verification(0)
        return true
    }()

    /// Starts libgit2 on a thread of its own, for a scan that will open a repository once its
    /// rules are ready: its start (4.5 ms, mostly seeding mbedTLS's random generator) then runs
    /// beside the rules' (a scan inside a work tree found its place 4 ms sooner).
    public static func startLibraryInBackground() {
        Thread.detachNewThread { _ = initialised }
    }

    /// libgit2's version, for `linger version`.
    public static var libraryVersion: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }

    /// Opens the repository at `path` (a work tree, a `.git` folder or a bare repository; parent
    /// folders are searched as git does).
    public init(path: String) throws {
        _ = Self.initialised
        var repository: OpaquePointer?
        let code = git_repository_open_ext(&repository, path, 0, nil)
        guard code == 0, let repository else {
            if code == GIT_ENOTFOUND.rawValue { throw GitError.notARepository(path: path) }
            throw GitError.last("opening \(path)", code)
        }
        var database: OpaquePointer?
        let odbCode = git_repository_odb(&database, repository)
        guard odbCode == 0, let database else {
            git_repository_free(repository)
            throw GitError.last("opening the object database", odbCode)
        }
        handle = repository
        odb = database
        gitDirectory = String(cString: git_repository_path(repository))
        workDirectory = git_repository_workdir(repository).map { String(cString: $0) }
        isBare = git_repository_is_bare(repository) == 1
        isShallow = git_repository_is_shallow(repository) == 1
    }

    deinit {
        git_odb_free(odb)
        git_repository_free(handle)
    }

    public let gitDirectory: String
    public let workDirectory: String?
    public let isBare: Bool
    public let isShallow: Bool

    /// A string from the repository's configuration (local, global and system, as git reads them).
    public func configString(_ name: String) -> String? {
        var config: OpaquePointer?
        guard git_repository_config_snapshot(&config, handle) == 0, let config else { return nil }
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        guard git_config_get_string(&value, config, name) == 0, let value else { return nil }
        return String(cString: value)
    }

    /// Where git looks for hooks: `core.hooksPath` (relative to the work tree) or `.git/hooks`.
    public var hooksDirectory: String {
        if let configured = configString("core.hooksPath"), !configured.isEmpty {
            if configured.hasPrefix("/") { return configured }
            return ((workDirectory ?? gitDirectory) as NSString).appendingPathComponent(configured)
        }
        return (gitDirectory as NSString).appendingPathComponent("hooks")
    }

    /// Whether HEAD names a branch with no commits yet.
    public var isHeadUnborn: Bool { git_repository_head_unborn(handle) == 1 }

    /// Every reference (branches, tags, remote-tracking refs, notes, the stash) with the commit it
    /// leads to; references that lead to something else are listed with their object instead, and
    /// references that lead nowhere readable (a missing or damaged object) with neither, and why.
    func references() throws -> [(name: String, commit: GitObjectID?, object: GitObjectID?, fault: String?)] {
        var iterator: OpaquePointer?
        var code = git_reference_iterator_new(&iterator, handle)
        guard code == 0, let iterator else { throw GitError.last("listing references", code) }
        defer { git_reference_iterator_free(iterator) }
        var result = [(name: String, commit: GitObjectID?, object: GitObjectID?, fault: String?)]()
        while true {
            var reference: OpaquePointer?
            code = git_reference_next(&reference, iterator)
            if code == GIT_ITEROVER.rawValue { break }
            guard code == 0, let reference else { throw GitError.last("reading a reference", code) }
            defer { git_reference_free(reference) }
            let name = String(cString: git_reference_name(reference))
            var object: OpaquePointer?
            if git_reference_peel(&object, reference, GIT_OBJECT_COMMIT) == 0, let object {
                result.append((name, GitObjectID(git_object_id(object).pointee), nil, nil))
                git_object_free(object)
            } else if git_reference_peel(&object, reference, GIT_OBJECT_ANY) == 0, let object {
                result.append((name, nil, GitObjectID(git_object_id(object).pointee), nil))
                git_object_free(object)
            } else {
                let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "cannot be resolved"
                let target = git_reference_target(reference).map { " (\(GitObjectID($0.pointee)))" } ?? ""
                result.append((name, nil, nil, "\(name)\(target) leads to no readable object: \(message)"))
            }
        }
        return result.sorted { $0.name < $1.name }
    }

    /// Older stash entries (`stash@{1}` …), which only the stash reflog reaches.
    func stashCommits() -> [GitObjectID] {
        final class Box { var ids = [GitObjectID]() }
        let box = Box()
        _ = git_stash_foreach(
            handle,
            { _, _, oid, payload in
                if let oid, let payload {
                    Unmanaged<Box>.fromOpaque(payload).takeUnretainedValue().ids.append(GitObjectID(oid.pointee))
                }
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
        return box.ids
    }

    /// The commit `revision` names (`HEAD`, `origin/main`, `v1.2`, an id).
    public func resolveCommit(_ revision: String) throws -> GitObjectID {
        var object: OpaquePointer?
        let code = git_revparse_single(&object, handle, revision)
        guard code == 0, let object else {
            let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "not found"
            throw GitError.badRevision(revision, message: message)
        }
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        guard git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0, let peeled else {
            throw GitError.badRevision(revision, message: "does not lead to a commit")
        }
        defer { git_object_free(peeled) }
        return GitObjectID(git_object_id(peeled).pointee)
    }

    /// A commit's tree and parents.
    func commitTreeAndParents(_ id: GitObjectID) throws -> (tree: GitObjectID, parents: [GitObjectID]) {
        var oid = id.raw
        var commit: OpaquePointer?
        let code = git_commit_lookup(&commit, handle, &oid)
        guard code == 0, let commit else { throw GitError.last("reading commit \(id)", code) }
        defer { git_commit_free(commit) }
        let tree = GitObjectID(git_commit_tree_id(commit).pointee)
        let count = git_commit_parentcount(commit)
        let parents = (0..<count).compactMap { git_commit_parent_id(commit, $0).map { GitObjectID($0.pointee) } }
        return (tree, parents)
    }

    /// Author, time and summary of a commit.
    public func commitInfo(_ id: GitObjectID) throws -> GitCommitInfo {
        var oid = id.raw
        var commit: OpaquePointer?
        let code = git_commit_lookup(&commit, handle, &oid)
        guard code == 0, let commit else { throw GitError.last("reading commit \(id)", code) }
        defer { git_commit_free(commit) }
        let author = git_commit_author(commit)
        return GitCommitInfo(
            id: id.description,
            authorName: author.map { String(cString: $0.pointee.name) } ?? "",
            authorEmail: author.map { String(cString: $0.pointee.email) } ?? "",
            authorTime: author.map { Int64($0.pointee.when.time) } ?? 0,
            summary: git_commit_summary(commit).map { String(cString: $0) } ?? "")
    }

    /// Calls `body` with each entry of a tree: its position, name (a C string, valid during the
    /// call), id and kind.
    func forEachEntry(of id: GitObjectID, _ body: (Int, UnsafePointer<CChar>, GitObjectID, GitEntryKind) -> Void)
        throws
    {
        var oid = id.raw
        var tree: OpaquePointer?
        let code = git_tree_lookup(&tree, handle, &oid)
        guard code == 0, let tree else { throw GitError.last("reading tree \(id)", code) }
        defer { git_tree_free(tree) }
        for index in 0..<git_tree_entrycount(tree) {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let kind: GitEntryKind
            switch git_tree_entry_type(entry) {
            case GIT_OBJECT_BLOB: kind = .blob
            case GIT_OBJECT_TREE: kind = .tree
            case GIT_OBJECT_COMMIT: kind = .submodule
            default: kind = .other
            }
            body(index, git_tree_entry_name(entry), GitObjectID(git_tree_entry_id(entry).pointee), kind)
        }
    }

    /// What `tree` adds or changes over `base` (nil: an empty tree): each changed path whose new
    /// side is a blob or a submodule, with its id. Unchanged subtrees are skipped inside libgit2.
    func changes(
        from base: GitObjectID?, to tree: GitObjectID,
        _ body: (UnsafePointer<CChar>, GitObjectID, GitEntryKind) -> Void
    ) throws {
        func lookup(_ id: GitObjectID) throws -> OpaquePointer {
            var oid = id.raw
            var handle: OpaquePointer?
            let code = git_tree_lookup(&handle, self.handle, &oid)
            guard code == 0, let handle else { throw GitError.last("reading tree \(id)", code) }
            return handle
        }
        let newTree = try lookup(tree)
        defer { git_tree_free(newTree) }
        let oldTree = try base.map(lookup)
        defer { if let oldTree { git_tree_free(oldTree) } }
        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        // Only which entries changed: no content is loaded, no binary check, no similarity.
        options.flags = GIT_DIFF_SKIP_BINARY_CHECK.rawValue | GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        options.ignore_submodules = GIT_SUBMODULE_IGNORE_NONE
        var diff: OpaquePointer?
        let code = git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options)
        guard code == 0, let diff else { throw GitError.last("comparing trees", code) }
        defer { git_diff_free(diff) }
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index) else { continue }
            let status = delta.pointee.status
            guard status != GIT_DELTA_DELETED, status != GIT_DELTA_UNMODIFIED else { continue }
            let file = delta.pointee.new_file
            let kind: GitEntryKind
            switch UInt32(file.mode) {
            case GIT_FILEMODE_BLOB.rawValue, GIT_FILEMODE_BLOB_EXECUTABLE.rawValue, GIT_FILEMODE_LINK.rawValue:
                kind = .blob
            case GIT_FILEMODE_COMMIT.rawValue: kind = .submodule
            default: continue
            }
            guard let path = file.path else { continue }
            body(path, GitObjectID(file.id), kind)
        }
    }

    /// An object's type and size without inflating it.
    func header(_ id: GitObjectID) throws -> (isBlob: Bool, isCommit: Bool, size: Int) {
        var oid = id.raw
        var size = 0
        var type = GIT_OBJECT_INVALID
        let code = git_odb_read_header(&size, &type, odb, &oid)
        guard code == 0 else { throw GitError.last("reading object \(id)", code) }
        return (type == GIT_OBJECT_BLOB, type == GIT_OBJECT_COMMIT, size)
    }

    /// Reads an object's bytes and passes them to `body` without copying.
    func withObjectBytes<T>(_ id: GitObjectID, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        var oid = id.raw
        var object: OpaquePointer?
        let code = git_odb_read(&object, odb, &oid)
        guard code == 0, let object else { throw GitError.last("reading object \(id)", code) }
        defer { git_odb_object_free(object) }
        let size = git_odb_object_size(object)
        return try body(UnsafeRawBufferPointer(start: git_odb_object_data(object), count: size))
    }

    /// A blob's bytes, or nil when the object database has no such blob (history rewritten and
    /// collected) or the object is not a blob.
    public func blobBytes(_ id: GitObjectID) -> [UInt8]? {
        guard let header = try? header(id), header.isBlob else { return nil }
        return try? withObjectBytes(id) { [UInt8]($0) }
    }

    /// The URL of the `origin` remote without user name or password, when there is one.
    public var originURL: String? {
        guard let url = configString("remote.origin.url"), !url.isEmpty else { return nil }
        guard var components = URLComponents(string: url), components.scheme != nil else { return url }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }

    /// Every object id in the object database (loose and packed, reachable or not).
    func allObjectIDs() throws -> [GitObjectID] {
        final class Box { var ids = [GitObjectID]() }
        let box = Box()
        let code = git_odb_foreach(
            odb,
            { oid, payload in
                if let oid, let payload {
                    Unmanaged<Box>.fromOpaque(payload).takeUnretainedValue().ids.append(GitObjectID(oid.pointee))
                }
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
        guard code == 0 else { throw GitError.last("listing the object database", code) }
        return box.ids
    }

    /// What the index adds or changes over HEAD (everything, when HEAD is unborn): each staged
    /// path whose new side is a blob, with the blob's id before (nil when new) and after.
    ///
    /// The index is the one git itself would commit: `GIT_INDEX_FILE` when it is set (git sets it
    /// for a pre-commit hook under `git commit -a` and `git commit PATH`, whose commit is built
    /// in a temporary index; libgit2 does not read the variable), else the repository's own.
    func stagedChanges(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> [(path: String, old: GitObjectID?, new: GitObjectID)] {
        var index: OpaquePointer?
        var code: Int32
        if let file = environment["GIT_INDEX_FILE"], !file.isEmpty {
            let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            guard FileManager.default.fileExists(atPath: path) else { throw GitError.missingIndexFile(path: path) }
            code = git_index_open(&index, path)
        } else {
            code = git_repository_index(&index, handle)
        }
        guard code == 0, let index else { throw GitError.last("reading the index", code) }
        defer { git_index_free(index) }
        var headTree: OpaquePointer?
        if let tree = try self.headTree() {
            var oid = tree.raw
            code = git_tree_lookup(&headTree, handle, &oid)
            if code != 0 { throw GitError.last("reading HEAD's tree", code) }
        }
        defer { if let headTree { git_tree_free(headTree) } }
        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        options.flags = GIT_DIFF_SKIP_BINARY_CHECK.rawValue | GIT_DIFF_INCLUDE_TYPECHANGE.rawValue
        var diff: OpaquePointer?
        code = git_diff_tree_to_index(&diff, handle, headTree, index, &options)
        guard code == 0, let diff else { throw GitError.last("comparing the index with HEAD", code) }
        defer { git_diff_free(diff) }
        var result = [(path: String, old: GitObjectID?, new: GitObjectID)]()
        for position in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, position) else { continue }
            let status = delta.pointee.status
            guard status != GIT_DELTA_DELETED, status != GIT_DELTA_UNMODIFIED, status != GIT_DELTA_CONFLICTED else {
                continue
            }
            let new = delta.pointee.new_file
            let mode = UInt32(new.mode)
            guard
                mode == GIT_FILEMODE_BLOB.rawValue || mode == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue
                    || mode == GIT_FILEMODE_LINK.rawValue,
                let path = new.path
            else { continue }
            let oldFile = delta.pointee.old_file
            let oldMode = UInt32(oldFile.mode)
            let hadBlob =
                status != GIT_DELTA_ADDED
                && (oldMode == GIT_FILEMODE_BLOB.rawValue || oldMode == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue
                    || oldMode == GIT_FILEMODE_LINK.rawValue)
            result.append((String(cString: path), hadBlob ? GitObjectID(oldFile.id) : nil, GitObjectID(new.id)))
        }
        return result
    }

    /// The HEAD commit's tree, or nil when HEAD is unborn.
    func headTree() throws -> GitObjectID? {
        if isHeadUnborn { return nil }
        return try commitTreeAndParents(resolveCommit("HEAD")).tree
    }

    /// 1-based line numbers of `new` that a line diff against `old` marks as added.
    func addedLines(old: GitObjectID?, new: GitObjectID) throws -> Set<Int> {
        final class Box { var lines = Set<Int>() }
        let box = Box()
        var newOID = new.raw
        var newBlob: OpaquePointer?
        var code = git_blob_lookup(&newBlob, handle, &newOID)
        guard code == 0, let newBlob else { throw GitError.last("reading blob \(new)", code) }
        defer { git_blob_free(newBlob) }
        var oldBlob: OpaquePointer?
        if let old {
            var oldOID = old.raw
            code = git_blob_lookup(&oldBlob, handle, &oldOID)
            if code != 0 { throw GitError.last("reading blob \(old)", code) }
        }
        defer { if let oldBlob { git_blob_free(oldBlob) } }
        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        options.context_lines = 0
        // Treat every blob as text: a secret in a file git calls binary still counts.
        options.flags |= GIT_DIFF_FORCE_TEXT.rawValue
        code = git_diff_blobs(
            oldBlob, nil, newBlob, nil, &options, nil, nil, nil,
            { _, _, line, payload in
                if let line, let payload, line.pointee.origin == CChar(UInt8(ascii: "+")), line.pointee.new_lineno > 0 {
                    let box = Unmanaged<Box>.fromOpaque(payload).takeUnretainedValue()
                    for offset in 0..<max(1, Int(line.pointee.num_lines)) {
                        box.lines.insert(Int(line.pointee.new_lineno) + offset)
                    }
                }
                return 0
            }, Unmanaged.passUnretained(box).toOpaque())
        guard code == 0 else { throw GitError.last("diffing \(new)", code) }
        return box.lines
    }
}
