import Foundation

/// A file to scan, found by walking a directory.
public struct FileEntry: Sendable, Equatable {
    /// Absolute or root-joined path used to open the file.
    public var path: String
    /// Path relative to the scan root, for reports.
    public var displayPath: String
    public var size: Int
}

/// Walks a directory tree: regular files only, `.git` folders skipped, symlinks never followed
/// (a link whose target lies outside the tree is reported as skipped; one inside is scanned at
/// its target). A single file is one entry.
public struct DirectoryInput: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

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

    /// Every file under the root, sorted by display path, plus what was skipped while walking.
    public func enumerate() throws -> (files: [FileEntry], skipped: [SkippedInput]) {
        var info = stat()
        guard stat(root, &info) == 0 else {
            if errno == ENOENT { throw InputError.notFound(root) }
            throw InputError.notReadable(root, String(cString: strerror(errno)))
        }
        if info.st_mode & S_IFMT != S_IFDIR {
            let name = PathName.name(root)
            guard info.st_mode & S_IFMT == S_IFREG else {
                return ([], [SkippedInput(path: root, reason: .notRegularFile, detail: "not a regular file")])
            }
            return ([FileEntry(path: root, displayPath: name, size: Int(info.st_size))], [])
        }
        let realRoot = Self.realPath(root) ?? root
        var files = [FileEntry]()
        var skipped = [SkippedInput]()
        walk(directory: root, relative: "", realRoot: realRoot, files: &files, skipped: &skipped)
        files.sort { $0.displayPath < $1.displayPath }
        skipped.sort { $0.path < $1.path }
        return (files, skipped)
    }

    private func walk(
        directory: String, relative: String, realRoot: String, files: inout [FileEntry], skipped: inout [SkippedInput]
    ) {
        guard let handle = opendir(directory) else {
            skipped.append(
                SkippedInput(
                    path: relative.isEmpty ? "." : relative, reason: .unreadable,
                    detail: String(cString: strerror(errno))))
            return
        }
        defer { closedir(handle) }
        var names = [String]()
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            // .git is history (--git reads it); .linger holds Linger's own ledger.
            if name == "." || name == ".." || name == ".git" || name == ".linger" { continue }
            names.append(name)
        }
        for name in names.sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let display = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else {
                skipped.append(
                    SkippedInput(path: display, reason: .unreadable, detail: String(cString: strerror(errno))))
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(directory: path, relative: display, realRoot: realRoot, files: &files, skipped: &skipped)
            case S_IFREG:
                files.append(FileEntry(path: path, displayPath: display, size: Int(info.st_size)))
            case S_IFLNK:
                // Links are not followed: a target inside the tree is scanned where it lies.
                if let target = Self.realPath(path), target == realRoot || target.hasPrefix(realRoot + "/") { continue }
                skipped.append(
                    SkippedInput(
                        path: display, reason: .symlinkOutsideTree,
                        detail: "symbolic link leads outside the scanned tree; not followed"))
            default:
                skipped.append(SkippedInput(path: display, reason: .notRegularFile, detail: "FIFO, socket or device"))
            }
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
