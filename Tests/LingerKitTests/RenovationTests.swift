import Foundation
import GRDB
import LingerTestSupport
import Testing

@testable import LingerKit

/// The seams the renovation introduced: one state table, analysers by rule data, the library
/// pipeline, one fingerprint key.
@Suite struct RenovationTests {
    // MARK: The ledger's state machine

    @Test func theTransitionTableAllowsTheLifecycleAndNothingElse() {
        // The lifecycle every writer walks.
        #expect(SecretState.isLegal(from: nil, to: .open))
        #expect(SecretState.isLegal(from: .open, to: .notified))
        #expect(SecretState.isLegal(from: .notified, to: .resolved))
        #expect(SecretState.isLegal(from: .resolved, to: .open))
        #expect(SecretState.isLegal(from: .acceptedRisk, to: .notified))
        // A person can always correct the record by hand.
        for state in SecretState.allCases {
            for target: SecretState in [.resolved, .falsePositive, .acceptedRisk] {
                #expect(SecretState.isLegal(from: state, to: target), "\(state) → \(target)")
            }
        }
        // What no writer may do.
        #expect(!SecretState.isLegal(from: nil, to: .notified))
        #expect(!SecretState.isLegal(from: .notified, to: .open))
        #expect(!SecretState.isLegal(from: .resolved, to: .notified))
        #expect(!SecretState.isLegal(from: .falsePositive, to: .open))
        #expect(!SecretState.isLegal(from: .open, to: .open))
    }

