import Foundation

/// Where a scanned directory or file sits in its git work tree, if it is in one: reports then name
/// files from the repository's top (as GitHub code scanning and reviewers expect), and the
/// repository's `.linger.yml` and `.lingerignore` are found from the scanned folder up to the top.
public struct RepositoryPlace: Sendable, Equatable {
    /// The work tree's top, resolved (symbolic links followed); nil outside a work tree.
    public var top: String?
    /// The scanned folder (for a file, its folder), resolved.
    public var folder: String
    /// The scanned folder relative to `top` ("" at the top, or outside a work tree).
    public var prefix: String

    public init(scanning path: String) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let folderPath = exists && !isDirectory.boolValue ? (PathName.parent(path).isEmpty ? "." : PathName.parent(path)) : path
        folder = Self.resolved(folderPath)
        top = nil
        prefix = ""
        // Outside any repository, libgit2 is not started at all: its start (seeding mbedTLS's
        // random generator) was 4.5 ms of every directory scan's start.
        guard Self.anyFolderUpHoldsRepository(from: folder), let repository = try? GitRepository(path: folder), !repository.isBare,
            let work = repository.workDirectory
        else { return }
        let resolvedTop = Self.resolved(work)
        if folder == resolvedTop {
            top = resolvedTop
        } else if folder.hasPrefix(resolvedTop + "/") {
            top = resolvedTop
            prefix = String(folder.dropFirst(resolvedTop.count + 1))
        }
    }

    /// The nearest `name` from the scanned folder up to the top (only the folder itself outside a
    /// work tree), with its folder relative to the top.
    public func nearest(_ name: String) -> (file: String, base: String)? {
        var current = folder
        var base = prefix
        while true {
            let candidate = (current as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: candidate) { return (candidate, base) }
            guard let top, current != top, current.hasPrefix(top + "/") else { return nil }
            current = PathName.parent(current)
            base = PathName.parent(base)
        }
    }

    /// A folder of the same file system relative to the top, or "" when it is not inside it.
    public func base(of directory: String) -> String {
        guard let top else { return "" }
        let resolved = Self.resolved(directory.isEmpty ? "." : directory)
        if resolved == top { return "" }
        return resolved.hasPrefix(top + "/") ? String(resolved.dropFirst(top.count + 1)) : ""
    }

    /// Whether libgit2's discovery could find a repository from `folder`: some folder from it
    /// (symbolic links followed) up to the root holds a `.git` entry or a `HEAD` (a git
    /// directory, bare or a linked work tree's). When none does, `git_repository_open_ext` finds
    /// nothing.
    public static func mayLieInRepository(_ folder: String) -> Bool {
        anyFolderUpHoldsRepository(from: resolved(folder))
    }

    /// `mayLieInRepository` from a folder already resolved.
    private static func anyFolderUpHoldsRepository(from folder: String) -> Bool {
        var current = folder
        var status = stat()
        while true {
            let base = current == "/" ? "" : current
            if lstat(base + "/.git", &status) == 0 || lstat(base + "/HEAD", &status) == 0 { return true }
            guard current != "/", !current.isEmpty else { return false }
            current = PathName.parent(current)
            if current.isEmpty { current = "/" }
        }
    }

    static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        defer { free(real) }
        var text = String(cString: real)
        if text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
