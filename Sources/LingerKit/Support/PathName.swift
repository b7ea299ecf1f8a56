/// A path's folder and last component, by string. (Foundation's `NSString` versions crash on a
/// one-character path with no slash, such as a configuration file named `c`.)
public enum PathName {
    /// The folder part: "a/b" → "a", "/x" → "/", "b" → "".
    public static func parent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// The last component: "a/b" → "b", "a/b/" → "b", "/" → "/".
    public static func name(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}
