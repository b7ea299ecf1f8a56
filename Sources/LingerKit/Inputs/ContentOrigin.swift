/// Where a piece of scanned content came from: every input kind yields content with one of these,
/// and everything found in it (findings, skips, dropped candidates, certificates) carries it
/// typed — a blob's id never travels inside a path string.
public enum ContentOrigin: Sendable, Equatable {
    /// A file in a scanned directory (or the file scanned), by its display path.
    case file(path: String)
    /// Standard input (or another stream), by the name it has in reports.
    case stream(name: String)
    /// A git blob. `path` is known for staged and range scans; a history sweep reads blobs in
    /// pack order and learns their paths from the walk afterwards (nil until then).
    case blob(GitObjectID, source: Provenance.Source, path: String?)

    /// The path reports show (empty for a blob whose path is not known yet).
    public var path: String {
        switch self {
        case .file(let path): return path
        case .stream(let name): return name
        case .blob(_, _, let path): return path ?? ""
        }
    }

    /// The blob, for content read from git.
    public var blob: GitObjectID? {
        if case .blob(let id, _, _) = self { return id }
        return nil
    }

    var provenance: Provenance? {
        guard case .blob(let id, let source, _) = self else { return nil }
        return Provenance(source: source, blobID: id.description, commit: nil)
    }
}
