import CBzip2
import CZlib

/// Archives and compressed streams whose contents Linger scans: zip (and jar, war, apk, … — any
/// zip by its signature), tar, gzip and bzip2, nested to a bounded depth. A container is known by
/// its first bytes, never by its name.
public enum ContainerFormat: String, Sendable {
    case zip, tar, gzip, bzip2

    /// The format `bytes` start with, if any.
    static func of(_ bytes: UnsafeRawBufferPointer) -> ContainerFormat? {
        guard bytes.count >= 4 else { return nil }
        if bytes[0] == 0x50, bytes[1] == 0x4B, (bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6) {
            return .zip
        }
        if bytes[0] == 0x1F, bytes[1] == 0x8B, bytes[2] == 8 { return .gzip }
        // "BZh", a block size digit, then a block or end-of-stream magic.
        if bytes.count >= 10, bytes[0] == 0x42, bytes[1] == 0x5A, bytes[2] == 0x68, (0x31...0x39).contains(bytes[3]),
            (bytes[4] == 0x31 && bytes[5] == 0x41 && bytes[6] == 0x59) || (bytes[4] == 0x17 && bytes[5] == 0x72 && bytes[6] == 0x45)
        {
            return .bzip2
        }
        if TarReader.isHeader(bytes) { return .tar }
        return nil
    }
}

/// What opening containers may cost, per outermost input: a bomb (a small file inflating to
/// gigabytes, archives nested without end, millions of entries) is reported, never followed.
public struct ContainerLimits: Sendable, Equatable {
    /// Containers inside containers (`a.zip!b.jar!c.properties` is depth 2).
    public var maxDepth = 4
    /// Entries read per archive.
    public var maxEntries = 10_000
    /// Bytes read out of containers in total for one outermost input, all depths together
    /// (inflated or stored: overlapping zip entries can name the same bytes many times).
    public var maxTotalBytes = 256 << 20
    /// Entries read in total for one outermost input, all depths together.
    public var maxTotalEntries = 100_000
    /// An entry's compressed-to-inflated ratio beyond which it is treated as a bomb (deflate's
    /// own limit is about 1:1032; real text compresses 1:3 to 1:20).
    public var maxRatio = 1000

    public init() {}
}

/// What may still be inflated for one outermost input; nested readings share it.
final class ContainerBudget {
    var remaining: Int
    var entries: Int
    init(_ limits: ContainerLimits) {
        remaining = limits.maxTotalBytes
        entries = limits.maxTotalEntries
    }
}

/// One reading of a container: entries go to `visit` (name, bytes), problems to `skip`
/// (name or nil for the container itself, reason).
struct ContainerReader {
    let limits: ContainerLimits
    /// An entry larger than this is skipped as too large (`--max-file-size`).
    let maxEntryBytes: Int
    let budget: ContainerBudget

    enum Problem: Error, Equatable {
        /// The container cannot be read (truncated, corrupt, unsupported).
        case unreadable(String)
        /// A limit was reached: the rest is not read.
        case limit(String)
        /// One entry is not read (encrypted, too large, unsupported method).
        case entry(String)
        /// Damage: part of the container (or of an entry) could not be read; what came before
        /// the damage was.
        case damaged(String)

        /// What to tell the user.
        var detail: String {
            switch self {
            case .unreadable(let detail), .limit(let detail), .entry(let detail), .damaged(let detail): return detail
            }
        }
    }

