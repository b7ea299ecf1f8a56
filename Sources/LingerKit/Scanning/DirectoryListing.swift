import Foundation
import Synchronization

/// The walk of a directory (or the one file) a scan reads, on a thread of its own from the moment
/// it is made: where the path sits in its repository, what the root is, then every file, into a
/// bounded queue the scan's workers read. `linger scan` starts it before the rules are ready, so
/// the walk uses the core the start leaves idle (parsing the rules is one thread's work, and
/// loading a program and its libraries is) instead of taking turns with the workers.
public final class DirectoryListing: @unchecked Sendable {
    /// The path as given.
    public let path: String
    /// The files, in batches (`SecretScanner.jobBatch`). 256 batches (8,192 files, a few hundred
    /// bytes each): with 16, the walk, which has no core of its own, fell behind whenever the
    /// workers took both, and then they waited for it.
    let queue = BoundedQueue<[ScanJob]>(capacity: 256)
    private struct Walk {
        var place: RepositoryPlace?
        var root: Result<DirectoryInput.Root, any Error>?
        var skipped: [SkippedInput] = []
    }
    private let walk = Mutex(Walk())
    /// Left when the place and the root are known, and when the walk has ended.
    private let placed = DispatchGroup()
    private let walked = DispatchGroup()
    private let stopped = Atomic(false)
    private let taken = Atomic(false)

    /// Starts the walk of `path`, leaving out `excludedFolders` (`DirectoryInput`); reports name
    /// files from the repository's top (`RepositoryPlace.prefix`), found first.
    public convenience init(path: String, excludedFolders: [String] = []) {
        self.init(path: path) {
            let place = RepositoryPlace(scanning: path)
            return (place, DirectoryInput(root: path, displayPrefix: place.prefix, excludedFolders: excludedFolders))
        }
    }

    /// Starts the walk of `input` as it is (its display prefix included; no place is looked for).
    convenience init(input: DirectoryInput) {
        self.init(path: input.root) { (nil, input) }
    }

    private init(path: String, input: @escaping @Sendable () -> (RepositoryPlace?, DirectoryInput)) {
        self.path = path
        placed.enter()
        walked.enter()
        let thread = Thread { [self] in
            defer {
                queue.close()
                walked.leave()
            }
            let (place, directory) = input()
            let root = Result { try directory.openRoot() }
            walk.withLock {
                $0.place = place
                $0.root = root
            }
            placed.leave()
            guard case .success(let opened) = root else { return }
            var batcher = JobBatcher(queue: queue)
            let skipped = directory.enumerate(opened, stopping: { self.stopped.load(ordering: .relaxed) }) {
                batcher.add(.file($0))
            }
            batcher.flush()
            walk.withLock { $0.skipped = skipped }
        }
        thread.stackSize = 16 << 20  // the walk recurses once per folder level
        thread.start()
    }

    /// Where the path sits in its work tree (waits for the walk to find out, at its start); nil
    /// for a listing of a `DirectoryInput`, whose prefix was given.
    public var place: RepositoryPlace? {
        placed.wait()
        return walk.withLock { $0.place }
    }

    /// The queue, to the one scan that reads it: a second would find it drained and closed, and
    /// report a partial scan as a whole one.
    func takeQueue() -> BoundedQueue<[ScanJob]> {
        let (exchanged, _) = taken.compareExchange(expected: false, desired: true, ordering: .relaxed)
        precondition(exchanged, "a DirectoryListing is scanned once")
        return queue
    }

    /// What the root is; throws when it cannot be read (waits, as `place`).
    func root() throws -> DirectoryInput.Root {
        placed.wait()
        return try walk.withLock { $0.root! }.get()
    }

    /// What the walk skipped, once it has ended (waits for it).
    func skipped() -> [SkippedInput] {
        walked.wait()
        return walk.withLock { $0.skipped }
    }

    /// Ends the walk early, for a scan that will not read it (the queue takes no more files).
    public func cancel() {
        stopped.store(true, ordering: .relaxed)
        queue.close()
    }
}