    @Test func anIllegalTransitionIsAnErrorAndWritesNothing() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(path: directory.path + "/.linger/ledger.sqlite")
        let token = Fixtures.githubToken(seed: 404)
        let result = try Fixtures.scanner().scan(blobs: [(name: "a.env", bytes: Array("T=\(token)\n".utf8))])
        try ledger.record(
            result, repository: LedgerRepository(identity: "r", location: directory.path),
            at: Date(timeIntervalSince1970: 1_796_000_000))
        let fingerprint = try #require(result.findings.first?.fingerprint)
        try ledger.recordNotification(
            of: [fingerprint], channel: "manual", recipient: nil, note: nil, delivery: .recorded, detail: nil,
            at: Date(timeIntervalSince1970: 1_796_000_100))
        #expect(throws: LedgerError.illegalTransition(fingerprint: fingerprint, from: .notified, to: .open)) {
            try ledger.transaction { tx in
                try LedgerWrites.changeState(fingerprint, from: .notified, to: .open, reason: "bug", at: 1_796_000_200, in: tx)
            }
        }
        #expect(try ledger.secrets().map(\.state) == [.notified])
        #expect(try ledger.stateChanges(of: fingerprint).map(\.to) == [.open, .notified])
        let message = LedgerError.illegalTransition(fingerprint: fingerprint, from: .notified, to: .open).description
        #expect(message.contains("cannot go from notified to open"))
    }

    // MARK: Analysers chosen by rule data

    static func jwtRule(analyzer: String) -> String {
        """
        rules:
          - id: house-session
            name: House session token
            family: house-session
            analyzer: \(analyzer)
            pattern: 'session=(eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*)'
            secret_group: 1
            confidence: high
            tags: [NHI2]
            examples:
              - input: 'session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4eXoxMjMifQ.'
                secret: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4eXoxMjMifQ.'
            negative_examples:
              - 'session=abc'
        """
    }

    @Test func aRuleOfAnyFamilyGetsTheAnalyserItNames() throws {
        let rules = try RuleFileParser.parse(Self.jwtRule(analyzer: "jwt"), file: "house.yml", validatePatterns: true)
        #expect(rules.first?.analyzer == .jwt)
        let compiled = try CompiledRules(ruleSet: RuleSet(rules: rules), cache: nil)
        let scanner = SecretScanner(rules: compiled, options: ScanOptions())
        let result = try scanner.scan(
            bytes: Array("session=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4eXoxMjMifQ.\n".utf8), name: "app.cfg")
        let finding = try #require(result.findings.first)
        #expect(finding.ruleID == "house-session")
        #expect(finding.jwt?.algorithm == "none")
    }

    @Test func anUnknownAnalyserIsARuleError() {
        #expect {
            _ = try RuleFileParser.parse(Self.jwtRule(analyzer: "x509"), file: "house.yml", validatePatterns: false)
        } throws: { error in
            String(describing: error).contains("`analyzer` \"x509\" is unknown (known: jwt, private-key)")
        }
    }

    @Test func everyBuiltInKeyAndTokenRuleNamesItsAnalyser() throws {
        let rules = try RuleSet.builtIn()
        #expect(rules.filter { $0.family == "private-key" }.allSatisfy { $0.analyzer == .privateKey })
        #expect(rules.filter { $0.family == "jwt" }.allSatisfy { $0.analyzer == .jwt })
        #expect(rules.filter { $0.analyzer != nil }.count >= 11)
    }

    // MARK: The pipeline and the fingerprint key

    @Test func thePipelineScansSuppressesAndRecordsWithoutTheCLI() throws {
        let directory = try TemporaryDirectory()
        let kept = Fixtures.githubToken(seed: 501)
        let ignored = Fixtures.githubToken(seed: 502)
        try Data("A=\(kept)\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/a.env"))
        try Data("B=\(ignored)\n".utf8).write(to: URL(fileURLWithPath: directory.path + "/b.env"))
        let probe = try Fixtures.scanner().scan(bytes: Array("B=\(ignored)\n".utf8), name: "b.env")
        let fingerprint = try #require(probe.findings.first?.fingerprint)
        try Data("\(fingerprint)  # a test fixture\n".utf8).write(
            to: URL(fileURLWithPath: directory.path + "/.lingerignore"))
        var request = ScanRequest(input: .path(directory.path), rules: Fixtures.builtInRules)
        request.liveChecksOff = "--no-verify"
        request.ledger = .file(directory.path + "/.linger/ledger.sqlite")
        let run = try ScanPipeline(request).run()
        #expect(run.result.findings.map(\.path) == ["a.env"])
        #expect(run.result.suppression?.suppressed.count == 1)
        #expect(run.recorded?.newSecrets == 1)
        #expect(run.ledgerFailure == nil)
        #expect(run.notices.contains { $0.contains("1 new secret") })
        // Live checks were off, and the finding says so.
        #expect(run.result.findings.first?.verdict == .unverified)
    }

    @Test func theFingerprintKeyComesFromTheEnvironmentWhereverAScannerIsMade() throws {
        #expect(FingerprintKey.fromEnvironment([:]) == .standard)
        #expect(FingerprintKey.fromEnvironment(["LINGER_FINGERPRINT_KEY": ""]) == .standard)
        let organisation = FingerprintKey.fromEnvironment(["LINGER_FINGERPRINT_KEY": "org-key"])
        #expect(organisation.bytes == Array("org-key".utf8))
        // A scan and a recheck made with the same key agree on a secret's identity.
        let rules = Fixtures.builtInRules
        let token = Fixtures.githubToken(seed: 77)
        let bytes = Array("T=\(token)\n".utf8)
        let scanned = try SecretScanner(rules: rules, options: ScanOptions(), fingerprintKey: organisation)
            .scan(bytes: bytes, name: "t.env")
        let rescanner = ScanPipeline.rescanner(
            rules: rules, config: LingerConfig(baseDirectory: "/tmp"), now: Date(), fingerprintKey: organisation)
        let rechecked = try rescanner("/tmp/repo").scan(bytes: bytes, name: "t.env")
        #expect(scanned.findings.first?.fingerprint == rechecked.findings.first?.fingerprint)
        let standard = try SecretScanner(rules: rules, options: ScanOptions(), fingerprintKey: .standard)
            .scan(bytes: bytes, name: "t.env")
        #expect(standard.findings.first?.fingerprint != scanned.findings.first?.fingerprint)
    }

    @Test func timestampsAreWrittenAndReadInOnePlace() {
        let date = Date(timeIntervalSince1970: 1_796_000_000)
        #expect(Timestamp.string(date) == "2026-11-30T00:53:20Z")
        #expect(Timestamp.day(date) == "2026-11-30")
        #expect(Timestamp.compact(date) == "20261130T005320Z")
        #expect(Timestamp.parse("2026-11-30T00:53:20Z") == date)
        #expect(Timestamp.parse("1796000000") == date)
        #expect(Timestamp.parse("2026-11-30") == Date(timeIntervalSince1970: 1_795_996_800))
        #expect(Timestamp.parse("inf") == nil)
        #expect(Timestamp.parse("tomorrow") == nil)
    }
}