    /// Reads `bytes` as `format`. `visit` gets each entry's name and content; names of compressed
    /// streams are the container's own name less its compression suffix. Returns false when the
    /// bytes only looked like the format (a text file that starts with `PK\3\4`): nothing was
    /// read or reported, and the caller scans them as they are.
    @discardableResult
    func read(
        _ bytes: UnsafeRawBufferPointer, format: ContainerFormat, name: String,
        visit: (String, UnsafeRawBufferPointer) -> Void, skip: (String?, Problem) -> Void
    ) -> Bool {
        switch format {
        case .zip: return readZip(bytes, visit: visit, skip: skip)
        case .tar:
            TarReader.read(
                bytes, maxEntries: limits.maxEntries,
                visit: { name, data in
                    guard admit(name, bytes: data.count, skip: skip) else { return false }
                    visit(name, data)
                    return true
                }, skip: skip)
            return true
        case .gzip, .bzip2:
            let inflated: [UInt8]
            var truncated = false
            do {
                (inflated, truncated) = try decompress(bytes, format: format)
            } catch let problem as Problem {
                if case .unreadable = problem { return false }
                skip(nil, problem)
                return true
            } catch {
                return false
            }
            if truncated {
                skip(nil, .damaged("truncated or damaged; the \(inflated.count) bytes before the damage were scanned"))
            }
            let inner = Self.streamName(name)
            inflated.withUnsafeBytes { content in
                // A compressed tar (tgz, tar.bz2) is one archive: its entries are named directly,
                // each under --max-file-size; anything else is one entry.
                if ContainerFormat.of(content) == .tar {
                    read(content, format: .tar, name: inner, visit: visit, skip: skip)
                } else if content.count > maxEntryBytes {
                    skip(inner, .entry("inflates to \(content.count) bytes; the limit is \(maxEntryBytes) (--max-file-size)"))
                } else if admit(inner, bytes: content.count, skip: skip) {
                    visit(inner, content)
                }
            }
            return true
        }
    }

    /// Stands for a name only the caller knows (a blob read from history before its path is):
    /// `resolveNames` replaces it once the path is known. Names never hold control characters.
    static let derivedName = "\u{1}"

    /// Where a finding or skip inside an archive is, once the outermost input's path is known:
    /// `outer!entry`, with derived names resolved.
    static func placedPath(_ outer: String, entry: String?) -> String {
        resolveNames(outer + (entry.map { "!" + $0 } ?? ""))
    }

    /// `path` with each derived name replaced by the name its container gives it.
    public static func resolveNames(_ path: String) -> String {
        guard path.contains(derivedName) else { return path }
        var resolved = [String]()
        for component in path.components(separatedBy: "!") {
            if component == derivedName, let previous = resolved.last {
                resolved.append(streamName(previous))
            } else {
                resolved.append(component)
            }
        }
        return resolved.joined(separator: "!")
    }

    /// Charges one entry of `bytes` to the budget, or reports the limit and says stop.
    private func admit(_ name: String, bytes: Int, skip: (String?, Problem) -> Void) -> Bool {
        if budget.entries <= 0 {
            skip(nil, .limit("more than \(limits.maxTotalEntries) entries in all (an archive bomb?); the rest is not read"))
            return false
        }
        if bytes > budget.remaining {
            skip(nil, .limit(
                "\(name) would take the bytes read out of archives past \(limits.maxTotalBytes) in all (an archive bomb?); the rest is not read"))
            return false
        }
        budget.entries -= 1
        budget.remaining -= bytes
        return true
    }

    /// `logs.tgz` → `logs.tar`, `a.env.gz` → `a.env`, anything else → `NAME~` (as gzip -d would
    /// name it, the tilde marking a name that was guessed).
    static func streamName(_ path: String) -> String {
        let name = path.split(whereSeparator: { $0 == "/" || $0 == "!" || $0 == "\\" }).last.map(String.init) ?? ""
        if name.isEmpty || name == derivedName { return derivedName }
        let lower = name.lowercased()
        for (suffix, replacement) in [(".tgz", ".tar"), (".tbz2", ".tar"), (".tbz", ".tar"), (".gz", ""), (".bz2", "")]
        where lower.hasSuffix(suffix) && lower.count > suffix.count {
            return String(name.dropLast(suffix.count)) + replacement
        }
        return name + "~"
    }

    // MARK: zip

