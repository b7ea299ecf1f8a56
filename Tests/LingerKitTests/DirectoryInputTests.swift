import Foundation
import Synchronization
import Testing

@testable import LingerKit

@Suite struct DirectoryInputTests {
    @Test func walksTreeSkippingGitBinaryAndLargeFilesWithReasons() throws {
        let directory = try TemporaryDirectory()
        let token = Fixtures.githubToken(seed: 7)
        try directory.write("src/app.env", "TOKEN=\(token)\n")
        try directory.write(".git/config", "token = \(token)\n")
        try directory.write("nested/deeper/notes.md", "nothing to see\n")
        try directory.write("bin/blob.dat", Data([0x7F, 0x45, 0x00, 0x01] + Array("token \(token)".utf8)))
        try directory.write("big/huge.txt", String(repeating: "a", count: 2048) + token)
        let result = try Fixtures.scanner(maxFileSize: 1024).scan(directory: DirectoryInput(root: directory.path))
        #expect(result.findings.map(\.path) == ["src/app.env"])
        #expect(result.skipped.map(\.path) == ["big/huge.txt", "bin/blob.dat"])
        #expect(result.skipped.map(\.reason) == [.tooLarge, .binary])
        #expect(result.skipped[0].detail == "\(2048 + token.count) bytes; the limit is 1024 (--max-file-size)")
        #expect(result.statistics.filesScanned == 2)
        #expect(!result.isIncomplete)
    }

    @Test func symlinksAreNotFollowedOutOfTheTree() throws {
        let outside = try TemporaryDirectory()
        try outside.write("secret.env", "TOKEN=\(Fixtures.githubToken(seed: 8))\n")
        let directory = try TemporaryDirectory()
        let target = try directory.write("real.env", "TOKEN=\(Fixtures.githubToken(seed: 9))\n")
        #expect(symlink(outside.path + "/secret.env", directory.path + "/outside-link") == 0)
        #expect(symlink(outside.path, directory.path + "/outside-dir") == 0)
        #expect(symlink(target, directory.path + "/inside-link") == 0)
        let result = try Fixtures.scanner().scan(directory: DirectoryInput(root: directory.path))
        #expect(result.findings.map(\.path) == ["real.env"])
        #expect(result.skipped.map(\.path) == ["outside-dir", "outside-link"])
        #expect(result.skipped.allSatisfy { $0.reason == .symlinkOutsideTree })
    }

    /// Files are opened in the folder the walk listed them in: a folder renamed after the
    /// listing, and its old name made a link to a folder outside the tree, still gives the files
    /// that were listed, never the outside ones.
    @Test func filesAreReadFromTheFolderTheWalkListedEvenIfItIsSwappedForALink() throws {
        let outside = try TemporaryDirectory()
        try outside.write("app.env", "TOKEN=\(Fixtures.githubToken(seed: 31))\n")
        let directory = try TemporaryDirectory()
        let listed = Fixtures.githubToken(seed: 32)
        try directory.write("svc/app.env", "TOKEN=\(listed)\n")
        let input = DirectoryInput(root: directory.path)
        var entries = [FileEntry]()
        _ = input.enumerate(try input.openRoot()) { entries.append($0) }
        #expect(entries.map(\.displayPath) == ["svc/app.env"])
        #expect(entries.allSatisfy { $0.folder != nil })
        #expect(rename(directory.path + "/svc", directory.path + "/moved") == 0)
        #expect(symlink(outside.path, directory.path + "/svc") == 0)
        let worker = try BlobScanner(scanner: Fixtures.scanner())
        for entry in entries { worker.scanFile(entry) }
        #expect(worker.result.findings.map(\.secret) == [listed])
        #expect(worker.result.skipped.isEmpty)
    }

