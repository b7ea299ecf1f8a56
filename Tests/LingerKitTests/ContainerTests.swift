import CBzip2
import CZlib
import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// Archives written at test time: zip (stored or deflated), tar (ustar), gzip, bzip2.
enum ArchiveMaker {
    /// One zlib deflate stream (raw, or gzip with `gzip`), fed call by call.
    final class Deflater {
        private var stream = z_stream()

        init(gzip: Bool) {
            precondition(
                deflateInit2_(
                    &stream, Z_BEST_COMPRESSION, Z_DEFLATED, gzip ? 31 : -15, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                    Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        }

        deinit { deflateEnd(&stream) }

        /// What deflating `input` with `flush` produces (room for all of it, as deflateBound says).
        func run(_ input: [UInt8], _ flush: Int32) -> [UInt8] {
            var input = input
            var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
            let produced = input.withUnsafeMutableBufferPointer { source in
                output.withUnsafeMutableBufferPointer { target -> Int in
                    stream.next_in = source.baseAddress
                    stream.avail_in = UInt32(source.count)
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    let status = CZlib.deflate(&stream, flush)
                    precondition(status == Z_OK || status == Z_STREAM_END, "zlib deflate failed: \(status)")
                    return target.count - Int(stream.avail_out)
                }
            }
            return Array(output[0..<produced])
        }
    }

    /// A raw deflate stream of `data` (what a zip entry holds), or a gzip file with `gzip`.
    static func deflate(_ data: [UInt8], gzip: Bool = false) -> [UInt8] {
        Deflater(gzip: gzip).run(data, Z_FINISH)
    }

    /// A raw deflate stream that inflates to `megabytes` MiB of zeros, built in milliseconds:
    /// one fully flushed block of 1 MiB repeated (identical input after a full flush compresses
    /// to identical bytes), then an empty final block.
    static func zeroBomb(megabytes: Int) -> [UInt8] {
        let deflater = Deflater(gzip: false)
        func run(_ input: [UInt8], _ flush: Int32) -> [UInt8] { deflater.run(input, flush) }
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let block = run(zeros, Z_FULL_FLUSH)
        precondition(run(zeros, Z_FULL_FLUSH) == block, "zlib did not repeat a flushed block")
        var result = [UInt8]()
        result.reserveCapacity(block.count * megabytes + 16)
        for _ in 0..<megabytes { result += block }
        result += run([], Z_FINISH)
        return result
    }

    struct ZipEntry {
        var name: String
        var data: [UInt8]
        var deflated = true
        var encrypted = false
        /// Declared uncompressed size, when it should lie.
        var declaredSize: Int? = nil
        /// Already-compressed bytes (a bomb), with its true inflated size.
        var raw: (bytes: [UInt8], size: Int)? = nil
    }

    static func zip(_ entries: [ZipEntry]) -> [UInt8] {
        var out = [UInt8]()
        var central = [UInt8]()
        func u16(_ value: Int, _ into: inout [UInt8]) { into += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func u32(_ value: Int, _ into: inout [UInt8]) { u16(value & 0xFFFF, &into); u16(value >> 16 & 0xFFFF, &into) }
        for entry in entries {
            let name = Array(entry.name.utf8)
            let payload = entry.raw?.bytes ?? (entry.deflated ? deflate(entry.data) : entry.data)
            let size = entry.declaredSize ?? entry.raw?.size ?? entry.data.count
            let crc = Int(crc32(0, entry.data, UInt32(entry.data.count)))
            let method = entry.raw != nil || entry.deflated ? 8 : 0
            let flags = entry.encrypted ? 1 : 0
            let offset = out.count
            u32(0x0403_4B50, &out); u16(20, &out); u16(flags, &out); u16(method, &out); u32(0, &out)
            u32(crc, &out); u32(payload.count, &out); u32(size, &out); u16(name.count, &out); u16(0, &out)
            out += name + payload
            u32(0x0201_4B50, &central); u16(20, &central); u16(20, &central); u16(flags, &central)
            u16(method, &central); u32(0, &central); u32(crc, &central); u32(payload.count, &central)
            u32(size, &central); u16(name.count, &central); u16(0, &central); u16(0, &central)
            u16(0, &central); u16(0, &central); u32(0, &central); u32(offset, &central)
            central += name
        }
        let directoryOffset = out.count
        out += central
        u32(0x0605_4B50, &out); u16(0, &out); u16(0, &out); u16(entries.count, &out); u16(entries.count, &out)
        u32(central.count, &out); u32(directoryOffset, &out); u16(0, &out)
        return out
    }

    static func tar(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out = [UInt8]()
        for (name, data) in entries {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, _ at: Int) { for (index, byte) in text.utf8.enumerated() { header[at + index] = byte } }
            put(name, 0)
            put("0000644", 100); put("0000000", 108); put("0000000", 116)
            put(String(format: "%011o", data.count), 124)
            put("00000000000", 136)
            header[156] = 0x30
            put("ustar", 257); header[262] = 0; put("00", 263)
            for index in 148..<156 { header[index] = 0x20 }
            let sum = header.reduce(0) { $0 + Int($1) }
            put(String(format: "%06o", sum), 148); header[154] = 0; header[155] = 0x20
            out += header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    static func bzip2(_ data: [UInt8]) -> [UInt8] {
        var output = [CChar](repeating: 0, count: data.count + data.count / 100 + 600)
        var length = UInt32(output.count)
        var source = data.map { CChar(bitPattern: $0) }
        precondition(BZ2_bzBuffToBuffCompress(&output, &length, &source, UInt32(source.count), 9, 0, 0) == BZ_OK)
        return output[0..<Int(length)].map { UInt8(bitPattern: $0) }
    }
}

@Suite struct ContainerTests {
    static let token = Fixtures.githubToken(seed: 4242)
    static var env: [UInt8] { Array("# settings\nGITHUB_TOKEN=\(token)\n".utf8) }

    /// zip in zip (jar), tgz, tar.bz2, a gzipped file and UTF-16 with and without a mark,
    /// and an executable's strings: each found, named by its path through the archives.
    func writeTree(_ folder: TemporaryDirectory) throws {
        let inner = ArchiveMaker.zip([.init(name: "config/.env", data: Self.env)])
        let outer = ArchiveMaker.zip([
            .init(name: "README.txt", data: Array("nothing here\n".utf8), deflated: false),
            .init(name: "lib/inner.jar", data: inner, deflated: false),
        ])
        try folder.write("dist/app.zip", Data(outer))
        let tar = ArchiveMaker.tar([("etc/app.env", Self.env), ("etc/empty", [])])
        try folder.write("dist/bundle.tgz", Data(ArchiveMaker.deflate(tar, gzip: true)))
        try folder.write("dist/bundle.tar.bz2", Data(ArchiveMaker.bzip2(tar)))
        try folder.write("dist/prod.env.gz", Data(ArchiveMaker.deflate(Self.env, gzip: true)))
        let text = "x = 1\r\nGITHUB_TOKEN=\(Self.token)\r\n"
        try folder.write("win/marked.txt", Data([0xFF, 0xFE] + Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        try folder.write("win/bare.txt", Data(Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        var elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 600)
        elf += Array("GITHUB_TOKEN=\(Self.token)".utf8) + [0, 0, 1, 2] + Array("short".utf8) + [0]
        try folder.write("bin/tool", Data(elf))
    }

    static let expectedPaths = [
        "bin/tool", "dist/app.zip!lib/inner.jar!config/.env", "dist/bundle.tar.bz2!etc/app.env",
        "dist/bundle.tgz!etc/app.env", "dist/prod.env.gz!prod.env", "win/bare.txt", "win/marked.txt",
    ]

    @Test func archivesUTF16AndExecutablesAreScannedInsideADirectory() throws {
        let folder = try TemporaryDirectory()
        try writeTree(folder)
        let result = try Fixtures.scanner().scan(directory: DirectoryInput(root: folder.path))
        let found = result.findings.filter { $0.secret == Self.token }
        #expect(found.map(\.path).sorted() == Self.expectedPaths)
        let nested = try #require(found.first { $0.path.hasPrefix("dist/app.zip") })
        #expect(nested.entryPath == "lib/inner.jar!config/.env")
        #expect(nested.region.line == 2)
        #expect(found.first { $0.path == "win/marked.txt" }?.region.line == 2)
        #expect(result.skipped.filter { $0.reason == .binary }.isEmpty)
        // Switched off: archives are binary again, and skipped as such.
        var options = ScanOptions()
        options.openContainers = false
        let off = try SecretScanner(rules: Fixtures.builtInRules, options: options).scan(
            directory: DirectoryInput(root: folder.path))
        #expect(!off.findings.contains { $0.path.contains("!") })
    }

    @Test func archivesInHistoryKeepTheirCommitAndEntryPath() throws {
        let repo = try TestRepository()
        let inner = ArchiveMaker.zip([.init(name: "config/.env", data: Self.env)])
        let outer = ArchiveMaker.zip([.init(name: "lib/inner.jar", data: inner)])
        try repo.directory.write("dist/app.zip", Data(outer))
        try repo.git(["add", "dist/app.zip"])
        try repo.git(["commit", "-q", "-m", "ship the build"])
        let introducing = try repo.git(["rev-parse", "HEAD"])
        try repo.commit([:], message: "remove it", remove: ["dist/app.zip"])
        let result = try Fixtures.scanner().scan(repository: repo.path, mode: .history(includeUnreachable: false))
        let found = try #require(result.findings.first { $0.secret == Self.token })
        #expect(found.path == "dist/app.zip!lib/inner.jar!config/.env")
        #expect(found.provenance?.commit?.id == introducing)
        #expect(found.region.line == 2)
    }

    /// A zip entry inflating to 1 GiB (from about 1 MB) is skipped from its declared size,
    /// a lying header is stopped at --max-file-size (not at the size it declares: that would let
    /// a small declared size hide an entry), and a gzip bomb stops at the limit.
    @Test func bombsAreSkippedWithAClearRecord() throws {
        let bomb = ArchiveMaker.zeroBomb(megabytes: 1024)
        let folder = try TemporaryDirectory()
        try folder.write("honest.zip", Data(ArchiveMaker.zip([.init(name: "zeros.bin", data: [], raw: (bomb, 1 << 30))])))
        try folder.write(
            "lying.zip",
            Data(ArchiveMaker.zip([.init(name: "small.txt", data: [], declaredSize: 4096, raw: (bomb, 1 << 30))])))
        var gzip: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]
        gzip += bomb
        try folder.write("zeros.gz", Data(gzip))
        let started = Date()
        let result = try Fixtures.scanner().scan(directory: DirectoryInput(root: folder.path))
        let elapsed = Date().timeIntervalSince(started)
        let skips = Dictionary(uniqueKeysWithValues: result.skipped.map { ($0.path, $0) })
        #expect(skips["honest.zip!zeros.bin"]?.detail.contains("inflates to 1073741824 bytes") == true)
        #expect(skips["lying.zip!small.txt"]?.detail.contains("inflates past 10485760 bytes") == true)
        // Stopped by the ratio after the first MiB, or by the size limit: either way, early.
        let gzipSkip = skips["zeros.gz"]?.detail ?? ""
        #expect(gzipSkip.contains("inflates more than 1000:1") || gzipSkip.contains("inflates past 10485760 bytes"))
        #expect(result.skipped.allSatisfy { $0.reason == .archive && !$0.isError })
        // Not a timing assertion (machines are noisy): a record of it, which the note quotes.
        print("bombs skipped in \(String(format: "%.3f", elapsed)) s: \(result.skipped.map { "\($0.path): \($0.detail)" })")
    }

    @Test func nestingEntriesAndDamageAreBoundedAndReported() throws {
        // Five zips deep with the token at the bottom: opened to the depth limit, then reported.
        var nested = ArchiveMaker.zip([.init(name: ".env", data: Self.env)])
        for level in 1...5 { nested = ArchiveMaker.zip([.init(name: "level\(level).zip", data: nested, deflated: false)]) }
        let deep = try Fixtures.scan(bytes: nested, name: "deep.zip")
        #expect(deep.findings.isEmpty)
        #expect(deep.skipped.contains { $0.reason == .archive && $0.detail.contains("nested 4 deep") })
        // 60 entries against a budget of 50 entries in all.
        let zip = ArchiveMaker.zip((0..<60).map { ArchiveMaker.ZipEntry(name: "a\($0).env", data: Self.env, deflated: false) })
        var options = ScanOptions()
        options.containerLimits.maxTotalEntries = 50
        let scanner = SecretScanner(rules: Fixtures.builtInRules, options: options)
        let overlapping = try scanner.scan(bytes: zip, name: "overlap.zip")
        #expect(overlapping.findings.count == 50)
        #expect(overlapping.skipped.contains { $0.detail.contains("more than 50 entries in all") })
        // Encrypted entries, and a truncated zip, are reported; the rest of the archive is read.
        let mixed = ArchiveMaker.zip([
            .init(name: "secret.bin", data: Array("x".utf8), deflated: false, encrypted: true),
            .init(name: "b.env", data: Self.env),
        ])
        let read = try Fixtures.scan(bytes: mixed, name: "mixed.zip")
        #expect(read.findings.map(\.path) == ["mixed.zip!b.env"])
        #expect(read.skipped.map(\.path) == ["mixed.zip!secret.bin"])
        // A zip cut before its directory is read from its local headers, and reported damaged.
        let truncated = try Fixtures.scan(bytes: Array(mixed.prefix(mixed.count - 30)), name: "cut.zip")
        #expect(truncated.findings.map(\.path) == ["cut.zip!b.env"])
        #expect(truncated.skipped.contains { $0.reason == .damagedArchive && $0.detail.contains("no central directory") })
        // Bytes that start like a zip and hold no entry at all cannot be listed: reported damaged.
        let garbage = try Fixtures.scan(bytes: [0x50, 0x4B, 3, 4] + [UInt8](repeating: 0, count: 12), name: "junk.zip")
        #expect(garbage.skipped.map(\.reason) == [.damagedArchive])
        #expect(garbage.isIncomplete)
    }

    /// A declared size that is false hides nothing (the entry is inflated to its real end and
    /// the lie reported), and a very compressible entry does not stop the entries after it.
    @Test func aFalseSizeOrAHighRatioHidesNothing() throws {
        let padded = Self.env + [UInt8](repeating: 0x20, count: 9 * 1024 * 1024) + Self.env
        let zip = ArchiveMaker.zip([
            .init(name: "lie.env", data: Self.env, declaredSize: 10),
            .init(name: "spaces.env", data: padded),
            .init(name: "after.env", data: Self.env),
        ])
        let result = try Fixtures.scan(bytes: zip, name: "tricks.zip")
        #expect(Set(result.findings.map(\.path)) == ["tricks.zip!lie.env", "tricks.zip!spaces.env", "tricks.zip!after.env"])
        #expect(result.skipped.map(\.path) == ["tricks.zip!lie.env"])
        #expect(result.skipped.first?.reason == .damagedArchive)
        #expect(result.skipped.first?.detail.contains("declares 10 bytes") == true)
    }

    /// A damaged archive loses nothing that came before the damage, and the scan says it is
    /// incomplete (exit 2 when nothing fails the gate): a zip cut inside its second entry, and
    /// a streamed zip whose sizes follow the data (a data descriptor), with no directory.
    @Test func aDamagedZipIsReadUpToTheDamageAndTheScanIsIncomplete() throws {
        var filler = [UInt8]()
        var generator = SeededGenerator(seed: 17)
        for _ in 0..<40_000 { filler.append(UInt8(ascii: "a") + UInt8(generator.next() % 26)) }
        let whole = ArchiveMaker.zip([.init(name: "a/.env", data: Self.env), .init(name: "b/big.txt", data: filler)])
        let cut = try Fixtures.scan(bytes: Array(whole.prefix(whole.count / 2)), name: "release.zip")
        #expect(cut.findings.map(\.path) == ["release.zip!a/.env"])
        #expect(cut.skipped.contains { $0.path == "release.zip!b/big.txt" && $0.reason == .damagedArchive })
        #expect(cut.isIncomplete)

        // A tar cut inside its second entry: the first is read, and as much of the second as
        // is there; a gzip whose trailer (CRC) is wrong still gives what it inflated.
        let secondEnv = Array("# more\nSMTP_PASSWORD=Kq7vR2m9xT9Lw3\n".utf8) + filler
        let tar = ArchiveMaker.tar([(name: "a/.env", data: Self.env), (name: "b/.env", data: secondEnv)])
        let cutTar = try Fixtures.scan(bytes: Array(tar.prefix(1024 + 512 + 600)), name: "cut.tar")
        #expect(cutTar.findings.map(\.path) == ["cut.tar!a/.env", "cut.tar!b/.env"])
        #expect(cutTar.skipped.map(\.reason) == [.damagedArchive])
        var gzip = ArchiveMaker.deflate(Self.env, gzip: true)
        gzip[gzip.count - 6] ^= 0xFF
        let badTrailer = try Fixtures.scan(bytes: gzip, name: "app.env.gz")
        #expect(badTrailer.findings.map(\.secret) == [Self.token])
        #expect(badTrailer.skipped.map(\.reason) == [.damagedArchive])

        // Streamed: flag bit 3, zero sizes in the local header, PK\7\8 descriptor after the data.
        func u16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func u32(_ value: Int) -> [UInt8] { u16(value & 0xFFFF) + u16(value >> 16 & 0xFFFF) }
        var streamed = [UInt8]()
        for (name, data) in [("one.env", Self.env), ("two.txt", Array("nothing here\n".utf8))] {
            let crc = Int(crc32(0, data, UInt32(data.count)))
            streamed += u32(0x0403_4B50) + u16(20) + u16(8) + u16(0) + u32(0) + u32(0) + u32(0) + u32(0)
            streamed += u16(name.utf8.count) + u16(0) + Array(name.utf8) + data
            streamed += u32(0x0807_4B50) + u32(crc) + u32(data.count) + u32(data.count)
        }
        let read = try Fixtures.scan(bytes: streamed, name: "stream.zip")
        #expect(read.findings.map(\.path) == ["stream.zip!one.env"])
        #expect(read.findings.first?.region.line == 2)
        #expect(read.skipped.map(\.reason) == [.damagedArchive])
    }

    // MARK: What an outside review found

    @Test func compressedStreamsInsideStreamsAreNamedOnceEachInDirectoriesAndHistory() throws {
        let doubly = ArchiveMaker.deflate(ArchiveMaker.deflate(Self.env, gzip: true), gzip: true)
        let mixed = ArchiveMaker.deflate(ArchiveMaker.bzip2(Self.env), gzip: true)
        let folder = try TemporaryDirectory()
        try folder.write("d/g2.env.gz.gz", Data(doubly))
        try folder.write("d/a.env.bz2.gz", Data(mixed))
        let paths = try Fixtures.scanner().scan(directory: DirectoryInput(root: folder.path)).findings.map(\.path).sorted()
        #expect(paths == ["d/a.env.bz2.gz!a.env.bz2!a.env", "d/g2.env.gz.gz!g2.env.gz!g2.env"])
        let repo = try TestRepository()
        try repo.directory.write("dist/g2.env.gz.gz", Data(doubly))
        try repo.directory.write("dist/a.env.gz", Data(ArchiveMaker.deflate(Self.env, gzip: true)))
        try repo.git(["add", "dist"])
        try repo.git(["commit", "-q", "-m", "add"])
        let history = try Fixtures.scanner().scan(repository: repo.path, mode: .history(includeUnreachable: false))
        let places = history.findings.flatMap { [$0.path] + ($0.provenance?.otherPaths ?? []) }.sorted()
        #expect(places == ["dist/a.env.gz!a.env", "dist/g2.env.gz.gz!g2.env.gz!g2.env"])
    }

    @Test func textThatOnlyLooksLikeAnArchiveIsScannedAsText() throws {
        let result = try Fixtures.scan(bytes: Array("PK\u{3}\u{4}garbage\n".utf8) + Self.env, name: "x.txt")
        #expect(result.findings.map(\.secret) == [Self.token])
        #expect(result.findings.first?.region.line == 3)
    }

    @Test func oddLengthUTF16AndWideStringsInExecutablesAreRead() throws {
        let text = "a\nGITHUB_TOKEN=\(Self.token)\n"
        let odd: [UInt8] = [0xFF, 0xFE] + Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + [0x41]
        #expect(try Fixtures.scan(bytes: odd, name: "odd.txt").findings.map(\.secret) == [Self.token])
        var dll: [UInt8] = [0x4D, 0x5A] + [UInt8](repeating: 0, count: 62) + (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        dll += [0, 0] + Array("GITHUB_TOKEN=\(Self.token)".utf16).flatMap { [UInt8($0 & 0xFF), 0] } + [0, 0]
        #expect(try Fixtures.scan(bytes: dll, name: "tool.dll").findings.map(\.secret) == [Self.token])
    }

    @Test func overlappingZipEntriesAreRefusedNotMultiplied() throws {
        var zip = ArchiveMaker.zip([.init(name: "a.env", data: Self.env, deflated: false)])
        let end = zip.count - 22
        let directoryOffset = Int(zip[end + 16]) | Int(zip[end + 17]) << 8
        let record = Array(zip[directoryOffset..<end])
        let central = record + record + record
        zip = Array(zip[0..<directoryOffset]) + central
        zip += [0x50, 0x4B, 5, 6, 0, 0, 0, 0, 3, 0, 3, 0]
        zip += [UInt8(central.count & 0xFF), UInt8(central.count >> 8), 0, 0, UInt8(directoryOffset & 0xFF), UInt8(directoryOffset >> 8), 0, 0, 0, 0]
        let result = try Fixtures.scan(bytes: zip, name: "overlap.zip")
        #expect(result.findings.count == 1)
        #expect(result.skipped.contains { $0.detail.contains("shares its data with another entry") })
    }

    @Test func aTruncatedStreamIsScannedUpToTheDamageAndSaysSo() throws {
        var filler = [UInt8]()
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<60_000 { filler.append(UInt8(ascii: "a") + UInt8(generator.next() % 26)) }
        let whole = ArchiveMaker.deflate(Self.env + filler, gzip: true)
        let result = try Fixtures.scan(bytes: Array(whole.prefix(whole.count / 2)), name: "a.env.gz")
        #expect(result.findings.map(\.secret) == [Self.token])
        #expect(result.skipped.contains { $0.reason == .damagedArchive && $0.detail.contains("before the damage were scanned") })
    }

    @Test func aTarballLargerThanTheFileLimitIsReadEntryByEntry() throws {
        var generator = SeededGenerator(seed: 11)
        let big = (0..<(3 << 20)).map { _ in UInt8(ascii: "a") + UInt8(generator.next() % 26) }
        let tar = ArchiveMaker.tar([("a.bin", big), ("b.bin", big), ("etc/app.env", Self.env)])
        var options = ScanOptions()
        options.maxFileSize = 4 << 20
        let scanner = SecretScanner(rules: Fixtures.builtInRules, options: options)
        let result = try scanner.scan(bytes: ArchiveMaker.deflate(tar, gzip: true), name: "big.tgz")
        #expect(result.findings.map(\.path) == ["big.tgz!etc/app.env"])
    }

    @Test func stagedReportsOnlyWhatAChangedArchiveAdds() throws {
        let repo = try TestRepository()
        let old = Fixtures.githubToken(seed: 515)
        try repo.directory.write("dist/x.zip", Data(ArchiveMaker.zip([.init(name: "a.txt", data: Array("T=\(old)\n".utf8))])))
        try repo.git(["add", "dist/x.zip"])
        try repo.git(["commit", "-q", "-m", "ship"])
        try repo.directory.write(
            "dist/x.zip",
            Data(ArchiveMaker.zip([
                .init(name: "a.txt", data: Array("T=\(old)\n".utf8)), .init(name: "c.txt", data: Self.env),
            ])))
        try repo.git(["add", "dist/x.zip"])
        let staged = try Fixtures.scanner().scan(repository: repo.path, mode: .staged)
        #expect(staged.findings.map(\.path) == ["dist/x.zip!c.txt"])
    }
}