    private func readZip(
        _ bytes: UnsafeRawBufferPointer, visit: (String, UnsafeRawBufferPointer) -> Void,
        skip: (String?, Problem) -> Void
    ) -> Bool {
        let directory: ZipDirectory
        if let listed = ZipDirectory(bytes) {
            directory = listed
        } else if let recovered = ZipDirectory(localHeadersOf: bytes) {
            // No central directory (a zip cut short, or its end damaged): the entries are found
            // the way a streaming reader finds them, from their local headers.
            directory = recovered
            skip(nil, .damaged("no central directory (truncated or damaged); \(recovered.entries.count) entries read from their local headers"))
        } else {
            // Not a zip after all (or one too damaged to list): the caller scans the bytes as
            // they are, so text that happens to start with `PK\3\4` is not hidden.
            return false
        }
        // Entries whose data overlap are how a zip bomb multiplies a small file without
        // nesting; real archives never share bytes between entries.
        var claimed = [Range<Int>]()
        if directory.entries.count > limits.maxEntries {
            skip(nil, .limit("\(directory.entries.count) entries; only the first \(limits.maxEntries) are read"))
        }
        for entry in directory.entries.prefix(limits.maxEntries) {
            if entry.name.hasSuffix("/") { continue }
            if entry.encrypted {
                skip(entry.name, .entry("encrypted; not read"))
                continue
            }
            guard let data = directory.data(of: entry, in: bytes) else {
                skip(entry.name, .damaged("its local header is damaged or lies outside the file; not read"))
                continue
            }
            let start = data.baseAddress! - bytes.baseAddress!
            let span = start..<(start + max(data.count, 1))
            if claimed.contains(where: { $0.overlaps(span) }) {
                skip(nil, .limit("\(entry.name) shares its data with another entry (an overlapping-entry bomb?); the rest is not read"))
                return true
            }
            claimed.append(span)
            switch entry.method {
            case 0 where entry.cut:
                // Stored, and cut short by the end of the file: what is there is the entry's start.
                guard admit(entry.name, bytes: data.count, skip: skip) else { return true }
                skip(entry.name, .damaged("cut short; the \(data.count) bytes before the damage were scanned"))
                visit(entry.name, UnsafeRawBufferPointer(rebasing: data.prefix(maxEntryBytes)))
            case 0:
                if data.count != entry.size && entry.size != 0 && !entry.sizeUnknown {
                    // A size that disagrees is damage or a lie: the stored bytes are the content.
                    skip(entry.name, .damaged("stored size disagrees with the directory; the \(min(data.count, maxEntryBytes)) bytes stored were scanned"))
                }
                if data.count > maxEntryBytes {
                    skip(entry.name, .entry("\(data.count) bytes; the limit is \(maxEntryBytes) (--max-file-size)"))
                    continue
                }
                guard admit(entry.name, bytes: data.count, skip: skip) else { return true }
                visit(entry.name, data)
            case 8:
                if entry.size > maxEntryBytes {
                    skip(entry.name, .entry("inflates to \(entry.size) bytes; the limit is \(maxEntryBytes) (--max-file-size)"))
                    continue
                }
                guard admit(entry.name, bytes: max(entry.size, data.count), skip: skip) else { return true }
                // Inflated to the end of its deflate stream within --max-file-size, whatever its
                // header declares (a declared size that is false hides nothing: it is reported), and
                // without a ratio limit: --max-file-size and the archive budget bound the work.
                do {
                    let (inflated, damaged) = try Inflater.inflate(data, raw: true, expected: nil, limit: maxEntryBytes)
                    if damaged || entry.cut {
                        skip(entry.name, .damaged("cut short or damaged; the \(inflated.count) bytes before the damage were scanned"))
                    } else if !entry.sizeUnknown && inflated.count != entry.size {
                        skip(entry.name, .damaged("declares \(entry.size) bytes but inflates to \(inflated.count); all were scanned"))
                    }
                    inflated.withUnsafeBytes { visit(entry.name, $0) }
                } catch let problem as Problem {
                    // This entry only: the rest of the archive is still read. Data zlib cannot
                    // read from its first byte is damage, not a limit.
                    if case .unreadable(let detail) = problem {
                        skip(entry.name, .damaged(detail + "; not read"))
                    } else {
                        skip(entry.name, problem)
                    }
                } catch {}
            default:
                skip(entry.name, .entry("compression method \(entry.method) is not supported (stored and deflate are)"))
            }
        }
        return true
    }

    // MARK: gzip and bzip2