    /// A folder swapped for a link between the listing and the walk going into it is not
    /// followed (the walk opens folders with O_NOFOLLOW, relative to their parent).
    @Test func aFolderThatBecameALinkIsNotWalkedInto() throws {
        let outside = try TemporaryDirectory()
        try outside.write("app.env", "TOKEN=\(Fixtures.githubToken(seed: 33))\n")
        let directory = try TemporaryDirectory()
        try directory.write("svc/app.env", "nothing\n")
        let input = DirectoryInput(root: directory.path)
        guard let root = OpenFolder.open(Array(directory.path.utf8CString), in: nil) else {
            Issue.record("cannot open \(directory.path)")
            return
        }
        try FileManager.default.removeItem(atPath: directory.path + "/svc")
        #expect(symlink(outside.path, directory.path + "/svc") == 0)
        #expect(OpenFolder.open(Array("svc".utf8CString), in: root) == nil)
        #expect(errno == ELOOP || errno == ENOTDIR)
        // And the whole walk: the link is one, to outside the tree.
        let result = try Fixtures.scanner().scan(directory: input)
        #expect(result.findings.isEmpty)
        #expect(result.skipped.map(\.reason) == [.symlinkOutsideTree])
    }

    /// Past `OpenFolder.limit` folders held at once, files are opened by path, and nothing is
    /// lost: every file of a tree with more folders than that is read.
    @Test func heldFoldersAreBoundedAndFilesPastTheBoundAreOpenedByPath() throws {
        let directory = try TemporaryDirectory()
        let count = OpenFolder.limit + 40
        for index in 0..<count {
            try directory.write("d\(index)/f.env", "TOKEN=\(Fixtures.githubToken(seed: UInt64(1000 + index)))\n")
        }
        let input = DirectoryInput(root: directory.path)
        var entries = [FileEntry]()
        _ = input.enumerate(try input.openRoot()) { entries.append($0) }
        #expect(entries.count == count)
        let held = entries.filter { $0.folder != nil }.count
        #expect(held > 0 && held < OpenFolder.limit)
        #expect(entries.contains { $0.folder == nil })
        let worker = try BlobScanner(scanner: Fixtures.scanner())
        for entry in entries { worker.scanFile(entry) }
        #expect(worker.result.findings.count == count)
        #expect(worker.result.skipped.isEmpty)
    }

    @Test func specialFilesAndUnreadableFilesAreReported() throws {
        let directory = try TemporaryDirectory()
        #expect(mkfifo(directory.path + "/pipe", 0o600) == 0)
        let locked = try directory.write("locked.env", "x")
        chmod(locked, 0)
        defer { chmod(locked, 0o600) }
        let result = try Fixtures.scanner().scan(directory: DirectoryInput(root: directory.path))
        #expect(result.skipped.first { $0.path == "pipe" }?.reason == .notRegularFile)
        // root reads anything; elsewhere the locked file must be reported as unreadable.
        if getuid() != 0 {
            #expect(result.skipped.first { $0.path == "locked.env" }?.reason == .unreadable)
            #expect(result.isIncomplete)
        }
    }

    @Test func aSingleFileIsScannedByName() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("one.env", "TOKEN=\(Fixtures.githubToken(seed: 10))\n")
        let result = try Fixtures.scanner().scan(directory: DirectoryInput(root: path))
        #expect(result.findings.map(\.path) == ["one.env"])
    }

    @Test func aMissingPathIsAClearError() {
        #expect(throws: DirectoryInput.InputError.notFound("/nonexistent/linger")) {
            try Fixtures.scanner().scan(directory: DirectoryInput(root: "/nonexistent/linger"))
        }
    }

    @Test func resultsDoNotDependOnTheNumberOfWorkers() throws {
        let directory = try TemporaryDirectory()
        for index in 0..<40 {
            try directory.write(
                "d\(index % 5)/f\(index).txt", "k\(index) = \(Fixtures.githubToken(seed: UInt64(index)))\n")
        }
        let one = try Fixtures.scanner(jobs: 1).scan(directory: DirectoryInput(root: directory.path))
        let four = try Fixtures.scanner(jobs: 4).scan(directory: DirectoryInput(root: directory.path))
        #expect(one.findings.count == 40)
        #expect(one.findings == four.findings)
    }

    /// The walk feeds the workers as it goes, through a queue of 16 batches of 32 files: a tree
    /// of more files than that holds makes the walk wait for the workers, and every file is still
    /// scanned once.
    @Test func aTreeLargerThanTheQueueIsScannedWhole() throws {
        let directory = try TemporaryDirectory()
        for index in 0..<1_200 {
            let content = index % 10 == 0 ? "k = \(Fixtures.githubToken(seed: UInt64(index)))\n" : "plain \(index)\n"
            try directory.write("d\(index % 7)/e\(index % 3)/f\(index).txt", content)
        }
        for jobs in [1, 2] {
            let result = try Fixtures.scanner(jobs: jobs).scan(directory: DirectoryInput(root: directory.path))
            #expect(result.statistics.filesScanned == 1_200)
            #expect(result.findings.count == 120)
            #expect(Set(result.findings.map(\.path)).count == 120)
        }
    }
}

