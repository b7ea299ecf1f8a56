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

    /// `path` relative to `base` (both relative to the same root): "svc/a.env" under "svc" →
    /// "a.env"; anything under "" → itself; nil when `path` is not under `base`.
    public static func relative(_ path: String, under base: String) -> String? {
        if base.isEmpty || base == "." { return path }
        return path.hasPrefix(base + "/") ? String(path.dropFirst(base.count + 1)) : nil
    }

    /// The last component: "a/b" → "b", "a/b/" → "b", "/" → "/".
    public static func name(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// A file name's bytes as text: UTF-8 as it is, any other byte as `\xNN` (file systems allow
    /// names that are not UTF-8; they are scanned and shown, never dropped).
    public static func display(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var result = ""
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length =
                lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
            if length > 0, index + length <= bytes.count,
                let piece = String(validating: bytes[index..<(index + length)], as: UTF8.self)
            {
                result += piece
                index += length
            } else {
                let hex = String(lead, radix: 16)
                result += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                index += 1
            }
        }
        return result
    }
}
