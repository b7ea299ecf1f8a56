import Foundation

/// The on-disk cache of compiled vectorscan databases, so a run does not pay compilation each time.
/// Files are keyed by a hash of the rules, the library version and the CPU, and carry a SHA-256 of
/// their contents: a damaged or foreign file is rebuilt, never trusted.
public struct DatabaseCache: Sendable {
    /// Where a database came from.
    public enum Origin: String, Sendable { case compiled, cache }

    /// nil: no caching (compile every run).
    public let directory: String?

    public init(directory: String?) { self.directory = directory }

    /// `$LINGER_CACHE_DIR`, else `$XDG_CACHE_HOME/linger`, else `~/.cache/linger`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["LINGER_CACHE_DIR"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/linger" }
        let home = environment["HOME"] ?? NSTemporaryDirectory()
        return home + "/.cache/linger"
    }

    private static let magic = Array("LINGERDB1\n".utf8)

    /// The key under which `rules` are cached.
    public static func key(for rules: [Rule]) -> String {
        var material = "vectorscan \(VectorscanDatabase.libraryVersion)\n\(VectorscanDatabase.platformDescription)\n"
        for rule in rules { material += "\(rule.id)\u{0}\(rule.pattern)\u{0}\n" }
        return Digest.hex(Digest.sha256(Array(material.utf8)))
    }

    /// The database for `rules` and each rule's prefilter max width (nil when unbounded).
    func database(for rules: [Rule]) throws -> (VectorscanDatabase, [Int?], Origin) {
        let key = Self.key(for: rules)
        let path = directory.map { "\($0)/\(key).hsdb" }
        if let path, let cached = Self.read(path: path, ruleCount: rules.count) {
            return (cached.0, cached.1, .cache)
        }
        let database: VectorscanDatabase
        do {
            database = try VectorscanDatabase.compilePrefilter(rules.map(\.pattern))
        } catch VectorscanError.compile(let index?, let message) where index < rules.count {
            let rule = rules[index]
            throw RuleError.invalidRule(
                file: rule.source, rule: rule.id,
                problem: "pattern cannot be prefiltered by vectorscan: \(message); simplify the construct it names")
        }
        var widths = [Int?]()
        for rule in rules {
            widths.append((try? VectorscanDatabase.prefilterWidth(of: rule.pattern))?.max)
        }
        if let path, let bytes = database.serialized() {
            // A cache that cannot be written only costs the next run a compilation.
            try? Self.write(path: path, database: bytes, widths: widths)
        }
        return (database, widths, .compiled)
    }

    private static func read(path: String, ruleCount: Int) -> (VectorscanDatabase, [Int?])? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let headerLength = magic.count + 32
        guard bytes.count > headerLength, Array(bytes[0..<magic.count]) == magic else { return nil }
        let stored = Array(bytes[magic.count..<headerLength])
        let payload = Array(bytes[headerLength...])
        guard Digest.sha256(payload) == stored else { return nil }
        var reader = ByteReader(payload)
        guard let count = reader.uint64(), count == UInt64(ruleCount) else { return nil }
        var widths = [Int?]()
        for _ in 0..<ruleCount {
            guard let width = reader.uint64() else { return nil }
            widths.append(width == UInt64.max ? nil : Int(width))
        }
        guard let database = try? VectorscanDatabase.deserialize(reader.rest()) else { return nil }
        return (database, widths)
    }

    private static func write(path: String, database: [UInt8], widths: [Int?]) throws {
        let directory = PathName.parent(path)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var payload = [UInt8]()
        appendUInt64(UInt64(widths.count), to: &payload)
        for width in widths { appendUInt64(width.map { UInt64($0) } ?? UInt64.max, to: &payload) }
        payload += database
        let file = magic + Digest.sha256(payload) + payload
        // Write then rename, so a concurrent run never reads half a file.
        let temporary = "\(path).\(ProcessInfo.processInfo.processIdentifier).tmp"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data(file), attributes: [.posixPermissions: 0o600])
        else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    private static func appendUInt64(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private struct ByteReader {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        mutating func uint64() -> UInt64? {
            guard offset + 8 <= bytes.count else { return nil }
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
            offset += 8
            return value
        }
        func rest() -> [UInt8] { Array(bytes[offset...]) }
    }
}