@Suite struct DatabaseCacheTests {
    @Test func cacheIsWrittenPrivatelyReusedAndRebuiltWhenDamaged() throws {
        let directory = try TemporaryDirectory()
        let cache = DatabaseCache(directory: directory.path + "/cache")
        let ruleSet = try RuleSet(rules: RuleSet.builtIn())
        let first = try CompiledRules(ruleSet: ruleSet, cache: cache)
        #expect(first.databaseOrigin == .compiled)
        let key = DatabaseCache.key(for: ruleSet.rules, literals: CertificateAnchors.literalBytes)
        let file = directory.path + "/cache/" + key + ".hsdb"
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let second = try CompiledRules(ruleSet: ruleSet, cache: cache)
        #expect(second.databaseOrigin == .cache)
        #expect(second.lookback == first.lookback)

        // Flip one byte in the payload: the checksum no longer matches and the file is rebuilt.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[bytes.count / 2] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let third = try CompiledRules(ruleSet: ruleSet, cache: cache)
        #expect(third.databaseOrigin == .compiled)
        let token = Fixtures.githubToken(seed: 3)
        let scanner = SecretScanner(rules: third, options: ScanOptions())
        #expect(try scanner.scan(bytes: Array("t=\(token)".utf8), name: "x").findings.count == 1)
        #expect(try CompiledRules(ruleSet: ruleSet, cache: cache).databaseOrigin == .cache)

        // A truncated file is not trusted either.
        try Data(bytes.prefix(20)).write(to: URL(fileURLWithPath: file))
        #expect(try CompiledRules(ruleSet: ruleSet, cache: cache).databaseOrigin == .compiled)
    }

    @Test func keyChangesWithThePatterns() throws {
        var rules = try RuleSet.builtIn()
        let before = DatabaseCache.key(for: rules)
        rules[0].pattern += "x"
        #expect(DatabaseCache.key(for: rules) != before)
    }
}

/// A walk started before the scan (`DirectoryListing`, as `linger scan` starts it beside the
/// rules' start) gives what a scan of the folder gives; it is ended when nobody reads it.
@Suite struct DirectoryListingTests {
    @Test func aScanOfAnEarlyListingFindsWhatAScanOfTheFolderFinds() throws {
        let work = try TestRepository()
        for index in 0..<300 {
            try work.directory.write("svc/part\(index % 7)/file\(index).env", "TOKEN=\(Fixtures.githubToken(seed: UInt64(100 + index)))\n")
        }
        try work.directory.write("svc/bin.dat", Data([0x7F, 0x45, 0x00, 0x01]))
        let listing = DirectoryListing(path: work.path + "/svc")
        // Reports name files from the repository's top, as the pipeline's place says.
        #expect(listing.place?.prefix == "svc")
        let early = try Fixtures.scanner().scan(listing: listing)
        // What was planted, file by file, each read in memory without any walk.
        let expected = (0..<300).map { "svc/part\($0 % 7)/file\($0).env" }.sorted()
        let planted = try Fixtures.scanner().scan(
            blobs: expected.map { ($0, Array(try Data(contentsOf: URL(fileURLWithPath: work.path + "/" + $0)))) })
        #expect(early.findings.map(\.path) == expected)
        #expect(early.findings.map(\.fingerprint) == planted.findings.map(\.fingerprint))
        #expect(early.skipped.map(\.path) == ["svc/bin.dat"] && early.skipped.map(\.reason) == [.binary])
        #expect(early.statistics.filesScanned == 300)
    }

