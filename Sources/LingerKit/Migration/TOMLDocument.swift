import Foundation

/// A TOML 1.0 document read into plain values, as `YAMLDocument` reads YAML: `String`, `Int`,
/// `Double`, `Bool`, `[Any]` and `[String: Any]` (dates are kept as their text). Enough of TOML
/// for the configuration files other scanners write (gitleaks, Betterleaks): tables, arrays of
/// tables, dotted keys, the four string forms, arrays and inline tables. Every error names the
/// line.
public enum TOMLDocument {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public var line: Int
        public var problem: String
        public var description: String { "line \(line): \(problem)" }
    }

    public static func parse(_ text: String) throws -> [String: Any] {
        var parser = Parser(Array(text.unicodeScalars))
        return try parser.document()
    }

    private struct Parser {
        let text: [Unicode.Scalar]
        var position = 0
        var line = 1
        var root: [String: Any] = [:]
        /// The path of the table the following keys go in, and whether its last part is an array element.
        var current: [String] = []
        /// Tables defined with a `[header]`, so a second definition is an error.
        var defined = Set<[String]>()
        /// Arrays and inline tables open at once, and parts of one key: bounded, so a hostile
        /// file is an error rather than a stack overflow.
        var depth = 0
        static let maxDepth = 64

        init(_ text: [Unicode.Scalar]) { self.text = text }

        func fail(_ problem: String) -> ParseError { ParseError(line: line, problem: problem) }

        var atEnd: Bool { position >= text.count }
        var peek: Unicode.Scalar? { position < text.count ? text[position] : nil }

        mutating func advance() {
            if text[position] == "\n" { line += 1 }
            position += 1
        }

        mutating func skipSpaces() {
            while let c = peek, c == " " || c == "\t" { advance() }
        }

        /// Spaces, newlines and comments (inside arrays).
        mutating func skipBlank() {
            while let c = peek {
                if c == " " || c == "\t" || c == "\n" || c == "\r" {
                    advance()
                } else if c == "#" {
                    while let d = peek, d != "\n" { advance() }
                } else {
                    break
                }
            }
        }

        mutating func endOfLine() throws {
            skipSpaces()
            if peek == "#" { while let c = peek, c != "\n" { advance() } }
            if peek == "\r" { advance() }
            guard atEnd || peek == "\n" else { throw fail("unexpected text after a value: \(String(peek!))") }
            if !atEnd { advance() }
        }

        mutating func document() throws -> [String: Any] {
            while true {
                skipBlank()
                guard let c = peek else { break }
                if c == "[" {
                    try header()
                } else {
                    let (key, value) = try keyValue()
                    try insert(value, at: current, key: key)
                    try endOfLine()
                }
            }
            return root
        }

        mutating func header() throws {
            advance()
            let isArray = peek == "["
            if isArray { advance() }
            skipSpaces()
            let path = try key()
            skipSpaces()
            guard peek == "]" else { throw fail("a table header must end with ]") }
            advance()
            if isArray {
                guard peek == "]" else { throw fail("an array-of-tables header must end with ]]") }
                advance()
                try appendTable(at: path)
            } else {
                guard defined.insert(path).inserted else { throw fail("table [\(path.joined(separator: "."))] defined twice") }
                try ensureTable(at: path)
            }
            current = path
            try endOfLine()
        }

        /// A key: bare or quoted parts joined by dots.
        mutating func key() throws -> [String] {
            var parts = [String]()
            while true {
                guard parts.count < Self.maxDepth else { throw fail("a key has more than \(Self.maxDepth) dotted parts") }
                skipSpaces()
                guard let c = peek else { throw fail("a key was expected") }
                if c == "\"" {
                    parts.append(try basicString())
                } else if c == "'" {
                    parts.append(try literalString())
                } else {
                    var bare = ""
                    while let d = peek, d.properties.isAlphabetic || ("0"..."9").contains(d) || d == "_" || d == "-" {
                        bare.unicodeScalars.append(d)
                        advance()
                    }
                    guard !bare.isEmpty else { throw fail("a key was expected, found \(String(c))") }
                    parts.append(bare)
                }
                skipSpaces()
                guard peek == "." else { return parts }
                advance()
            }
        }

        mutating func keyValue() throws -> ([String], Any) {
            let key = try self.key()
            skipSpaces()
            guard peek == "=" else { throw fail("expected = after the key \(key.joined(separator: "."))") }
            advance()
            skipSpaces()
            return (key, try value())
        }

        mutating func value() throws -> Any {
            guard let c = peek else { throw fail("a value was expected") }
            switch c {
            case "\"": return try basicString()
            case "'": return try literalString()
            case "[": return try array()
            case "{": return try inlineTable()
            default: return try scalar()
            }
        }

        func starts(with prefix: String) -> Bool {
            let scalars = Array(prefix.unicodeScalars)
            guard position + scalars.count <= text.count else { return false }
            return Array(text[position..<position + scalars.count]) == scalars
        }

        /// Steps over a string's opening quote (or three, returning true), and the newline that
        /// may follow three: it is not part of the string.
        mutating func openString(_ quote: String) -> Bool {
            let multiLine = starts(with: quote + quote + quote)
            position += multiLine ? 3 : 1
            if multiLine, peek == "\n" { advance() } else if multiLine, starts(with: "\r\n") { position += 1; advance() }
            return multiLine
        }

        mutating func basicString() throws -> String {
            let multiLine = openString("\"")
            var out = ""
            while true {
                guard let c = peek else { throw fail("a string is not closed") }
                if multiLine && starts(with: "\"\"\"") {
                    position += 3
                    // Up to two quotes may stand right before the closing delimiter.
                    while peek == "\"" { out.unicodeScalars.append("\""); position += 1 }
                    return out
                }
                if !multiLine && c == "\"" { advance(); return out }
                if !multiLine && c == "\n" { throw fail("a basic string cannot span lines (use \"\"\")") }
                if c == "\\" {
                    advance()
                    guard let e = peek else { throw fail("a string is not closed") }
                    switch e {
                    case "n": out += "\n"; advance()
                    case "t": out += "\t"; advance()
                    case "r": out += "\r"; advance()
                    case "b": out += "\u{8}"; advance()
                    case "f": out += "\u{C}"; advance()
                    case "e": out += "\u{1B}"; advance()
                    case "\"": out += "\""; advance()
                    case "\\": out += "\\"; advance()
                    case "u", "U":
                        let count = e == "u" ? 4 : 8
                        advance()
                        guard position + count <= text.count,
                            let value = UInt32(String(String.UnicodeScalarView(text[position..<position + count])), radix: 16),
                            let scalar = Unicode.Scalar(value)
                        else { throw fail("a \\\(e) escape needs \(count) hexadecimal digits of a Unicode scalar") }
                        out.unicodeScalars.append(scalar)
                        position += count
                    case " ", "\t", "\n", "\r":
                        guard multiLine else { throw fail("unknown escape \\\(String(e)) in a string (write \\\\ for a backslash, or use '...')") }
                        // A line-ending backslash trims the newline and the whitespace after it.
                        while let d = peek, d == " " || d == "\t" || d == "\n" || d == "\r" { advance() }
                    default:
                        throw fail("unknown escape \\\(String(e)) in a string (write \\\\ for a backslash, or use '...')")
                    }
                    continue
                }
                out.unicodeScalars.append(c)
                advance()
            }
        }

        mutating func literalString() throws -> String {
            let multiLine = openString("'")
            var out = ""
            while true {
                guard let c = peek else { throw fail("a string is not closed") }
                if multiLine && starts(with: "'''") {
                    position += 3
                    while peek == "'" { out.unicodeScalars.append("'"); position += 1 }
                    return out
                }
                if !multiLine && c == "'" { advance(); return out }
                if !multiLine && c == "\n" { throw fail("a literal string cannot span lines (use ''')") }
                out.unicodeScalars.append(c)
                advance()
            }
        }

        mutating func array() throws -> [Any] {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("arrays and inline tables nest more than \(Self.maxDepth) deep") }
            advance()
            var items = [Any]()
            while true {
                skipBlank()
                guard let c = peek else { throw fail("an array is not closed") }
                if c == "]" { advance(); return items }
                items.append(try value())
                skipBlank()
                if peek == "," { advance(); continue }
                skipBlank()
                guard !atEnd else { throw fail("an array is not closed") }
                guard peek == "]" else { throw fail("expected , or ] in an array") }
            }
        }

        mutating func inlineTable() throws -> [String: Any] {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw fail("arrays and inline tables nest more than \(Self.maxDepth) deep") }
            advance()
            var table: [String: Any] = [:]
            skipSpaces()
            if peek == "}" { advance(); return table }
            while true {
                let (key, value) = try keyValue()
                try Self.set(value, at: key[...], in: &table, fail: fail)
                skipSpaces()
                if peek == "," { advance(); skipSpaces(); continue }
                guard peek == "}" else { throw fail("expected , or } in an inline table") }
                advance()
                return table
            }
        }

        mutating func scalar() throws -> Any {
            var word = ""
            while let c = peek, c != ",", c != "]", c != "}", c != "\n", c != "#", c != "\r" {
                word.unicodeScalars.append(c)
                advance()
            }
            word = word.trimmingCharacters(in: .whitespaces)
            if word == "true" { return true }
            if word == "false" { return false }
            let digits = word.replacingOccurrences(of: "_", with: "")
            if let int = Int(digits) { return int }
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
                if let int = Int(digits.dropFirst(2), radix: radix) { return int }
            }
            if let double = Double(digits), !digits.isEmpty { return double }
            if ["inf", "+inf", "-inf", "nan", "+nan", "-nan"].contains(digits) { return Double(digits) ?? Double.nan }
            // Dates and times: kept as written.
            if let first = word.unicodeScalars.first, ("0"..."9").contains(first), word.contains("-") || word.contains(":") {
                return word
            }
            throw fail(word.isEmpty ? "a value was expected" : "not a TOML value: \(word) (strings need quotes)")
        }

        // MARK: Building the tree

        static func set(
            _ value: Any, at key: ArraySlice<String>, in table: inout [String: Any], fail: (String) -> ParseError
        ) throws {
            guard let first = key.first else { return }
            if key.count == 1 {
                guard table[first] == nil else { throw fail("key \(first) is set twice") }
                table[first] = value
                return
            }
            var inner = table[first] as? [String: Any] ?? [:]
            if table[first] != nil && !(table[first] is [String: Any]) {
                throw fail("key \(first) is not a table")
            }
            try set(value, at: key.dropFirst(), in: &inner, fail: fail)
            table[first] = inner
        }

        /// Applies `body` to the table at `path` (the last element of an array of tables, where a
        /// part names one), creating tables on the way.
        static func modify(
            _ table: inout [String: Any], at path: ArraySlice<String>, fail: (String) -> ParseError,
            _ body: (inout [String: Any]) throws -> Void
        ) throws {
            guard let first = path.first else { return try body(&table) }
            if var array = table[first] as? [Any] {
                guard var last = array.last as? [String: Any] else { throw fail("\(first) is not an array of tables") }
                try modify(&last, at: path.dropFirst(), fail: fail, body)
                array[array.count - 1] = last
                table[first] = array
            } else {
                if table[first] != nil && !(table[first] is [String: Any]) { throw fail("\(first) is not a table") }
                var inner = table[first] as? [String: Any] ?? [:]
                try modify(&inner, at: path.dropFirst(), fail: fail, body)
                table[first] = inner
            }
        }

        mutating func insert(_ value: Any, at path: [String], key: [String]) throws {
            let fail = self.fail
            try Self.modify(&root, at: path[...], fail: fail) { table in
                try Self.set(value, at: key[...], in: &table, fail: fail)
            }
        }

        mutating func ensureTable(at path: [String]) throws {
            try Self.modify(&root, at: path[...], fail: fail) { _ in }
        }

        mutating func appendTable(at path: [String]) throws {
            let fail = self.fail
            let last = path[path.count - 1]
            try Self.modify(&root, at: path.dropLast(), fail: fail) { table in
                if table[last] != nil && !(table[last] is [Any]) { throw fail("\(last) is not an array of tables") }
                var array = table[last] as? [Any] ?? []
                array.append([String: Any]())
                table[last] = array
            }
        }
    }
}
