/// A JSON reader that builds plain Swift values — `[String: Any]`, `[Any]`, `String`, `Int`,
/// `Double`, `Bool`, and `PlainJSON.null` for `null` — for the rule files the build embeds.
/// Foundation's `JSONSerialization` gives bridged values whose every `as?` cast looks up protocol
/// conformances at run time; on the pre-commit path that was a fifth of the rule-loading time. Strict RFC 8259 input only; depth bounded.
enum PlainJSON {
    struct Malformed: Error, CustomStringConvertible {
        let offset: Int
        let problem: String
        var description: String { "malformed JSON at byte \(offset): \(problem)" }
    }

    /// What a JSON `null` becomes (rule files the build writes never hold one; kept for fidelity).
    struct Null: Equatable, Sendable {}
    static let null = Null()

    static let maxDepth = 512

    static func parse(_ bytes: [UInt8]) throws -> Any {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer)
            let value = try reader.value(depth: 0)
            reader.skipSpace()
            guard reader.offset == buffer.count else { throw reader.fail("text after the value") }
            return value
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func fail(_ problem: String) -> Malformed { Malformed(offset: offset, problem: problem) }

        mutating func skipSpace() {
            while offset < bytes.count {
                switch bytes[offset] {
                case 0x20, 0x09, 0x0A, 0x0D: offset += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws -> Any {
            guard depth < PlainJSON.maxDepth else { throw fail("nested deeper than \(PlainJSON.maxDepth)") }
            skipSpace()
            guard offset < bytes.count else { throw fail("unexpected end") }
            switch bytes[offset] {
            case UInt8(ascii: "{"):
                offset += 1
                var object = [String: Any]()
                skipSpace()
                if offset < bytes.count, bytes[offset] == UInt8(ascii: "}") {
                    offset += 1
                    return object
                }
                while true {
                    skipSpace()
                    guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let key = try string()
                    skipSpace()
                    guard offset < bytes.count, bytes[offset] == UInt8(ascii: ":") else { throw fail("expected `:`") }
                    offset += 1
                    object[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard offset < bytes.count else { throw fail("unexpected end in an object") }
                    if bytes[offset] == UInt8(ascii: ",") {
                        offset += 1
                    } else if bytes[offset] == UInt8(ascii: "}") {
                        offset += 1
                        return object
                    } else {
                        throw fail("expected `,` or `}`")
                    }
                }
            case UInt8(ascii: "["):
                offset += 1
                var array = [Any]()
                skipSpace()
                if offset < bytes.count, bytes[offset] == UInt8(ascii: "]") {
                    offset += 1
                    return array
                }
                while true {
                    array.append(try value(depth: depth + 1))
                    skipSpace()
                    guard offset < bytes.count else { throw fail("unexpected end in an array") }
                    if bytes[offset] == UInt8(ascii: ",") {
                        offset += 1
                    } else if bytes[offset] == UInt8(ascii: "]") {
                        offset += 1
                        return array
                    } else {
                        throw fail("expected `,` or `]`")
                    }
                }
            case UInt8(ascii: "\""):
                return try string()
            case UInt8(ascii: "t"):
                try literal("true")
                return true
            case UInt8(ascii: "f"):
                try literal("false")
                return false
            case UInt8(ascii: "n"):
                try literal("null")
                return PlainJSON.null
            default:
                return try number()
            }
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw fail("unexpected end") }
            for index in 0..<count where bytes[offset + index] != word.utf8Start[index] {
                throw fail("unknown literal")
            }
            offset += count
        }

        mutating func number() throws -> Any {
            let start = offset
            var isInteger = true
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            let digitsStart = offset
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte >= 0x30 && byte <= 0x39 {
                    offset += 1
                } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
                {
                    isInteger = false
                    offset += 1
                } else {
                    break
                }
            }
            guard offset > digitsStart else { throw fail("expected a value") }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            if isInteger, let integer = Int(text) { return integer }
            guard let double = Double(text) else { throw fail("malformed number") }
            return double
        }

        /// A string; `offset` is at its opening quote.
        mutating func string() throws -> String {
            offset += 1
            let start = offset
            // The common case: no escapes, read in place.
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == UInt8(ascii: "\"") {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
                    offset += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { throw fail("control character in a string") }
                offset += 1
            }
            var scratch = Array(bytes[start..<offset])
            while offset < bytes.count {
                let byte = bytes[offset]
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: scratch, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard offset < bytes.count else { throw fail("unexpected end in an escape") }
                    let escape = bytes[offset]
                    offset += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
                    case UInt8(ascii: "b"): scratch.append(0x08)
                    case UInt8(ascii: "f"): scratch.append(0x0C)
                    case UInt8(ascii: "n"): scratch.append(0x0A)
                    case UInt8(ascii: "r"): scratch.append(0x0D)
                    case UInt8(ascii: "t"): scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if scalar >= 0xD800 && scalar < 0xDC00 {
                            guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
                                bytes[offset + 1] == UInt8(ascii: "u")
                            else { throw fail("unpaired surrogate") }
                            offset += 2
                            let low = try hex4()
                            guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid code point") }
                        scratch.append(contentsOf: String(Character(unicode)).utf8)
                    default:
                        throw fail("unknown escape")
                    }
                default:
                    if byte < 0x20 { throw fail("control character in a string") }
                    scratch.append(byte)
                }
            }
            throw fail("unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard offset + 4 <= bytes.count else { throw fail("short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                offset += 1
                let digit: UInt8
                switch byte {
                case 0x30...0x39: digit = byte - 0x30
                case 0x41...0x46: digit = byte - 0x41 + 10
                case 0x61...0x66: digit = byte - 0x61 + 10
                default: throw fail("bad \\u escape")
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
    }
}
