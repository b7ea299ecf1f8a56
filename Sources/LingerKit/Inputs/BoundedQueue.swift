import Foundation
import Synchronization

/// A blocking first-in-first-out queue with a fixed capacity: producers wait when it is full, so
/// memory stays flat however much history is walked. A ring of `capacity` slots: an item leaves
/// the queue (and is freed by whoever took it) when it is popped. (An array with a moving head
/// kept every item a directory scan had popped, its open folders included, until the queue was
/// freed: 2 ms of a /usr/include scan's end, on one thread.)
final class BoundedQueue<Element>: @unchecked Sendable {
    private var slots: [Element?]
    private var head = 0
    private var count = 0
    private var closed = false
    private let condition = NSCondition()

    init(capacity: Int) { slots = Array(repeating: nil, count: max(1, capacity)) }

    func push(_ item: Element) {
        condition.lock()
        while count == slots.count && !closed { condition.wait() }
        if !closed {
            slots[(head + count) % slots.count] = item
            count += 1
            condition.signal()
        }
        condition.unlock()
    }

    /// The next item, or nil once the queue is closed and drained.
    func pop() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed { condition.wait() }
        guard count > 0 else { return nil }
        let item = slots[head].take()
        head = (head + 1) % slots.count
        count -= 1
        condition.broadcast()
        return item
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Counters a long scan updates and a progress display reads, from any thread.
public final class ScanProgress: Sendable {
    private struct Counts {
        var blobs = 0
        var bytes = 0
        var secrets = Set<String>()
        var discovered = 0
        var expected: Int?
        var walkFinished = false
    }
    private let counts = Mutex(Counts())

    public init() {}

    func discovered(_ count: Int = 1) { counts.withLock { $0.discovered += count } }
    /// How many objects the sweep will read, known before it starts (from the pack indexes).
    func expect(_ count: Int) { counts.withLock { $0.expected = count } }
    func walkFinished() { counts.withLock { $0.walkFinished = true } }
    func scanned(bytes: Int, fingerprints: some Sequence<String> = []) {
        let found = Array(fingerprints)
        counts.withLock {
            $0.blobs += 1
            $0.bytes += bytes
            $0.secrets.formUnion(found)
        }
    }

    /// Inputs scanned, bytes scanned, distinct secrets found so far (a report counts secrets, not
    /// places; suppression and unreachable objects may still set some aside), inputs found so far,
    /// inputs expected in all (when known up front), and whether the walk is done.
    public var snapshot:
        (scanned: Int, bytes: Int, secrets: Int, discovered: Int, expected: Int?, walkFinished: Bool)
    {
        counts.withLock { ($0.blobs, $0.bytes, $0.secrets.count, $0.discovered, $0.expected, $0.walkFinished) }
    }
}