    /// Linger's database cache is left out of the walk wherever it lies in the tree, told by
    /// device and inode (another folder of the same name is walked).
    @Test func theDatabaseCacheIsLeftOutOfTheWalk() throws {
        let home = try TemporaryDirectory()
        let token = Fixtures.githubToken(seed: 61)
        try home.write(".cache/linger/0123.hsdb.99.tmp", "TOKEN=\(token)\n")
        try home.write("other/.cache/linger/notes.env", "TOKEN=\(token)\n")
        try home.write("app.env", "TOKEN=\(token)\n")
        let listing = DirectoryListing(path: home.path, excludedFolders: [home.path + "/.cache/linger"])
        let result = try Fixtures.scanner().scan(listing: listing)
        #expect(result.findings.map(\.path) == ["app.env", "other/.cache/linger/notes.env"])
        #expect(result.skipped.isEmpty)
        let whole = try Fixtures.scanner().scan(directory: DirectoryInput(root: home.path))
        #expect(whole.findings.count == 3)
    }

    @Test func aListingOfAMissingPathFailsTheScanSaying() throws {
        let folder = try TemporaryDirectory()
        let listing = DirectoryListing(path: folder.path + "/absent")
        #expect(throws: DirectoryInput.InputError.notFound(folder.path + "/absent")) {
            try Fixtures.scanner().scan(listing: listing)
        }
    }

    /// A walk nobody reads fills its queue and waits; cancelled, it ends (its queue closed, the
    /// rest of the tree not walked) instead of waiting for ever.
    @Test func aCancelledListingEndsEvenWithItsQueueFull() throws {
        let folder = try TemporaryDirectory()
        // More files than the queue holds (256 batches of 32).
        for part in 0..<40 {
            for index in 0..<250 { try folder.write("p\(part)/f\(index)", "") }
        }
        let listing = DirectoryListing(path: folder.path)
        _ = listing.place
        Thread.sleep(forTimeInterval: 0.2)
        listing.cancel()
        // Returns once the walk has ended: within seconds, not never.
        let ended = DispatchSemaphore(value: 0)
        Thread {
            _ = listing.skipped()
            ended.signal()
        }.start()
        #expect(ended.wait(timeout: .now() + 60) == .success)
    }

    /// The walk asks at each folder whether to stop, and stops there: files of the folders
    /// before come, the rest do not.
    @Test func theWalkStopsAtTheFolderItIsToldTo() throws {
        let folder = try TemporaryDirectory()
        for part in 0..<5 {
            for index in 0..<3 { try folder.write("p\(part)/f\(index)", "") }
        }
        let input = DirectoryInput(root: folder.path)
        var folders = 0
        var files = [String]()
        _ = input.enumerate(try input.openRoot(), stopping: {
            folders += 1
            return folders > 3  // the root, p0 and p1
        }) { files.append($0.displayPath) }
        #expect(files == ["p0/f0", "p0/f1", "p0/f2", "p1/f0", "p1/f1", "p1/f2"])
    }
}

/// The workers' queue: first in, first out across its ring's edge; a producer waits while it is
/// full; closed, it gives what it holds and then nil; an item leaves it when popped.
@Suite struct BoundedQueueTests {
    @Test func itemsComeOutInOrderAndWaitForRoom() throws {
        let queue = BoundedQueue<Int>(capacity: 3)
        let popped = Mutex([Int]())
        let done = DispatchSemaphore(value: 0)
        Thread {
            // Slower than the producer: the queue fills and the producer waits.
            while let item = queue.pop() {
                popped.withLock { $0.append(item) }
                Thread.sleep(forTimeInterval: 0.001)
            }
            done.signal()
        }.start()
        for item in 0..<50 { queue.push(item) }
        queue.close()
        done.wait()
        #expect(popped.withLock { $0 } == Array(0..<50))
        queue.push(99)  // dropped: the queue is closed
        #expect(queue.pop() == nil)
    }

    @Test func aPoppedItemIsNoLongerHeld() {
        final class Item {}
        let queue = BoundedQueue<Item>(capacity: 4)
        weak var watched: Item?
        do {
            let item = Item()
            watched = item
            queue.push(item)
            queue.push(Item())
            _ = queue.pop()
        }
        #expect(watched == nil)
        queue.close()
        #expect(queue.pop() != nil && queue.pop() == nil)
    }
}
