/// Words of the file a secret was found in, as guesses for a weak key or passphrase: developers
/// often keep a JWT's HMAC key or a key file's passphrase next to it. Shared by the JWT and key
/// analysers, and computed once per file, only when one of them needs it.
public enum SameFileWords {
    /// Runs of 4 to 64 printable characters between quotes, separators and whitespace; at most
    /// `limit`, first seen first.
    public static func extract(from bytes: UnsafeRawBufferPointer, limit: Int = 2000) -> [String] {
        var words = [String]()
        var seen = Set<String>()
        var current = [UInt8]()
        func flush() {
            if current.count >= 4 && current.count <= 64 {
                let word = String(decoding: current, as: UTF8.self)
                if seen.insert(word).inserted { words.append(word) }
            }
            current.removeAll(keepingCapacity: true)
        }
        for byte in bytes {
            if words.count >= limit { break }
            if byte <= 0x20 || byte >= 0x7F || "\"'`=:,;(){}[]<>".utf8.contains(byte) {
                flush()
            } else {
                current.append(byte)
            }
        }
        flush()
        return words
    }
}
