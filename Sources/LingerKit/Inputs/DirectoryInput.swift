import Foundation
import Synchronization

/// A file to scan, found by walking a directory.
public struct FileEntry: Sendable, Equatable {
    /// Absolute or root-joined path used to open the file.
    public var path: String
    /// Path relative to the scan root, for reports.
    public var displayPath: String
    /// The size seen while walking; nil when the walk did not read it (a regular file the
    /// directory listing named as one: its size is read once it is open).
    public var size: Int?
    /// The path as the file system has it, NUL-terminated: names need not be UTF-8.
    var pathBytes: [CChar]
    /// Whether opening may follow a symbolic link: only for the one file a user named. A walked
    /// entry was a regular file when listed; if it is a link by the time it is opened, it was
    /// swapped during the scan and is not followed.
    var followsLinks = false
    /// The folder the walk listed the file in, still open, and the file's name in it
    /// (NUL-terminated): opened relative to it, the file is the one the listing named even if a
    /// folder on its path is renamed or swapped for a link meanwhile, and the kernel looks up one
    /// name instead of the whole path. Nil for a file named rather than walked, and when the walk
    /// held too many folders open: `path` is used then.
    var folder: OpenFolder?
    var name: [CChar] = []

    /// Opens the file to read (`flags` besides `O_RDONLY`): relative to its folder when the walk
    /// kept it open, else by path.
    func open(flags: Int32) -> Int32 {
        if let folder { return openat(folder.descriptor, name, O_RDONLY | flags) }
        return Foundation.open(pathBytes, O_RDONLY | flags)
    }

    /// `size`, or when the walk did not read it, the size of the regular file at `path` now
    /// (`lstat`); nil when there is none to read. For when the size must be known without an
    /// open file (one that could not be opened is still too large if it is over the limit): the
    /// walk leaves it unread so that most files cost one `fstat`, after opening.
    func sizeWhenNeeded() -> Int? {
        if let size { return size }
        var listed = stat()
        let status =
            folder.map { fstatat($0.descriptor, name, &listed, AT_SYMLINK_NOFOLLOW) } ?? lstat(pathBytes, &listed)
        guard status == 0, listed.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(listed.st_size)
    }

    public init(path: String, displayPath: String, size: Int?) {
        self.path = path
        self.displayPath = displayPath
        self.size = size
        pathBytes = Array(path.utf8CString)
    }

    init(pathBytes bytes: [UInt8], displayPath: String, size: Int?) {
        path = PathName.display(bytes)
        self.displayPath = displayPath
        self.size = size
        pathBytes = bytes.map { CChar(bitPattern: $0) } + [0]
    }
}

/// A folder the walk opened, kept open while files listed in it wait to be read: closed when
/// the last of them is done with it. At most `limit` are held at once (the walk's own, down the
/// tree, and those of files in the queue); past it, files are opened by path.
final class OpenFolder: Sendable, Equatable {
    let descriptor: Int32
    /// Far below the usual limit of 1,024 descriptors, for the other files open meanwhile.
    static let limit = 256
    private static let held = Atomic<Int>(0)

    /// Opens `name` in `parent` (or the path `name` when `parent` is nil) as a folder, never
    /// through a link. Nil, with `errno` set, when it cannot.
    static func open(_ name: [CChar], in parent: OpenFolder?) -> OpenFolder? {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (parent == nil ? 0 : O_NOFOLLOW)
        let descriptor = parent.map { openat($0.descriptor, name, flags) } ?? Foundation.open(name, flags)
        guard descriptor >= 0 else { return nil }
        return OpenFolder(descriptor: descriptor)
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        Self.held.add(1, ordering: .relaxed)
    }

    deinit {
        close(descriptor)
        Self.held.subtract(1, ordering: .relaxed)
    }

    /// Whether files may keep another folder open (the walk's own are always kept).
    static var mayHoldMore: Bool { held.load(ordering: .relaxed) < limit }

    static func == (left: OpenFolder, right: OpenFolder) -> Bool { left === right }
}

