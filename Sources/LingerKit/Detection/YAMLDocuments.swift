import Foundation

/// Where the documents of a YAML stream begin: at the start, and at each line that starts a
/// document (`---`, alone or followed by a space or a tab and anything: a tag, a comment, a
/// block scalar) or ends one (`...`, alone or followed by blanks and a comment).
/// Read on raw bytes, with no YAML parsed: text that is not YAML rarely has such a line, and
/// where it has (a Markdown rule, front matter), a document is only a stretch of lines.
enum YAMLDocuments {
    /// Offsets where documents begin, in order: 0, then each marker line's start (the first
    /// `limit` of them).
    static func starts(in bytes: UnsafeRawBufferPointer, limit: Int = .max) -> [Int] {
        var starts = [0]
        let count = bytes.count
        var lineStart = 0
        while lineStart < count && starts.count < limit {
            if lineStart > 0 && isMarker(at: lineStart, in: bytes) { starts.append(lineStart) }
            // The next line: just past the next line feed.
            guard let base = bytes.baseAddress,
                let found = memchr(base + lineStart, 0x0A, count - lineStart)
            else { break }
            lineStart = UnsafeRawPointer(found) - base + 1
        }
        return starts
    }

    /// Whether `bytes` hold more than one document (read up to the second's start).
    static func holdsSeveral(_ bytes: UnsafeRawBufferPointer) -> Bool {
        starts(in: bytes, limit: 2).count > 1
    }

    /// Which document (an index into `starts`) holds the byte at `offset`.
    static func index(of offset: Int, in starts: [Int]) -> Int { LineIndex.index(of: offset, in: starts) }

    /// `---` or `...` at `start`, then the end of the line, a space or a tab (`...` only with
    /// blanks, and then perhaps a comment, after it).
    private static func isMarker(at start: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard start + 3 <= bytes.count else { return false }
        let first = bytes[start]
        guard first == UInt8(ascii: "-") || first == UInt8(ascii: "."),
            bytes[start + 1] == first, bytes[start + 2] == first
        else { return false }
        var index = start + 3
        if index == bytes.count { return true }
        let next = bytes[index]
        if next == 0x0A || next == 0x0D { return true }
        guard next == 0x20 || next == 0x09 else { return false }
        if first == UInt8(ascii: "-") { return true }
        while index < bytes.count && (bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D) { index += 1 }
        return index == bytes.count || bytes[index] == 0x0A || bytes[index] == UInt8(ascii: "#")
    }
}
