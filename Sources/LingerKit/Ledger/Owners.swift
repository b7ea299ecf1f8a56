import Foundation

/// A repository's CODEOWNERS file (GitHub's and GitLab's format): patterns and their owners. The
/// last pattern that matches a path decides, as both hosts read it.
public struct CodeOwners: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var pattern: String
        public var owners: [String]
    }
    public var rules: [Rule]
    /// Where it was read from, relative to the repository's top.
    public var source: String

    /// The file GitHub and GitLab would read: `.github/CODEOWNERS`, `CODEOWNERS`, then
    /// `docs/CODEOWNERS`.
    public static let locations = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]

    public static func load(repositoryTop top: String) -> CodeOwners? {
        for location in locations {
            let file = (top as NSString).appendingPathComponent(location)
            guard let handle = FileHandle(forReadingAtPath: file) else { continue }
            defer { try? handle.close() }
            // A real CODEOWNERS is a few kilobytes; a hostile one is cut, not read whole.
            let data = (try? handle.read(upToCount: 1 << 20)) ?? Data()
            return CodeOwners(text: String(decoding: data, as: UTF8.self), source: location)
        }
        return nil
    }

    public init(text: String, source: String) {
        self.source = source
        rules = text.split(whereSeparator: \.isNewline).compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            // GitLab's `[Section]` headers and comments carry no rule.
            guard !line.isEmpty, !line.hasPrefix("#"), !line.hasPrefix("[") && !line.hasPrefix("^[") else {
                return nil
            }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let owners = fields.dropFirst().prefix { !$0.hasPrefix("#") }
            return Rule(pattern: fields[0], owners: Array(owners))
        }
    }

    /// The owners of `path` (relative to the repository's top): the last matching rule's, which
    /// may be none (a pattern with no owners un-owns a path).
    public func owners(of path: String) -> [String]? {
        rules.last { Self.matches($0.pattern, path) }?.owners
    }

    /// gitignore-style matching as CODEOWNERS uses it: a leading `/` anchors at the top, a
    /// trailing `/` matches everything under a folder, a pattern without a slash matches a name
    /// at any depth, `*` and `**` as globs.
    static func matches(_ pattern: String, _ path: String) -> Bool {
        var pattern = pattern
        let anchored = pattern.hasPrefix("/")
        if anchored { pattern.removeFirst() }
        if pattern.hasSuffix("/") { pattern += "**" }
        if pattern.isEmpty { return false }
        if !anchored && !pattern.dropLast(pattern.hasSuffix("/**") ? 3 : 0).contains("/") {
            // A name at any depth, or a folder of that name anywhere.
            let components = path.split(separator: "/").map(String.init)
            if pattern.hasSuffix("/**") {
                let name = String(pattern.dropLast(3))
                return components.dropLast().contains { Glob.matches(name, $0) }
            }
            return components.contains { Glob.matches(pattern, $0) }
        }
        if Glob.matches(pattern, path) { return true }
        // A folder pattern without a trailing slash owns what is under it too.
        return Glob.matches(pattern + "/**", path)
    }
}

/// Who should rotate a secret: the CODEOWNERS entry for where it lives, else the author of the
/// commit that introduced it. Reads each repository once, from the locations the ledger recorded.
public final class OwnerResolver: @unchecked Sendable {
    private var codeOwners: [String: CodeOwners?] = [:]
    private var repositories: [String: GitRepository?] = [:]
    private var authors: [String: String?] = [:]

    public init() {}

    /// The owner of a place, and where that came from (`CODEOWNERS` or `commit author`).
    public func owner(of occurrence: LedgerOccurrence) -> (owner: String, source: String)? {
        let location = occurrence.location
        if codeOwners[location] == nil {
            codeOwners[location] = .some(top(of: location).flatMap { CodeOwners.load(repositoryTop: $0) })
        }
        if let file = codeOwners[location] ?? nil, let owners = file.owners(of: occurrence.path), !owners.isEmpty {
            return (owners.joined(separator: " "), file.source)
        }
        if let commit = occurrence.commit, let author = author(of: commit, at: location) {
            return (author, "commit author")
        }
        return nil
    }

    /// "Name <email>" of a commit's author, read from the repository at `location`.
    public func author(of commit: String, at location: String) -> String? {
        let key = location + "\u{0}" + commit
        if let known = authors[key] { return known }
        if repositories[location] == nil { repositories[location] = .some(try? GitRepository(path: location)) }
        var author: String?
        if let repository = repositories[location] ?? nil, let id = GitObjectID(hex: commit),
            let info = try? repository.commitInfo(id)
        {
            author = "\(info.authorName) <\(info.authorEmail)>"
        }
        authors[key] = .some(author)
        return author
    }

    private func top(of location: String) -> String? {
        if repositories[location] == nil { repositories[location] = .some(try? GitRepository(path: location)) }
        if let repository = repositories[location] ?? nil { return repository.workDirectory ?? location }
        return location
    }
}
