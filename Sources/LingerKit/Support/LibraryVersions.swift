/// Versions of the C libraries in use, for `linger version` and bug reports.
public enum LibraryVersions {
    public static var all: [(String, String)] {
        [
            ("libgit2", GitRepository.libraryVersion),
            ("vectorscan", VectorscanDatabase.libraryVersion),
            ("PCRE2", PCRE2Pattern.libraryVersion),
            ("OpenSSL", Digest.openSSLVersion),
        ]
    }
}
