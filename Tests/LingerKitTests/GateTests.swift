import Testing

@testable import LingerKit

@Suite struct GateTests {
    func result(_ findings: [(Confidence, Verdict)], incomplete: Bool = false) throws -> ScanResult {
        var base = try Fixtures.scan("T=\(Fixtures.githubToken(seed: 900))\n")
        let template = try #require(base.findings.first)
        base.findings = findings.map { confidence, verdict in
            var finding = template
            finding.confidence = confidence
            switch verdict {
            case .live: finding.record(.providerAccepted("accepted"))
            case .inactive: finding.record(.providerRejected("rejected"))
            case .unknown: finding.record(.checkFailed("timed out"))
            case .unverified: finding.record(.unconfirmed("no live check"))
            }
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

    /// `--fail-on unverified` fails on what is live or not confirmed dead; only `live` exits 3.
    @Test func unverifiedFailsOnlyWhenAskedAndNeverExitsThree() throws {
        let found = try result([(.high, .unverified), (.high, .inactive), (.high, .unknown)])
        #expect(GateOutcome(result: found, threshold: .unverified) == .failed(count: 1))
        #expect(GateOutcome(result: found, threshold: .live) == .passed)
        #expect(GateOutcome(result: found, threshold: .any).exitStatus == 1)
    }

    @Test func evidenceIsWeighedInOneOrder() {
        #expect(Verdict.judge([]).0 == .unverified)
        #expect(Verdict.judge([.unconfirmed("readable key"), .checkFailed("HTTP 503")]) == (.unknown, "HTTP 503"))
        #expect(Verdict.judge([.signatureValid("verified"), .expired("expired on x")]).0 == .inactive)
        #expect(Verdict.judge([.expired("expired"), .providerAccepted("200")]).0 == .live)
        #expect(Verdict.judge([.signatureValid("verified"), .checkFailed("timeout")]).0 == .live)
        #expect(Verdict.judge([.revoked("crl"), .signatureInvalid("bad")]) == (.inactive, "crl"))
        #expect(Verdict.judge([.unconfirmed("a"), .unconfirmed("b"), .unconfirmed("a")]) == (.unverified, "a; b"))
    }

    @Test func aLiveSecretAlwaysFailsWithItsOwnStatus() throws {
        let outcome = GateOutcome(result: try result([(.low, .live), (.high, .unknown)]), threshold: .high)
        #expect(outcome == .live(count: 1))
        #expect(outcome.exitStatus == 3)
        #expect(GateOutcome(result: try result([(.low, .live)]), threshold: .live).exitStatus == 3)
    }
}
