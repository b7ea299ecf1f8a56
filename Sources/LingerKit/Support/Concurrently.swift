import Dispatch
import Synchronization

/// Runs `body` for each index of `0..<count` side by side and gives each outcome at its index:
/// read in order, the first error is the one that running them in turn would have thrown.
func concurrentResults<Value: Sendable>(
    count: Int, _ body: @Sendable (Int) throws -> Value
) -> [Result<Value, Error>] {
    let outcomes = Mutex([Result<Value, Error>?](repeating: nil, count: count))
    DispatchQueue.concurrentPerform(iterations: count) { index in
        let outcome = Result { try body(index) }
        outcomes.withLock { $0[index] = outcome }
    }
    return outcomes.withLock { $0.map { $0! } }
}

/// Runs two pieces of work side by side and gives both outcomes.
func concurrently<First: Sendable, Second: Sendable>(
    _ first: @Sendable () throws -> First, _ second: @Sendable () throws -> Second
) -> (Result<First, Error>, Result<Second, Error>) {
    let firstOutcome = Mutex<Result<First, Error>?>(nil)
    let secondOutcome = Mutex<Result<Second, Error>?>(nil)
    DispatchQueue.concurrentPerform(iterations: 2) { index in
        if index == 0 {
            let outcome = Result { try first() }
            firstOutcome.withLock { $0 = outcome }
        } else {
            let outcome = Result { try second() }
            secondOutcome.withLock { $0 = outcome }
        }
    }
    return (firstOutcome.withLock { $0! }, secondOutcome.withLock { $0! })
}