/// Walks a directory tree: regular files only, `.git` folders skipped, symlinks never followed
/// (a link whose target lies outside the tree is reported as skipped; one inside is scanned at
/// its target). A single file is one entry.
public struct DirectoryInput: Sendable {
    public let root: String
    /// Put before every display path: the scanned folder's place in its repository ("svc"), so
    /// reports name files from the repository's top. Empty outside a repository.
    public var displayPrefix: String

    /// Folders the walk leaves out wherever they lie in the tree, as `.git` and `.linger` are:
    /// Linger's own database cache (`linger scan ~` would list the file a cold start is writing,
    /// which is renamed before it is read). Told apart by device and inode, not by name.
    public var excludedFolders: [String] = []

    public init(root: String, displayPrefix: String = "", excludedFolders: [String] = []) {
        self.root = root
        self.displayPrefix = displayPrefix
        self.excludedFolders = excludedFolders
    }

    /// `excludedFolders` that exist, as device and inode.
    private func excludedIdentities() -> [(device: UInt64, inode: UInt64)] {
        excludedFolders.compactMap { folder in
            var info = stat()
            guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
            return (UInt64(info.st_dev), UInt64(info.st_ino))
        }
    }

    func shown(_ path: String) -> String { displayPrefix.isEmpty ? path : displayPrefix + "/" + path }

    public enum InputError: Error, CustomStringConvertible, Equatable {
        case notFound(String)
        case notReadable(String, String)
        public var description: String {
            switch self {
            case .notFound(let path): return "\(path): no such file or directory"
            case .notReadable(let path, let reason): return "\(path): cannot read: \(reason)"
            }
        }
    }

    /// What the root is, read once before a walk.
    enum Root: Sendable {
        /// A folder to walk; `realPath`: where it resolves to, to tell links inside it from others.
        case directory(realPath: String)
        /// A single file (a link the user named is followed).
        case file(FileEntry)
        /// Something that is neither (a device, a FIFO): nothing to read.
        case skipped(SkippedInput)
    }

