import CGit2

/// The libgit2 boundary. Repository reading (history, ranges, the index) is built here.
public enum GitLibrary {
    /// libgit2's version, for `linger version`.
    public static var version: String {
        var major: Int32 = 0
        var minor: Int32 = 0
        var revision: Int32 = 0
        git_libgit2_version(&major, &minor, &revision)
        return "\(major).\(minor).\(revision)"
    }
}
