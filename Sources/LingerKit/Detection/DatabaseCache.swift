import Foundation

/// The on-disk cache of compiled vectorscan databases, so a run does not pay compilation each time.
/// Files are keyed by a hash of the rules, the library version and the CPU; each carries its key in
/// its header and a SHA-256 over key and contents, so a damaged file, or another rule set's file
/// copied over this one's name, is rebuilt, never trusted.
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

    private static let magic = Array("LINGERDB2\n".utf8)

    /// The key under which `rules` (and `literals` after them) are cached.
    public static func key(for rules: [Rule], literals: [[UInt8]] = []) -> String {
        var material = "vectorscan \(VectorscanDatabase.libraryVersion)\n\(VectorscanDatabase.platformDescription)\n"
        for rule in rules {
            material += "\(rule.id)\u{0}\(rule.pattern)\u{0}\(rule.prefilter ?? "")\u{0}"
            material += rule.prefilterRun.map { "run \($0.description)\u{0}\n" } ?? "\n"
        }
        for literal in literals { material += "literal\u{0}\(VectorscanDatabase.escaped(literal))\u{0}\n" }
        return Digest.hex(Digest.sha256(Array(material.utf8)))
    }

    /// The database for `rules` and each rule's prefilter max width (nil when unbounded).
    /// `literals` are compiled after the rules (`VectorscanDatabase.compilePrefilter`). Rules
    /// with a `prefilter_run` are left out of the database (its ids are positions among the
    /// others: `Self.compiledRules`), not of the widths.
    func database(for rules: [Rule], literals: [[UInt8]] = []) throws -> (VectorscanDatabase, [Int?], Origin) {
        let key = Self.key(for: rules, literals: literals)
        let path = directory.map { "\($0)/\(key).hsdb" }
        if let path, let cached = Self.read(path: path, key: key, ruleCount: rules.count) {
            return (cached.0, cached.1, .cache)
        }
        let compiled = Self.compiledRules(rules) ?? Array(rules.indices)
        let database: VectorscanDatabase
        do {
            database = try VectorscanDatabase.compilePrefilter(
                compiled.map { rules[$0].prefilter ?? rules[$0].pattern }, literals: literals)
        } catch VectorscanError.compile(let index?, let message) where index < compiled.count {
            let rule = rules[compiled[index]]
            throw RuleError.invalidRule(
                file: rule.source, rule: rule.id,
                problem: rule.prefilter == nil
                    ? "pattern cannot be prefiltered by vectorscan: \(message); simplify the construct it names"
                    : "prefilter cannot be compiled by vectorscan: \(message)")
        }
        var widths = [Int?]()
        for rule in rules {
            // A pattern the database compiled gives its width (a rule's own `prefilter` was
            // compiled instead, and its pattern asked while parsing); nil, the default look-back.
            let width = (try? VectorscanDatabase.prefilterWidth(of: rule.pattern))?.max
            if rule.prefilterRun != nil, let problem = PrefilterRun.widthProblem(width) {
                throw RuleError.invalidRule(file: rule.source, rule: rule.id, problem: problem)
            }
            widths.append(width)
        }
        if let path, let bytes = database.serialized() {
            // A cache that cannot be written only costs the next run a compilation.
            try? Self.write(path: path, key: key, database: bytes, widths: widths)
        }
        return (database, widths, .compiled)
    }

    /// The positions in `rules` of those a database of them holds (the ids of its patterns), or
    /// nil when it holds them all: rules with a `prefilter_run` are left out.
    static func compiledRules(_ rules: [Rule]) -> [Int]? {
        guard rules.contains(where: { $0.prefilterRun != nil }) else { return nil }
        return rules.indices.filter { rules[$0].prefilterRun == nil }
    }

    /// A cached database, when the file at `path` was made for `key` and is intact. Read once into
    /// one buffer and checked in place: on the pre-commit path, every copy of this ~1 MB file cost
    /// more in page faults than the hash.
    static func read(path: String, key: String, ruleCount: Int) -> (VectorscanDatabase, [Int?])? {
        guard let bytes = readFile(path) else { return nil }
        let keyBytes = Array(key.utf8)
        let headerLength = magic.count + keyBytes.count + 32
        guard bytes.count > headerLength + 8 * (ruleCount + 1) else { return nil }
        return bytes.withUnsafeBytes { file -> (VectorscanDatabase, [Int?])? in
            guard file[0..<magic.count].elementsEqual(magic),
                file[magic.count..<(magic.count + keyBytes.count)].elementsEqual(keyBytes)
            else { return nil }
            let stored = file[(magic.count + keyBytes.count)..<headerLength]
            let payload = UnsafeRawBufferPointer(rebasing: file[headerLength...])
            let digest = keyBytes.withUnsafeBytes { Digest.sha256(parts: [$0, payload]) }
            guard digest.elementsEqual(stored) else { return nil }
            func uint64(at offset: Int) -> UInt64 {
                var value: UInt64 = 0
                for index in 0..<8 { value |= UInt64(payload[offset + index]) << UInt64(8 * index) }
                return value
            }
            guard uint64(at: 0) == UInt64(ruleCount) else { return nil }
            var widths = [Int?]()
            widths.reserveCapacity(ruleCount)
            for index in 0..<ruleCount {
                let width = uint64(at: 8 * (index + 1))
                widths.append(width == UInt64.max ? nil : Int(width))
            }
            let serialized = UnsafeRawBufferPointer(rebasing: payload[(8 * (ruleCount + 1))...])
            guard let database = try? VectorscanDatabase.deserialize(serialized) else { return nil }
            return (database, widths)
        }
    }

    /// The whole file, or nil when it cannot be read.
    private static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0,
            status.st_size < 1 << 30
        else { return nil }
        let size = Int(status.st_size)
        var complete = true
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let got = Foundation.read(descriptor, buffer.baseAddress! + done, size - done)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { break }
                done += got
            }
            complete = done == size
            count = done
        }
        return complete ? bytes : nil
    }

    private static func write(path: String, key: String, database: [UInt8], widths: [Int?]) throws {
        let directory = PathName.parent(path)
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var payload = [UInt8]()
        appendUInt64(UInt64(widths.count), to: &payload)
        for width in widths { appendUInt64(width.map { UInt64($0) } ?? UInt64.max, to: &payload) }
        payload += database
        let keyBytes = Array(key.utf8)
        let file = magic + keyBytes + Digest.sha256(keyBytes + payload) + payload
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
}