    /// Reads what the root is. Throws when it cannot be read.
    func openRoot() throws -> Root {
        var info = stat()
        guard stat(root, &info) == 0 else {
            if errno == ENOENT { throw InputError.notFound(root) }
            throw InputError.notReadable(root, String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            return .directory(realPath: Self.realPath(root) ?? root)
        case S_IFREG:
            var entry = FileEntry(path: root, displayPath: shown(PathName.name(root)), size: Int(info.st_size))
            entry.followsLinks = true
            return .file(entry)
        default:
            return .skipped(SkippedInput(path: root, reason: .notRegularFile, detail: "not a regular file"))
        }
    }

    /// Gives `each` every file under `root` (read by `openRoot`) as the walk finds it (a scan
    /// reads the first files while the walk goes on), and returns what was skipped while walking.
    /// `stopping`: asked at each folder; true ends the walk there.
    func enumerate(_ root: Root, stopping: () -> Bool = { false }, each: (FileEntry) -> Void) -> [SkippedInput] {
        switch root {
        case .file(let entry):
            each(entry)
            return []
        case .skipped(let skip):
            return [skip]
        case .directory(let realRoot):
            var skipped = [SkippedInput]()
            let path = Array(self.root.utf8)
            guard let folder = OpenFolder.open(path.map { CChar(bitPattern: $0) } + [0], in: nil) else {
                let reason = String(cString: strerror(errno))
                let shown = displayPrefix.isEmpty ? "." : displayPrefix
                return [SkippedInput(path: shown, reason: .unreadable, detail: reason)]
            }
            let excluded = excludedIdentities()
            walk(
                folder, path: path, relative: displayPrefix, realRoot: realRoot, excluded: excluded,
                stopping: stopping, each: each, skipped: &skipped)
            return skipped
        }
    }

    /// Walks the open `folder`, found at `path` (bytes: names need not be UTF-8). Folders below
    /// are opened relative to it and never through a link: one swapped for a link since it was
    /// listed is not followed.
    private func walk(
        _ folder: OpenFolder, path directory: [UInt8], relative: String, realRoot: String,
        excluded: [(device: UInt64, inode: UInt64)], stopping: () -> Bool, each: (FileEntry) -> Void,
        skipped: inout [SkippedInput]
    ) {
        if stopping() { return }
        let listing = dup(folder.descriptor)
        guard listing >= 0, let handle = fdopendir(listing) else {
            let reason = String(cString: strerror(errno))
            if listing >= 0 { close(listing) }
            skipped.append(SkippedInput(path: relative.isEmpty ? "." : relative, reason: .unreadable, detail: reason))
            return
        }
        var names = [(name: [UInt8], kind: UInt8, inode: UInt64)]()
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            // .git is history (--git reads it); .linger holds Linger's own ledger.
            if name == Self.dot || name == Self.dotDot || name == Self.dotGit || name == Self.dotLinger { continue }
            names.append((name, entry.pointee.d_type, UInt64(entry.pointee.d_ino)))
        }
        closedir(handle)
        for (name, kind, inode) in names.sorted(by: { $0.name.lexicographicallyPrecedes($1.name) }) {
            let path = directory.last == UInt8(ascii: "/") ? directory + name : directory + [UInt8(ascii: "/")] + name
            let nameC = name.map { CChar(bitPattern: $0) } + [0]
            let shownName = PathName.display(name)
            let display = relative.isEmpty ? shownName : relative + "/" + shownName
            func descend() {
                // An excluded folder: the listing's inode says which may be one (no look at the
                // others), the folder's own device and inode decide.
                if excluded.contains(where: { $0.inode == inode }) {
                    var info = stat()
                    if fstatat(folder.descriptor, nameC, &info, AT_SYMLINK_NOFOLLOW) == 0,
                        excluded.contains(where: { $0 == (UInt64(info.st_dev), UInt64(info.st_ino)) })
                    {
                        return
                    }
                }
                guard let child = OpenFolder.open(nameC, in: folder) else {
                    let reason =
                        errno == ELOOP || errno == ENOTDIR
                        ? "became a symbolic link or a file during the scan; not followed"
                        : String(cString: strerror(errno))
                    skipped.append(SkippedInput(path: display, reason: .unreadable, detail: reason))
                    return
                }
                walk(
                    child, path: path, relative: display, realRoot: realRoot, excluded: excluded, stopping: stopping,
                    each: each, skipped: &skipped)
            }
            func file(size: Int?) {
                var entry = FileEntry(pathBytes: path, displayPath: display, size: size)
                if OpenFolder.mayHoldMore {
                    entry.folder = folder
                    entry.name = nameC
                }
                each(entry)
            }
            // The listing names most entries' kind: a regular file or a folder needs no lstat
            // (opening a file checks what it is, in case it changed since). Others, and file
            // systems that do not say (DT_UNKNOWN), are looked at.
            if kind == UInt8(DT_REG) {
                file(size: nil)
                continue
            }
            if kind == UInt8(DT_DIR) {
                descend()
                continue
            }
            var info = stat()
            guard fstatat(folder.descriptor, nameC, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
                skipped.append(
                    SkippedInput(path: display, reason: .unreadable, detail: String(cString: strerror(errno))))
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                descend()
            case S_IFREG:
                file(size: Int(info.st_size))
            case S_IFLNK:
                // Links are not followed: a target inside the tree is scanned where it lies.
                let pathC = path.map { CChar(bitPattern: $0) } + [0]
                if let target = Self.realPath(pathC), target == realRoot || target.hasPrefix(realRoot + "/") { continue }
                skipped.append(
                    SkippedInput(
                        path: display, reason: .symlinkOutsideTree,
                        detail: "symbolic link leads outside the scanned tree; not followed"))
            default:
                skipped.append(SkippedInput(path: display, reason: .notRegularFile, detail: "FIFO, socket or device"))
            }
        }
    }

    static let dot = Array(".".utf8), dotDot = Array("..".utf8), dotGit = Array(".git".utf8)
    static let dotLinger = Array(".linger".utf8)

    static func realPath(_ path: [CChar]) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