    /// The whole stream (up to what the budget allows: a tarball's entries are checked one by
    /// one later), and whether it was cut short by damage.
    private func decompress(_ bytes: UnsafeRawBufferPointer, format: ContainerFormat) throws -> ([UInt8], Bool) {
        let limit = budget.remaining
        switch format {
        case .gzip: return try Inflater.inflate(bytes, raw: false, expected: nil, limit: limit, ratio: limits.maxRatio)
        default: return try Bunzip.decompress(bytes, limit: limit, ratio: limits.maxRatio)
        }
    }
}

/// The central directory of a zip (zip64 included): names, methods, sizes, where data starts.
struct ZipDirectory {
    struct Entry {
        var name: String
        var method: Int
        var encrypted: Bool
        var compressedSize: Int
        var size: Int
        var localHeader: Int
        /// Recovered from a local header whose data runs past the end of the file.
        var cut = false
        /// Recovered from a local header that leaves its sizes to a data descriptor.
        var sizeUnknown = false
    }

    var entries: [Entry] = []

    /// Entries found by walking local headers from the start, for a zip whose central directory
    /// is missing or damaged; nil when the bytes do not start with one. An entry whose sizes
    /// follow its data (flag bit 3) runs to the next header's signature.
    init?(localHeadersOf bytes: UnsafeRawBufferPointer) {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func isSignature(_ at: Int, _ third: UInt8, _ fourth: UInt8) -> Bool {
            at + 4 <= bytes.count && bytes[at] == 0x50 && bytes[at + 1] == 0x4B && bytes[at + 2] == third
                && bytes[at + 3] == fourth
        }
        var position = 0
        while position + 30 <= bytes.count, isSignature(position, 3, 4) {
            let flags = u16(position + 6)
            let method = u16(position + 8)
            let declaredCompressed = u32(position + 18)
            let declaredSize = u32(position + 22)
            let nameLength = u16(position + 26)
            let extraLength = u16(position + 28)
            let dataStart = position + 30 + nameLength + extraLength
            guard dataStart <= bytes.count else { break }
            let name = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[(position + 30)..<(position + 30 + nameLength)]),
                as: UTF8.self)
            let deferred = flags & 8 != 0 || declaredCompressed == 0xFFFF_FFFF
            var entry = Entry(
                name: Self.safeName(name), method: method, encrypted: flags & 1 != 0, compressedSize: 0,
                size: deferred ? 0 : declaredSize, localHeader: position)
            var next: Int
            if deferred {
                // The data runs to the next local or central header (or the end of the file).
                var scan = dataStart
                while scan + 4 <= bytes.count && !isSignature(scan, 3, 4) && !isSignature(scan, 1, 2) { scan += 1 }
                next = scan + 4 <= bytes.count ? scan : bytes.count
                entry.compressedSize = next - dataStart
                // A data descriptor (signature PK\7\8, 12 to 20 bytes more) closes the data;
                // without one at the end of the file, the entry was cut short.
                var closed = false
                for back in [16, 24] where next - back >= dataStart && isSignature(next - back, 7, 8) {
                    entry.compressedSize = next - back - dataStart
                    closed = true
                    break
                }
                entry.sizeUnknown = true
                entry.cut = next == bytes.count && !closed
            } else {
                entry.compressedSize = min(declaredCompressed, bytes.count - dataStart)
                entry.cut = declaredCompressed > bytes.count - dataStart
                next = dataStart + entry.compressedSize
            }
            entries.append(entry)
            if entry.cut { break }
            position = next
        }
        if entries.isEmpty { return nil }
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        func u64(_ at: Int) -> Int? {
            let value = UInt64(u32(at)) | UInt64(u32(at + 4)) << 32
            return value > UInt64(Int.max) ? nil : Int(value)
        }
        // The end record: the last signature within the final 64 KiB + 22 bytes.
        guard bytes.count >= 22 else { return nil }
        var end = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while end >= lowest {
            if bytes[end] == 0x50, bytes[end + 1] == 0x4B, bytes[end + 2] == 5, bytes[end + 3] == 6 { break }
            end -= 1
        }
        guard end >= lowest else { return nil }
        var count = u16(end + 10)
        var directorySize = u32(end + 12)
        var directoryOffset = u32(end + 16)
        // zip64: the locator sits just before the end record and points at the zip64 end record.
        if (count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF), end >= 20,
            u32(end - 20) == 0x0706_4B50, let record = u64(end - 12), record + 56 <= bytes.count,
            u32(record) == 0x0606_4B50, let total = u64(record + 32), let size = u64(record + 40),
            let offset = u64(record + 48)
        {
            count = total
            directorySize = size
            directoryOffset = offset
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset else { return nil }
        var position = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for _ in 0..<count {
            guard position + 46 <= directoryEnd, u32(position) == 0x0201_4B50 else { return nil }
            let flags = u16(position + 8)
            let method = u16(position + 10)
            var compressed = u32(position + 20)
            var size = u32(position + 24)
            let nameLength = u16(position + 28)
            let extraLength = u16(position + 30)
            let commentLength = u16(position + 32)
            var local = u32(position + 42)
            let nameStart = position + 46
            let extraStart = nameStart + nameLength
            let next = extraStart + extraLength + commentLength
            guard next <= directoryEnd else { return nil }
            // zip64 sizes and offset, in that order, for each field saturated in the record.
            var extra = extraStart
            while extra + 4 <= extraStart + extraLength {
                let id = u16(extra)
                let length = u16(extra + 2)
                if id == 1 {
                    var field = extra + 4
                    let fieldEnd = field + length
                    func take(_ value: inout Int) {
                        guard value == 0xFFFF_FFFF, field + 8 <= fieldEnd, let wide = u64(field) else { return }
                        value = wide
                        field += 8
                    }
                    take(&size)
                    take(&compressed)
                    take(&local)
                }
                extra += 4 + length
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[nameStart..<extraStart]), as: UTF8.self)
            entries.append(
                Entry(
                    name: Self.safeName(name), method: method, encrypted: flags & 1 != 0, compressedSize: compressed,
                    size: size, localHeader: local))
            position = next
        }
    }

    /// An entry's compressed bytes, located through its local header.
    func data(of entry: Entry, in bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        let header = entry.localHeader
        guard header <= bytes.count - 30, bytes[header] == 0x50, bytes[header + 1] == 0x4B, bytes[header + 2] == 3,
            bytes[header + 3] == 4
        else { return nil }
        let nameLength = Int(bytes[header + 26]) | Int(bytes[header + 27]) << 8
        let extraLength = Int(bytes[header + 28]) | Int(bytes[header + 29]) << 8
        let start = header + 30 + nameLength + extraLength
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<(start + entry.compressedSize)])
    }

    /// Control characters and `!` (the path separator Linger uses for entries) made visible.
    static func safeName(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "?"
            } else if scalar == "\\" {
                out += "/"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out.isEmpty ? "?" : out
    }
}

