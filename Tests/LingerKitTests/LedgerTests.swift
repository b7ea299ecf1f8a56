import Foundation
import GRDB
import LingerTestSupport
import Testing

@testable import LingerKit

@Suite struct LedgerTests {
    static let day: TimeInterval = 86_400
    static let start = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30

    /// A scan result with one finding per token, each in its own file.
    static func scanResult(_ tokens: [String], paths: [String]? = nil) throws -> ScanResult {
        let scanner = Fixtures.scanner()
        let blobs = tokens.enumerated().map { index, token in
            (name: paths?[index] ?? "config/\(index).env", bytes: Array("TOKEN=\(token)\n".utf8))
        }
        return try scanner.scan(blobs: blobs)
    }

    static func repository(_ directory: TemporaryDirectory) -> LedgerRepository {
        LedgerRepository(identity: "https://git.example.invalid/team/app.git", location: directory.path)
    }

    @Test func aNewLedgerFolderIgnoresItselfForGit() throws {
        let directory = try TemporaryDirectory()
        _ = try Ledger(path: directory.path + "/.linger/ledger.sqlite")
        let ignore = try String(contentsOfFile: directory.path + "/.linger/.gitignore", encoding: .utf8)
        #expect(ignore.split(separator: "\n").contains("*"))
    }

