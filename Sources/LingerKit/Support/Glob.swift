/// Path globs: `*` any run within a path segment, `**` any run of segments, `?` one character.
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        match(Array(pattern.utf8)[...], Array(path.utf8)[...])
    }

    private static func match(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        let slash = UInt8(ascii: "/")
        if first == UInt8(ascii: "*") {
            let rest = pattern.dropFirst()
            if rest.first == UInt8(ascii: "*") {
                // `**` (and `**/`) match any number of whole segments, including none.
                var after = rest.dropFirst()
                if after.first == slash { after = after.dropFirst() }
                var candidate = text
                while true {
                    if match(after, candidate) { return true }
                    guard !candidate.isEmpty else { return false }
                    candidate = candidate.dropFirst()
                }
            }
            var candidate = text
            while true {
                if match(rest, candidate) { return true }
                guard let next = candidate.first, next != slash else { return false }
                candidate = candidate.dropFirst()
            }
        }
        guard let character = text.first else { return false }
        if first == UInt8(ascii: "?") ? character != slash : first == character {
            return match(pattern.dropFirst(), text.dropFirst())
        }
        return false
    }
}

extension Glob {
    /// Whether `path` matches as ignore files mean it: a pattern without a slash matches the file
    /// name in any folder (`*.md`); one ending in a slash matches everything under that folder.
    public static func matchesIgnorePattern(_ pattern: String, _ path: String) -> Bool {
        var pattern = pattern
        if pattern.hasPrefix("./") { pattern.removeFirst(2) }
        if pattern.hasSuffix("/") { pattern += "**" }
        if matches(pattern, path) { return true }
        if !pattern.contains("/") {
            let name = path.split(separator: "/").last.map(String.init) ?? path
            return matches(pattern, name)
        }
        return false
    }
}