/// ustar, GNU and pax tar: regular files only (links, devices and folders carry no content).
enum TarReader {
    static func isHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 512 else { return false }
        // "ustar" at 257 (POSIX "ustar\0", GNU "ustar  ") and a checksum that adds up.
        guard bytes[257] == 0x75, bytes[258] == 0x73, bytes[259] == 0x74, bytes[260] == 0x61, bytes[261] == 0x72 else {
            return false
        }
        return checksumMatches(bytes, at: 0)
    }

    static func checksumMatches(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Bool {
        guard let stored = octal(bytes, offset + 148, 8) else { return false }
        var sum = 0
        for index in 0..<512 { sum += (148..<156).contains(index) ? 0x20 : Int(bytes[offset + index]) }
        return sum == stored
    }

    /// An octal field (or GNU's base-256 form, high bit set).
    static func octal(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> Int? {
        if bytes[offset] & 0x80 != 0 {
            var value = Int(bytes[offset] & 0x7F)
            for index in 1..<length {
                guard value < Int.max >> 8 else { return nil }
                value = value << 8 | Int(bytes[offset + index])
            }
            return value
        }
        var value = 0
        var seen = false
        for index in 0..<length {
            let byte = bytes[offset + index]
            if byte == 0 || byte == 0x20 {
                if seen { break } else { continue }
            }
            guard byte >= 0x30 && byte <= 0x37, value < Int.max >> 3 else { return nil }
            value = value << 3 | Int(byte - 0x30)
            seen = true
        }
        return value
    }

    static func string(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ length: Int) -> String {
        var end = offset
        while end < offset + length && bytes[end] != 0 { end += 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
    }

    static func read(
        _ bytes: UnsafeRawBufferPointer, maxEntries: Int, visit: (String, UnsafeRawBufferPointer) -> Bool,
        skip: (String?, ContainerReader.Problem) -> Void
    ) {
        var offset = 0
        var entries = 0
        var longName: String?
        var paxPath: String?
        while offset + 512 <= bytes.count {
            // Two zero blocks end the archive; one is enough to stop.
            if UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 512)]).allSatisfy({ $0 == 0 }) { return }
            guard checksumMatches(bytes, at: offset), let size = octal(bytes, offset + 124, 12) else {
                skip(nil, .damaged("damaged tar header at byte \(offset); the rest is not read"))
                return
            }
            let dataStart = offset + 512
            // An entry cut short by the end of the file: what is there is read, and the cut said.
            let cut = size > bytes.count - dataStart
            let data = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(cut ? bytes.count : dataStart + size)])
            let type = bytes[offset + 156]
            if cut && !(type == 0x30 || type == 0x00 || type == 0x37) {
                skip(nil, .damaged("truncated tar: an entry runs past the end; the rest is not read"))
                return
            }
            var name = string(bytes, offset, 100)
            let prefix = string(bytes, offset + 345, 155)
            if !prefix.isEmpty, bytes[offset + 257 + 5] == 0 { name = prefix + "/" + name }
            switch type {
            case 0x4C:  // GNU long name for the next entry
                longName = String(decoding: data, as: UTF8.self).split(separator: "\0").first.map(String.init)
            case 0x78:  // pax extended header for the next entry
                paxPath = paxValue("path", in: data)
            case 0x30, 0x00, 0x37:  // regular file (and contiguous file)
                entries += 1
                if entries > maxEntries {
                    skip(nil, .limit("more than \(maxEntries) entries; the rest is not read"))
                    return
                }
                let entryName = ZipDirectory.safeName(paxPath ?? longName ?? name)
                if cut {
                    skip(entryName, .damaged("truncated tar: cut short; the \(data.count) bytes before the cut were scanned"))
                }
                guard visit(entryName, data), !cut else { return }
                longName = nil
                paxPath = nil
            default:
                longName = nil
                paxPath = nil
            }
            offset = dataStart + (size + 511) / 512 * 512
        }
        if offset < bytes.count,
            !UnsafeRawBufferPointer(rebasing: bytes[offset...]).allSatisfy({ $0 == 0 })
        {
            skip(nil, .damaged("truncated tar: it ends inside an entry's header"))
        }
    }

    /// A pax record's value: records are `LENGTH KEY=VALUE\n`.
    static func paxValue(_ key: String, in data: UnsafeRawBufferPointer) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        for record in text.split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let pair = record[record.index(after: space)...]
            if pair.hasPrefix(key + "=") { return String(pair.dropFirst(key.count + 1)) }
        }
        return nil
    }
}

