import Testing

@testable import LingerKit

@Suite struct GateTests {
    func result(_ findings: [(Confidence, Verdict)], incomplete: Bool = false) throws -> ScanResult {
        var base = try Fixtures.scan("T=\(Fixtures.githubToken(seed: 900))\n")
        let template = try #require(base.findings.first)
        base.findings = findings.map { confidence, verdict in
            var finding = template
            finding.confidence = confidence
            finding.verdict = verdict
            return finding
        }
        if incomplete { base.skipped = [SkippedInput(path: "x", reason: .unreadable, detail: "EIO")] }
        return base
    }

    @Test func thresholdsAndExitStatuses() throws {
        #expect(GateOutcome(result: try result([]), threshold: .any) == .passed)
        #expect(GateOutcome(result: try result([]), threshold: .any).exitStatus == 0)
        #expect(GateOutcome(result: try result([(.low, .unknown)]), threshold: .any) == .failed(count: 1))
        #expect(GateOutcome(result: try result([(.low, .unknown)]), threshold: .medium) == .passed)
        #expect(
            GateOutcome(result: try result([(.medium, .unknown), (.high, .unknown)]), threshold: .high)
                == .failed(count: 1))
        #expect(GateOutcome(result: try result([(.high, .inactive)]), threshold: .live) == .passed)
        #expect(GateOutcome(result: try result([(.low, .unknown)], incomplete: true), threshold: .high) == .incomplete)
        #expect(GateOutcome(result: try result([(.low, .unknown)], incomplete: true), threshold: .high).exitStatus == 2)
    }

    @Test func aLiveSecretAlwaysFailsWithItsOwnStatus() throws {
        let outcome = GateOutcome(result: try result([(.low, .live), (.high, .unknown)]), threshold: .high)
        #expect(outcome == .live(count: 1))
        #expect(outcome.exitStatus == 3)
        #expect(GateOutcome(result: try result([(.low, .live)]), threshold: .live).exitStatus == 3)
    }
}
