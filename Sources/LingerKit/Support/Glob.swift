/// Path globs: `*` any run within a path segment, `**` any run of segments, `?` one character.
/// Matching is dynamic programming over (pattern position, path position): time and memory
/// proportional to their product, whatever the pattern (a backtracking matcher ran for minutes on
/// a `.lingerignore` line of 300 stars).
public enum Glob {
    public static func matches(_ pattern: String, _ path: String) -> Bool {
        match(Array(pattern.utf8), Array(path.utf8))
    }

    private static func match(_ pattern: [UInt8], _ text: [UInt8]) -> Bool {
        let star = UInt8(ascii: "*")
        let slash = UInt8(ascii: "/")
        let question = UInt8(ascii: "?")
        let width = text.count + 1
        // row(i)[j]: whether pattern[i...] matches text[j...]. Rows are filled from the end.
        var table = [Bool](repeating: false, count: (pattern.count + 1) * width)
        table[pattern.count * width + text.count] = true
        for i in stride(from: pattern.count - 1, through: 0, by: -1) {
            let row = i * width
            let symbol = pattern[i]
            if symbol == star && i + 1 < pattern.count && pattern[i + 1] == star {
                // `**` (and `**/`) match any number of whole segments, including none.
                var after = i + 2
                if after < pattern.count && pattern[after] == slash { after += 1 }
                let next = after * width
                var any = false
                for j in stride(from: text.count, through: 0, by: -1) {
                    any = any || table[next + j]
                    table[row + j] = any
                }
            } else if symbol == star {
                let next = (i + 1) * width
                table[row + text.count] = table[next + text.count]
                for j in stride(from: text.count - 1, through: 0, by: -1) {
                    table[row + j] = table[next + j] || (text[j] != slash && table[row + j + 1])
                }
            } else {
                let next = (i + 1) * width
                for j in 0..<text.count {
                    let fits = symbol == question ? text[j] != slash : symbol == text[j]
                    table[row + j] = fits && table[next + j + 1]
                }
            }
        }
        return table[0]
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
