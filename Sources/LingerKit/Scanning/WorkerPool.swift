import Foundation
import Synchronization

/// One unit of content for a worker: a file of a scanned directory, or a git blob.
enum ScanJob: Sendable {
    case file(FileEntry)
    case blob(GitBlobJob)
}

extension SecretScanner {
    /// Jobs handed to a worker at a time: one hand-off per batch, not per input, keeps threads
    /// from waking each other 100,000 times in a large history.
    static var jobBatch: Int { 32 }

    /// The one worker pool every input kind is scanned by: `workers` threads, each with its own
    /// matcher and read buffer (and, for git content, its own libgit2 handle on `gitDirectory`),
    /// take batches from `queue` until it is closed and drained. Their results are merged; the
    /// first error a worker hits (a matcher or repository that cannot be opened) is thrown.
    /// `defersPathRules`: blobs whose paths are not known yet are matched without the rules that
    /// have a `path_pattern` (a history sweep runs those afterwards). `pathFreeDatabaseAfter`:
    /// once a worker has matched that many bytes, a file no `path_pattern` matches is matched
    /// with the database without the restricted rules (`Matcher.pathFreeDatabaseAfter`).
    func runWorkers(
        queue: BoundedQueue<[ScanJob]>, workers: Int, gitDirectory: String?, progress: ScanProgress? = nil,
        defersPathRules: Bool = false, pathFreeDatabaseAfter: Int? = nil
    ) throws -> ScanResult {
        let collected = Mutex(ScanResult())
        let firstError = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: max(1, workers)) { _ in
            do {
                let reader = try gitDirectory.map { try GitRepository(path: $0) }
                let worker = try BlobScanner(scanner: self)
                worker.matcher.defersPathRules = defersPathRules
                worker.matcher.pathFreeDatabaseAfter = pathFreeDatabaseAfter
                while let batch = queue.pop() {
                    for job in batch {
                        switch job {
                        case .file(let file): worker.scanFile(file)
                        case .blob(let blob):
                            guard let reader else { continue }
                            worker.scanGitBlob(blob, reader: reader, progress: progress)
                        }
                    }
                }
                let part = worker.result
                collected.withLock { $0.absorb(part) }
            } catch {
                firstError.withLock { if $0 == nil { $0 = error } }
                // Keep draining so the producer never blocks on a full queue.
                while queue.pop() != nil {}
            }
        }
        if let error = firstError.withLock({ $0 }) { throw error }
        return collected.withLock { $0 }
    }
}

/// Gathers a producer's jobs into batches of `SecretScanner.jobBatch` for the workers' queue.
struct JobBatcher {
    let queue: BoundedQueue<[ScanJob]>
    private var batch: [ScanJob] = []

    init(queue: BoundedQueue<[ScanJob]>) { self.queue = queue }

    /// Adds a job; a full batch goes to the queue (waiting while the queue is full).
    mutating func add(_ job: ScanJob) {
        batch.append(job)
        if batch.count == SecretScanner.jobBatch { flush() }
    }

    /// Sends what is gathered, even less than a batch.
    mutating func flush() {
        guard !batch.isEmpty else { return }
        queue.push(batch)
        batch.removeAll(keepingCapacity: true)
    }
}