/// zlib, driven with an output cap: inflation stops at `limit` bytes, never past it.
enum Inflater {
    /// `raw`: a zip entry's bare deflate stream; otherwise gzip (members concatenated).
    /// `expected`: the size the container declares; inflating past it is a lie (a bomb).
    /// The inflated bytes, and whether damage or truncation cut them short (what came before it
    /// is kept: a truncated log still holds the secrets of its first half).
    static func inflate(
        _ input: UnsafeRawBufferPointer, raw: Bool, expected: Int?, limit: Int, ratio: Int = .max
    ) throws -> ([UInt8], Bool) {
        guard input.count > 0 else { return ([], false) }
        guard input.count <= Int(UInt32.max) else {
            throw ContainerReader.Problem.entry("compressed data over 4 GiB; not read")
        }
        var stream = z_stream()
        let windowBits: Int32 = raw ? -15 : 15 + 16
        guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ContainerReader.Problem.unreadable("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(input.count)
        var output = [UInt8]()
        output.reserveCapacity(min(expected ?? input.count * 4, limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var status: Int32 = Z_OK
            let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                status = CZlib.inflate(&stream, Z_NO_FLUSH)
                return buffer.count - Int(stream.avail_out)
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                // What was inflated before the damage (a bad checksum is found only at the end,
                // after everything was produced) is kept, within the limit.
                output.append(contentsOf: chunk[0..<min(produced, max(0, limit - output.count))])
                if output.isEmpty { throw ContainerReader.Problem.unreadable("damaged compressed data (zlib error \(status))") }
                return (output, true)
            }
            if let expected, output.count + produced > expected {
                throw ContainerReader.Problem.limit("inflates past its declared \(expected) bytes (an archive bomb?); not read")
            }
            if output.count + produced > limit {
                throw ContainerReader.Problem.limit(
                    "inflates past \(limit) bytes (an archive bomb, or over --max-file-size); not read")
            }
            output.append(contentsOf: chunk[0..<produced])
            let consumed = input.count - Int(stream.avail_in)
            if output.count > 1 << 20, output.count / max(consumed, 1) > ratio {
                throw ContainerReader.Problem.limit("inflates more than \(ratio):1 (an archive bomb?); not read")
            }
            if status == Z_STREAM_END {
                // gzip members may be concatenated; trailing bytes that are not one are ignored.
                guard !raw, stream.avail_in >= 18, input[consumed] == 0x1F, input[consumed + 1] == 0x8B,
                    inflateReset(&stream) == Z_OK
                else { break }
                continue
            }
            if status == Z_BUF_ERROR || (produced == 0 && stream.avail_in == 0) {
                if output.isEmpty { throw ContainerReader.Problem.unreadable("truncated compressed data") }
                return (output, true)
            }
        }
        return (output, false)
    }
}

/// libbz2, with the same output cap.
enum Bunzip {
    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int, ratio: Int) throws -> ([UInt8], Bool) {
        var stream = bz_stream()
        guard BZ2_bzDecompressInit(&stream, 0, 0) == BZ_OK else {
            throw ContainerReader.Problem.unreadable("libbz2 could not start")
        }
        var ended = false
        defer { if !ended { BZ2_bzDecompressEnd(&stream) } }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var consumed = 0
        while consumed < input.count {
            let remaining = input.count - consumed
            stream.next_in = UnsafeMutableRawPointer(mutating: input.baseAddress! + consumed).assumingMemoryBound(to: CChar.self)
            stream.avail_in = UInt32(min(remaining, Int(UInt32.max)))
            var status: Int32 = BZ_OK
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = UnsafeMutableRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
                    stream.avail_out = UInt32(buffer.count)
                    status = BZ2_bzDecompress(&stream)
                    return buffer.count - Int(stream.avail_out)
                }
                guard status == BZ_OK || status == BZ_STREAM_END else {
                    if output.isEmpty { throw ContainerReader.Problem.unreadable("damaged bzip2 data (libbz2 error \(status))") }
                    return (output, true)
                }
                if output.count + produced > limit {
                    throw ContainerReader.Problem.limit("inflates past \(limit) bytes (an archive bomb, or over --max-file-size); not read")
                }
                output.append(contentsOf: chunk[0..<produced])
                let used = consumed + (remaining - Int(stream.avail_in))
                if output.count > 1 << 20, output.count / max(used, 1) > ratio {
                    throw ContainerReader.Problem.limit("inflates more than \(ratio):1 (an archive bomb?); not read")
                }
                if produced == 0 && stream.avail_in == 0 && status == BZ_OK { break }
            } while status != BZ_STREAM_END
            consumed += remaining - Int(stream.avail_in)
            if status == BZ_STREAM_END {
                // Concatenated streams (pbzip2, appended archives) follow one another.
                BZ2_bzDecompressEnd(&stream)
                ended = true
                guard consumed + 10 <= input.count, input[consumed] == 0x42, input[consumed + 1] == 0x5A else { break }
                guard BZ2_bzDecompressInit(&stream, 0, 0) == BZ_OK else { break }
                ended = false
            } else {
                if output.isEmpty { throw ContainerReader.Problem.unreadable("truncated bzip2 data") }
                return (output, true)
            }
        }
        return (output, false)
    }
}