    /// A repository that commits `.linger` (or the ledger file) as a symbolic link cannot make
    /// Linger create or write a database elsewhere.
    @Test func symbolicLinksToTheLedgerAreRefused() throws {
        let directory = try TemporaryDirectory()
        let elsewhere = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(
            atPath: directory.path + "/.linger", withDestinationPath: elsewhere.path)
        #expect(throws: LedgerError.self) { try Ledger(path: directory.path + "/.linger/ledger.sqlite") }
        #expect(!FileManager.default.fileExists(atPath: elsewhere.path + "/ledger.sqlite"))

        let other = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: other.path + "/.linger", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: other.path + "/.linger/ledger.sqlite", withDestinationPath: elsewhere.path + "/target.sqlite")
        #expect(throws: LedgerError.self) { try Ledger(path: other.path + "/.linger/ledger.sqlite") }
        #expect(!FileManager.default.fileExists(atPath: elsewhere.path + "/target.sqlite"))
    }

    @Test func aLedgerFromANewerLingerIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/.linger/ledger.sqlite"
        _ = try Ledger(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        do {
            _ = try Ledger(path: path)
            Issue.record("a ledger at an unknown schema version was opened")
        } catch let error as LedgerError {
            #expect(String(describing: error).contains("made by a newer Linger"))
        }
    }

    @Test func theFileIsOwnerOnlyAndHoldsNoSecretValue() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/.linger/ledger.sqlite"
        let ledger = try Ledger(path: path)
        let token = Fixtures.githubToken(seed: 71)
        try ledger.record(try Self.scanResult([token]), repository: Self.repository(directory), at: Self.start)
        let fileMode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        let folderMode =
            try FileManager.default.attributesOfItem(atPath: directory.path + "/.linger")[
                .posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(folderMode == 0o700)
        if FileManager.default.fileExists(atPath: path + "-wal") {
            #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.posixPermissions] as? Int == 0o600)
        }
        // Not in the database, nor in its write-ahead log.
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(bytes.range(of: Data(token.utf8)) == nil)
            #expect(bytes.range(of: Data(token.dropFirst(4).prefix(12).utf8)) == nil)
        }
        #expect(try ledger.schemaVersion() == LedgerSchema.currentVersion)
    }

    @Test func recordingTheSameScanAgainOnlyMovesLastSeen() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(path: directory.path + "/ledger.sqlite")
        let result = try Self.scanResult([Fixtures.githubToken(seed: 1), Fixtures.githubToken(seed: 2)])
        let first = try ledger.record(result, repository: Self.repository(directory), at: Self.start)
        #expect(first == LedgerRecording(newSecrets: 2, newOccurrences: 2, reopened: 0, secretsSeen: 2))
        let before = try ledger.secrets()
        let later = Self.start.addingTimeInterval(Self.day)
        let second = try ledger.record(result, repository: Self.repository(directory), at: later)
        #expect(second == LedgerRecording(newSecrets: 0, newOccurrences: 0, reopened: 0, secretsSeen: 2))
        let after = try ledger.secrets()
        #expect(after.map(\.fingerprint) == before.map(\.fingerprint))
        #expect(after.allSatisfy { $0.firstSeen == Self.start && $0.lastSeen == later })
        let places = try ledger.occurrences(of: after[0].fingerprint)
        #expect(places.count == 1)
        #expect(places[0].firstSeen == Self.start && places[0].lastSeen == later)
        #expect(places[0].blobID?.count == 40)
    }

    @Test func aResolvedSecretFoundInNewContentReopens() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(path: directory.path + "/ledger.sqlite")
        let token = Fixtures.githubToken(seed: 3)
        try ledger.record(try Self.scanResult([token]), repository: Self.repository(directory), at: Self.start)
        let fingerprint = try #require(try ledger.secrets().first?.fingerprint)
        try ledger.resolve(fingerprint, as: .rotated, until: nil, note: "rotated by ops", at: Self.start)
        // The same content again: still resolved.
        try ledger.record(
            try Self.scanResult([token]), repository: Self.repository(directory),
            at: Self.start.addingTimeInterval(60))
        #expect(try ledger.secrets().first?.state == .resolved)
        // New content (another file) holding it: open again, with the reason recorded.
        let again = try ledger.record(
            try Self.scanResult([token], paths: ["deploy/new.env"]), repository: Self.repository(directory),
            at: Self.start.addingTimeInterval(120))
        #expect(again.reopened == 1)
        let secret = try #require(try ledger.secrets().first)
        #expect(secret.state == .open && secret.resolution == nil)
        #expect(try ledger.stateChanges(of: fingerprint).map(\.to) == [.open, .resolved, .open])
        #expect(try ledger.stateChanges(of: fingerprint).last?.reason == "found again in new content: deploy/new.env")
        // A false positive stays one.
        try ledger.resolve(fingerprint, as: .falsePositive, until: nil, note: nil, at: Self.start)
        try ledger.record(
            try Self.scanResult([token], paths: ["third.env"]), repository: Self.repository(directory),
            at: Self.start.addingTimeInterval(180))
        #expect(try ledger.secrets().first?.state == .falsePositive)
    }

    @Test func notificationsChecksAndAcceptances() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(path: directory.path + "/ledger.sqlite")
        try ledger.record(
            try Self.scanResult((10..<13).map { Fixtures.githubToken(seed: $0) }),
            repository: Self.repository(directory),
            at: Self.start)
        let fingerprints = try ledger.secrets().map(\.fingerprint)
        // A failed delivery is kept as failed and notifies nobody.
        try ledger.recordNotification(
            of: fingerprints, channel: "webhook", recipient: nil, note: nil, delivery: .failed, detail: "HTTP 500",
            at: Self.start)
        #expect(try ledger.secrets().allSatisfy { $0.state == .open && $0.notifiedAt == nil })
        #expect(try ledger.notifications(of: fingerprints[0]).map(\.delivery) == [.failed])
        try ledger.recordNotification(
            of: fingerprints, channel: "email", recipient: "team@example.invalid", note: "rotate please",
            delivery: .recorded, detail: nil, at: Self.start.addingTimeInterval(60))
        #expect(try ledger.secrets().allSatisfy { $0.state == .notified })
        #expect(try ledger.secrets().first?.notifiedAt == Self.start.addingTimeInterval(60))
        // Live and unknown checks change nothing; inactive resolves.
        try ledger.recordCheck(
            of: fingerprints[0], method: "jwt-analysis", verdict: .live, evidence: "ok", at: Self.start)
        try ledger.recordCheck(
            of: fingerprints[1], method: "jwt-analysis", verdict: .inactive, evidence: "expired on 2026-12-01",
            at: Self.start.addingTimeInterval(2 * Self.day))
        let secrets = Dictionary(uniqueKeysWithValues: try ledger.secrets().map { ($0.fingerprint, $0) })
        #expect(secrets[fingerprints[0]]?.state == .notified)
        #expect(secrets[fingerprints[0]]?.latestCheck?.verdict == .live)
        #expect(secrets[fingerprints[1]]?.state == .resolved)
        #expect(secrets[fingerprints[1]]?.resolution == .inactive)
        // An accepted risk needs a future date, and lapses back to notified after it.
        #expect(throws: LedgerError.self) {
            try ledger.resolve(fingerprints[2], as: .accepted, until: nil, note: nil, at: Self.start)
        }
        try ledger.resolve(
            fingerprints[2], as: .accepted, until: Self.start.addingTimeInterval(3 * Self.day), note: "migration",
            at: Self.start)
        try ledger.expireAcceptances(at: Self.start.addingTimeInterval(Self.day))
        #expect(try ledger.secret(matching: String(fingerprints[2].prefix(10))).state == .acceptedRisk)
        try ledger.expireAcceptances(at: Self.start.addingTimeInterval(3 * Self.day))
        #expect(try ledger.secret(matching: fingerprints[2]).state == .notified)
        #expect(throws: LedgerError.unknownFingerprint("0000000000")) { try ledger.secret(matching: "0000000000") }
    }

    @Test func aVersion1LedgerMigratesWithItsHistory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/old.sqlite"
        // A ledger as the first schema left it.
        do {
            let queue = try DatabaseQueue(path: path)
            try LedgerSchema.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO secret (fingerprint, rule_id, rule_name, kind, confidence, hint, first_seen,
                            last_seen, state, resolution, resolved_at)
                        VALUES ('aa', 'github-pat', 'GitHub token', 'github-token', 'high', 'ghp_***', 100, 100,
                            'resolved', 'rotated', 400),
                            ('bb', 'jwt', 'JWT', 'jwt', 'medium', 'eyJh***', 100, 150, 'notified', NULL, NULL);
                        INSERT INTO notification (fingerprint, time, channel, delivery)
                        VALUES ('aa', 200, 'manual', 'recorded'), ('bb', 250, 'webhook', 'failed'),
                            ('bb', 300, 'webhook', 'delivered');
                        INSERT INTO validity_check (fingerprint, time, method, verdict, evidence)
                        VALUES ('bb', 350, 'jwt-analysis', 'live', 'valid');
                        """)
            }
        }
        let ledger = try Ledger(path: path)
        #expect(try ledger.schemaVersion() == LedgerSchema.currentVersion)
        let secrets = try ledger.secrets()
        #expect(secrets.map(\.fingerprint) == ["aa", "bb"])
        #expect(secrets[0].state == .resolved && secrets[0].resolution == .rotated)
        #expect(secrets[1].notifiedAt == Date(timeIntervalSince1970: 300))
        #expect(secrets[1].latestCheck?.verdict == .live)
        #expect(
            try ledger.stateChanges(of: "aa").map { "\($0.from?.rawValue ?? "-")>\($0.to.rawValue)" } == [
                "->open", "open>notified", "notified>resolved",
            ])
        #expect(try ledger.stateChanges(of: "bb").map(\.time.timeIntervalSince1970) == [100, 300])
    }

    @Test func twoWritersAtOnceLoseNothing() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/shared.sqlite"
        _ = try Ledger(path: path)
        let results = try (0..<2).map { writer in
            try Self.scanResult(
                (0..<40).map { Fixtures.githubToken(seed: UInt64(1000 * (writer + 1) + $0)) },
                paths: (0..<40).map { "w\(writer)/\($0).env" })
        }
        let failures = FailureList()
        let place = Self.repository(directory)
        DispatchQueue.concurrentPerform(iterations: 2) { writer in
            do {
                // Each writer has its own connection pool, as two processes would.
                let ledger = try Ledger(path: path)
                for round in 0..<5 {
                    try ledger.record(
                        results[writer], repository: place,
                        at: Self.start.addingTimeInterval(Double(round)))
                }
            } catch {
                failures.append("\(error)")
            }
        }
        #expect(failures.items.isEmpty)
        let ledger = try Ledger(path: path)
        #expect(try ledger.secrets().count == 80)
        #expect(try ledger.secrets().allSatisfy { $0.lastSeen == Self.start.addingTimeInterval(4) })
    }

    @Test func hygieneStatusMeasuresStillLiveSharesAndTimeToRotation() throws {
        func secret(_ id: String, notified: Double?, state: SecretState = .notified, resolvedAfter: Double? = nil)
            -> LedgerSecret
        {
            LedgerSecret(
                fingerprint: id, ruleID: "jwt", ruleName: "JWT", kind: "jwt", confidence: .medium, hint: "eyJh***",
                firstSeen: Self.start, lastSeen: Self.start, state: state,
                resolution: resolvedAfter == nil ? nil : .rotated,
                resolvedAt: resolvedAfter.map { Self.start.addingTimeInterval($0 * Self.day) }, acceptedUntil: nil,
                note: nil, notifiedAt: notified.map { Self.start.addingTimeInterval($0 * Self.day) },
                latestCheck: nil)
        }
        func check(_ day: Double, _ verdict: Verdict) -> LedgerCheck {
            LedgerCheck(
                time: Self.start.addingTimeInterval(day * Self.day), method: "test", verdict: verdict, evidence: nil)
        }
        var secrets = [
            secret("a", notified: 0, state: .resolved, resolvedAfter: 2),
            secret("b", notified: 0),
            secret("c", notified: 0, state: .resolved, resolvedAfter: 6),
            secret("d", notified: nil, state: .open),
        ]
        let checks: [String: [LedgerCheck]] = [
            "a": [check(1, .live), check(2, .inactive)],
            "b": [check(1, .live), check(6, .live)],
            "c": [check(1, .live), check(5, .live), check(6, .inactive)],
        ]
        secrets[1].latestCheck = check(6, .live)
        let status = HygieneStatus(
            secrets: secrets, checks: checks, ledger: "test", now: Self.start.addingTimeInterval(7 * Self.day),
            deadline: { _ in 5 })
        #expect(status.stillLive.map(\.day) == [1, 5, 30])
        // Day 1: all three seen live, none confirmed rotated. Day 5: "a" was found inactive on day
        // 2 (rotated); "b" and "c" are not confirmed rotated, two of three live.
        #expect(
            status.stillLive[0]
                == StillLivePoint(
                    day: 1, notified: 3, live: 3, share: 1, unrotated: 3, unrotatedShare: 1, rotated: 0, rotatedShare: 0))
        #expect(
            status.stillLive[1]
                == StillLivePoint(
                    day: 5, notified: 3, live: 2, share: 2.0 / 3, unrotated: 2, unrotatedShare: 2.0 / 3, rotated: 1,
                    rotatedShare: 1.0 / 3))
        #expect(status.stillLive[2] == StillLivePoint(day: 30, notified: 0, live: 0, share: nil))
        #expect(status.curve.count == 31)
        #expect(status.medianDaysToRotation == 4)
        #expect((status.open, status.notified, status.resolved, status.overdue, status.overdueLive) == (1, 1, 2, 1, 1))
        #expect(status.oldestLive.map(\.fingerprint) == ["b"])
        let html = String(decoding: HygieneHTMLReport().render(status), as: UTF8.self)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg") && html.contains("<polyline"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("src="))
    }

    @Test func webhookDeliveryRetriesThenRecordsTheOutcome() throws {
        let attempts = FailureList()
        let server = try LoopbackHTTPServer { request in
            attempts.append(request.path)
            switch request.path {
            case "/flaky" where attempts.items.filter({ $0 == "/flaky" }).count < 3:
                return .init(status: 503)
            case "/flaky": return .init(status: 204)
            case "/limited": return .init(status: 429)
            case "/slow": return .init(status: 200, delay: 3)
            default: return .init(status: 404)
            }
        }
        defer { server.stop() }
        func notifier(_ path: String) -> WebhookNotifier {
            WebhookNotifier(
                url: URL(string: server.baseURL + path)!, client: HTTPClient(timeout: 1), attempts: 3, backoff: 0.05)
        }
        let payload = Data("{}".utf8)
        #expect(
            notifier("/flaky").deliver(payload) == WebhookDelivery(delivered: true, attempts: 3, detail: "HTTP 204"))
        #expect(
            notifier("/missing").deliver(payload) == WebhookDelivery(delivered: false, attempts: 1, detail: "HTTP 404"))
        #expect(
            notifier("/limited").deliver(payload)
                == WebhookDelivery(delivered: false, attempts: 3, detail: "HTTP 429 after 3 attempts"))
        let slow = notifier("/slow").deliver(payload)
        #expect(!slow.delivered && slow.detail.contains("no answer within 1 s"))
        // Never plain HTTP to another host.
        #expect(throws: HTTPFailure.self) { try HTTPClient.check(URL(string: "http://hooks.example.invalid/x")!) }
        #expect(throws: Never.self) { try HTTPClient.check(URL(string: "https://hooks.example.invalid/x")!) }
    }

    @Test func theWebhookSummaryCarriesNoSecret() throws {
        let directory = try TemporaryDirectory()
        let ledger = try Ledger(path: directory.path + "/ledger.sqlite")
        let token = Fixtures.githubToken(seed: 99)
        try ledger.record(try Self.scanResult([token]), repository: Self.repository(directory), at: Self.start)
        let secrets = try ledger.secrets()
        let payload = try WebhookNotifier.payload(
            secrets: secrets, occurrences: [secrets[0].fingerprint: try ledger.occurrences(of: secrets[0].fingerprint)],
            channel: "webhook", recipient: "sec@example.invalid", note: nil, at: Self.start)
        let text = String(decoding: payload, as: UTF8.self)
        #expect(!text.contains(token) && !text.contains(String(token.dropFirst(4).prefix(8))))
        let object = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        let items = try #require(object["secrets"] as? [[String: Any]])
        #expect(items.first?["fingerprint"] as? String == secrets[0].fingerprint)
        #expect(items.first?["secret"] as? String == "ghp_***")
        #expect((items.first?["places"] as? [[String: Any]])?.first?["path"] as? String == "config/0.env")
    }

    @Test func baselinesSetKnownSecretsAsideAndListStaleEntries() throws {
        let directory = try TemporaryDirectory()
        let known = Fixtures.githubToken(seed: 5)
        let overdue = Fixtures.githubToken(seed: 6)
        let fresh = Fixtures.githubToken(seed: 7)
        let before = try Self.scanResult([known, overdue])
        let file = try directory.write(
            "baseline.json",
            try Baseline(
                entries: before.findings.map {
                    BaselineEntry(fingerprint: $0.fingerprint, rule: $0.ruleID, path: $0.path)
                }
                    + [BaselineEntry(fingerprint: String(repeating: "ab", count: 32), rule: "gone", path: "old.env")]
            ).encoded())
        let baseline = try Baseline.load(file: file)
        #expect(baseline.entries.count == 3)
        var result = try Self.scanResult([known, overdue, fresh])
        let overdueFingerprint = result.findings[1].fingerprint
        baseline.apply(to: &result) { $0 == overdueFingerprint }
        #expect(
            result.findings.map(\.fingerprint) == [
                overdueFingerprint, try Self.scanResult([fresh]).findings[0].fingerprint,
            ])
        #expect(result.baseline?.known.count == 1)
        #expect(result.baseline?.overdue == 1)
        #expect(result.baseline?.unmatched.map(\.rule) == ["gone"])
        // A JSON scan report serves as a baseline too; anything else is a clear error.
        let report = try JSONReport().render(before, options: ReportOptions())
        #expect(try Baseline.load(file: try directory.write("report.json", report)).entries.count == 2)
        #expect(throws: BaselineError.self) { try Baseline.load(file: try directory.write("bad.json", "[1, 2]")) }
    }

    @Test func recheckReReadsValuesFromGitBlobsAndSaysWhenTheyAreGone() throws {
        let repository = try TestRepository()
        let token = Fixtures.githubToken(seed: 42)
        try repository.commit(["app.env": "TOKEN=\(token)\n"], message: "add token")
        let scanner = Fixtures.scanner()
        let result = try scanner.scan(repository: repository.path, mode: .history(includeUnreachable: false))
        let ledgerDirectory = try TemporaryDirectory()
        let ledger = try Ledger(path: ledgerDirectory.path + "/ledger.sqlite")
        try ledger.record(
            result, repository: LedgerRepository(identity: repository.path, location: repository.path), at: Self.start)
        // The file is gone from the work tree, but the blob is in history.
        try repository.commit([:], message: "remove token", remove: ["app.env"])
        let rechecker = Rechecker { _ in scanner }
        var outcomes = try rechecker.recheck(try ledger.secrets(), in: ledger, at: Self.start)
        #expect(outcomes.map(\.check.method) == ["re-read"])
        #expect(outcomes.first?.readFrom == "app.env")
        // Read again, but no live check ran: unverified, with why (never "unknown": nothing failed).
        #expect(outcomes.first?.check.verdict == .unverified)
        #expect(outcomes.first?.check.evidence == "live check switched off (--no-verify)")
        // History rewritten: the value cannot be read, and that is not taken for rotation.
        try FileManager.default.removeItem(atPath: repository.path)
        outcomes = try rechecker.recheck(try ledger.secrets(), in: ledger, at: Self.start)
        #expect(outcomes.first?.check.verdict == .unknown)
        #expect(outcomes.first?.check.evidence?.contains("value unavailable") == true)
        #expect(outcomes.first?.check.evidence?.contains("rotation unconfirmed") == true)
    }
}

/// Strings collected from several threads.
final class FailureList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ item: String) {
        lock.lock()
        list.append(item)
        lock.unlock()
    }
    var items: [String] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}
