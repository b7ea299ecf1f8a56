/// What fails a CI gate (`--fail-on`), and the exit status a scan ends with.
public enum GateThreshold: String, Sendable, CaseIterable {
    /// Any finding fails the gate.
    case any
    /// Findings of medium or high confidence.
    case medium
    /// Findings of high confidence.
    case high
    /// Secrets that are live, or that nothing confirmed dead (`unverified`).
    case unverified
    /// Only secrets with a `live` verdict.
    case live

    /// Whether `finding` fails a gate at this threshold.
    public func fails(_ finding: Finding) -> Bool {
        if finding.verdict == .live { return true }
        switch self {
        case .any: return true
        case .medium: return finding.confidence >= .medium
        case .high: return finding.confidence == .high
        case .unverified: return finding.verdict == .unverified
        case .live: return false
        }
    }
}

/// The outcome of a scan for a pipeline, and its exit status (documented in README).
public enum GateOutcome: Equatable, Sendable {
    /// Nothing fails the gate and every input was read: exit 0.
    case passed
    /// Findings fail the gate: exit 1.
    case failed(count: Int)
    /// Nothing fails the gate, but some input could not be read: exit 2.
    case incomplete
    /// At least one secret is live: exit 3, whatever the threshold.
    case live(count: Int)

    public init(result: ScanResult, threshold: GateThreshold) {
        let live = result.findings.filter { $0.verdict == .live }.count
        let failing = result.findings.filter(threshold.fails).count
        if live > 0 {
            self = .live(count: live)
        } else if failing > 0 {
            self = .failed(count: failing)
        } else if result.isIncomplete {
            self = .incomplete
        } else {
            self = .passed
        }
    }

    public var exitStatus: Int32 {
        switch self {
        case .passed: return 0
        case .failed: return 1
        case .incomplete: return 2
        case .live: return 3
        }
    }
}
