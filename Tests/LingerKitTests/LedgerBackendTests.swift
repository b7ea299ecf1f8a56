import Foundation
import LingerTestSupport
import Synchronization
import Testing

@testable import LingerKit

/// One suite, both backends: every test runs against an SQLite file and against a database of
/// its own on a real PostgreSQL server (the one `.ci/run` starts, or one started for this run).
@Suite struct LedgerBackendTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    static let start = Date(timeIntervalSince1970: 1_796_000_000)
    static let day: TimeInterval = 86_400

    /// A new, empty ledger of this kind, and what is needed to look inside it.
    final class Opened: @unchecked Sendable {
        let ledger: any LedgerStore
        let url: String?
        let server: PostgresTestServer.Server?
        let directory: TemporaryDirectory
        init(_ backend: Backend) throws {
            directory = try TemporaryDirectory()
            switch backend {
            case .sqlite:
                ledger = try Ledger(path: directory.path + "/.linger/ledger.sqlite")
                url = nil
                server = nil
            case .postgres:
                let (url, server) = try PostgresTestServer.freshDatabase()
                self.url = url
                self.server = server
                ledger = try Self.postgres(url, server)
            }
        }
        static func postgres(_ url: String, _ server: PostgresTestServer.Server, upTo: String? = nil) throws
            -> PostgresLedger
        {
            try PostgresLedger(
                url: try PostgresLedgerURL(url, fromCommandLine: true, environment: server.environment), upTo: upTo,
                environment: server.environment)
        }
        /// Another handle on the same ledger (another process would have its own).
        func reopen() throws -> any LedgerStore {
            if let url, let server { return try Self.postgres(url, server) }
            return try Ledger(path: directory.path + "/.linger/ledger.sqlite")
        }
    }

    static func result(_ tokens: [String], paths: [String]? = nil) throws -> ScanResult {
        try LedgerTests.scanResult(tokens, paths: paths)
    }

    static func repository(_ name: String = "https://git.example.invalid/team/app.git") -> LedgerRepository {
        LedgerRepository(identity: name, location: "/srv/\(name.count)")
    }

    @Test(arguments: Backend.allCases) func aSecretsWholeLifeReadsTheSameFromEitherBackend(_ backend: Backend) throws {
        let opened = try Opened(backend)
        let ledger = opened.ledger
        let tokens = (0..<3).map { Fixtures.githubToken(seed: 500 + UInt64($0)) }
        let first = try ledger.record(try Self.result(tokens), repository: Self.repository(), at: Self.start)
        #expect(first == LedgerRecording(newSecrets: 3, newOccurrences: 3, reopened: 0, secretsSeen: 3))
        // The same scan again adds nothing; a copy of one token in a new file adds a place.
        let again = try ledger.record(try Self.result(tokens), repository: Self.repository(), at: Self.start + 60)
        #expect(again.newSecrets == 0 && again.newOccurrences == 0)
        let copy = try ledger.record(
            try Self.result([tokens[0]], paths: ["deploy/copy.env"]), repository: Self.repository(),
            at: Self.start + 120)
        #expect(copy.newOccurrences == 1)
        let secrets = try ledger.secrets()
        #expect(secrets.count == 3)
        #expect(Set(secrets.map(\.state)) == [.open])
        let target = try #require(secrets.first { (try? ledger.occurrences(of: $0.fingerprint).count) == 2 })
        #expect(try ledger.occurrences(of: target.fingerprint).first?.path == "deploy/copy.env")
        #expect(try ledger.secret(matching: String(target.fingerprint.prefix(10))) == target)

        // Notified, checked live, then inactive: resolved; found again in new content: open.
        try ledger.recordNotification(
            of: secrets.map(\.fingerprint), channel: "manual", recipient: "team", note: nil, delivery: .recorded,
            detail: nil, at: Self.start + Self.day)
        try ledger.recordCheck(
            of: target.fingerprint, method: "http:github", verdict: .live, evidence: "200", at: Self.start + 2 * Self.day)
        try ledger.recordCheck(
            of: target.fingerprint, method: "http:github", verdict: .inactive, evidence: "401",
            at: Self.start + 6 * Self.day)
        #expect(try ledger.secrets().first { $0.fingerprint == target.fingerprint }?.state == .resolved)
        let back = try ledger.record(
            try Self.result([tokens[0]], paths: ["later/leak.env"]), repository: Self.repository(),
            at: Self.start + 7 * Self.day)
        #expect(back.reopened == 1)
        // Accepted until day 9, expired on day 10: back to notified (its owner was told).
        let other = try #require(secrets.first { $0.fingerprint != target.fingerprint })
        try ledger.resolve(
            other.fingerprint, as: .accepted, until: Self.start + 9 * Self.day, note: "vendor", at: Self.start + 8 * Self.day)
        try ledger.expireAcceptances(at: Self.start + 10 * Self.day)
        let changes = try ledger.stateChanges(of: other.fingerprint).map(\.to)
        #expect(changes == [.open, .notified, .acceptedRisk, .notified])
        #expect(try ledger.notifications(of: other.fingerprint).map(\.channel) == ["manual"])
        #expect(try ledger.checks()[target.fingerprint]?.map(\.verdict) == [.live, .inactive])
        // An illegal change writes nothing, on either backend.
        #expect(throws: LedgerError.illegalTransition(fingerprint: other.fingerprint, from: .notified, to: .open)) {
            try ledger.transaction { tx in
                try LedgerWrites.changeState(
                    other.fingerprint, from: .notified, to: .open, reason: "bug", at: 0, in: tx)
            }
        }
        #expect(try ledger.stateChanges(of: other.fingerprint).count == 4)
        #expect(try ledger.schemaVersion() == (backend == .sqlite ? LedgerSchema.currentVersion : "v2"))
    }

    @Test(arguments: Backend.allCases) func sweepsAreRecordedAndReadBack(_ backend: Backend) throws {
        let opened = try Opened(backend)
        let sweep = LedgerSweep(
            repository: "https://git.example.invalid/a.git", location: "/srv/a", owner: "alice", team: "payments",
            refsDigest: String(repeating: "ab", count: 32), sweptAt: Self.start, machine: "runner-1 shard 0/2",
            secrets: 4, occurrences: 9)
        try opened.ledger.recordSweep(sweep)
        var later = sweep
        later.refsDigest = String(repeating: "cd", count: 32)
        later.machine = "runner-2 shard 1/2"
        try opened.reopen().recordSweep(later)
        #expect(try opened.ledger.sweptRepositories() == [later])
    }

    /// Eight writers (each its own connection or file handle) record overlapping scans at once:
    /// every secret once, with one `discovered` change, and every place kept.
    @Test(arguments: Backend.allCases) func concurrentWritersRecordEachSecretOnce(_ backend: Backend) throws {
        let opened = try Opened(backend)
        let tokens = (0..<40).map { Fixtures.githubToken(seed: 900 + UInt64($0)) }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            do {
                let ledger = try opened.reopen()
                // Each writer sees 20 of the 40 secrets (overlapping others'), in a file of its own.
                let mine = (0..<20).map { tokens[(writer * 5 + $0) % 40] }
                let paths = mine.indices.map { "writer\(writer)/\($0).env" }
                try ledger.record(try Self.result(mine, paths: paths), repository: Self.repository(), at: Self.start)
            } catch {
                failures.withLock { $0.append("writer \(writer): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let secrets = try opened.ledger.secrets()
        #expect(secrets.count == 40)
        let places = try opened.ledger.allOccurrences()
        #expect(places.values.reduce(0) { $0 + $1.count } == 8 * 20)
        for secret in secrets {
            #expect(try opened.ledger.stateChanges(of: secret.fingerprint).map(\.reason) == ["discovered"])
        }
    }

    @Test func postgresMigratesFromItsFirstVersionKeepingWhatItHeld() throws {
        let (url, server) = try PostgresTestServer.freshDatabase()
        let first = try Opened.postgres(url, server, upTo: "v1")
        #expect(try first.schemaVersion() == "v1")
        let token = Fixtures.githubToken(seed: 77)
        try first.record(try Self.result([token]), repository: Self.repository(), at: Self.start)
        let current = try Opened.postgres(url, server)
        #expect(try current.schemaVersion() == "v2")
        #expect(try current.secrets().map(\.hint) == [Redaction.redact(token)])
        #expect(try current.sweptRepositories().isEmpty)
        // A ledger some newer Linger migrated is refused, not written to.
        PostgresTestServer.run(
            ["psql", url, "-qc", "INSERT INTO linger_schema_version VALUES ('v9', 0)"], environment: server.environment)
        #expect {
            _ = try Opened.postgres(url, server)
        } throws: { error in
            String(describing: error).contains("made by a newer Linger")
        }
    }

    /// A recheck pointed at the wrong database must not pass on an empty ledger: a database with
    /// no ledger in it is refused unless the command creates one on purpose.
    @Test func postgresRefusesADatabaseWithNoLedgerUnlessCreating() throws {
        let (url, server) = try PostgresTestServer.freshDatabase()
        let parsed = try PostgresLedgerURL(url, fromCommandLine: true, environment: server.environment)
        #expect {
            _ = try PostgresLedger(url: parsed, creating: false, environment: server.environment)
        } throws: { error in
            String(describing: error).contains("holds no Linger ledger")
        }
        let (_, tables) = PostgresTestServer.run(
            ["psql", url, "-tAc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"],
            environment: server.environment)
        #expect(tables.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        _ = try PostgresLedger(url: parsed, creating: true, environment: server.environment)
        _ = try PostgresLedger(url: parsed, creating: false, environment: server.environment)
    }

    @Test func postgresHoldsNoSecretValue() throws {
        let opened = try Opened(.postgres)
        let tokens = (0..<5).map { Fixtures.githubToken(seed: 300 + UInt64($0)) }
        try opened.ledger.record(try Self.result(tokens), repository: Self.repository(), at: Self.start)
        let url = try #require(opened.url)
        let (status, dump) = PostgresTestServer.run(
            ["pg_dump", "--data-only", url], environment: opened.server?.environment ?? [:])
        #expect(status == 0, "\(dump)")
        #expect(dump.contains(Redaction.redact(tokens[0])))
        for token in tokens {
            #expect(!dump.contains(token))
            #expect(!dump.contains(String(token.dropFirst(4).prefix(12))))
        }
    }

    /// The server restarts while a writer is recording: the writer reconnects and finishes, and
    /// nothing is recorded twice. With the server gone for longer than the retry window, the write
    /// fails with an error that says so.
    @Test func postgresSurvivesARestartAndSaysSoWhenTheServerStaysAway() throws {
        let (url, server) = try PostgresTestServer.dedicated()
        defer { PostgresTestServer.stop(server) }
        let ledger = try Opened.postgres(url, server)
        let tokens = (0..<30).map { Fixtures.githubToken(seed: 1_300 + UInt64($0)) }
        let restarter = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            PostgresTestServer.run([server.control, "restart", "-m", "fast"], environment: [:])
        }
        restarter.start()
        for round in 0..<15 {
            try ledger.record(
                try Self.result(tokens, paths: tokens.indices.map { "round\(round)/\($0).env" }),
                repository: Self.repository(), at: Self.start + Double(round))
            Thread.sleep(forTimeInterval: 0.1)
        }
        while restarter.isExecuting || !restarter.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try ledger.secrets().count == 30)
        #expect(try ledger.allOccurrences().values.reduce(0) { $0 + $1.count } == 30 * 15)

        var environment = server.environment
        environment["LINGER_LEDGER_RETRY_SECONDS"] = "2"
        let impatient = try PostgresLedger(
            url: try PostgresLedgerURL(url, fromCommandLine: true, environment: environment), environment: environment)
        PostgresTestServer.run([server.control, "stop", "-m", "fast"], environment: [:])
        #expect {
            try impatient.record(try Self.result([tokens[0]], paths: ["late.env"]), repository: Self.repository(), at: Self.start)
        } throws: { error in
            guard case LedgerError.unavailable(_, let reason) = error else { return false }
            return reason.contains("did not come back")
        }
    }

    @Test func postgresURLsKeepCredentialsOffTheCommandLineAndRequireTLSAwayFromLoopback() throws {
        #expect(throws: LedgerError.self) {
            try PostgresLedgerURL("postgresql://linger:hunter2@127.0.0.1/db", fromCommandLine: true, environment: [:])
        }
        let fromEnvironment = try PostgresLedgerURL(
            "postgresql://linger:hunter2@127.0.0.1/db", fromCommandLine: false, environment: [:])
        #expect(fromEnvironment.password == "hunter2")
        #expect(!fromEnvironment.display.contains("hunter2"))
        #expect(!fromEnvironment.useTLS)
        let remote = try PostgresLedgerURL("postgresql://linger@db.example.invalid/ledger", fromCommandLine: true, environment: [:])
        #expect(remote.useTLS)
        #expect(remote.port == 5432 && remote.database == "ledger")
        #expect {
            try PostgresLedgerURL(
                "postgresql://linger@db.example.invalid/ledger?sslmode=disable", fromCommandLine: true, environment: [:])
        } throws: { error in
            String(describing: error).contains("TLS is required")
        }
        // A password hidden in the query or in the user name is refused, and never echoed.
        for hidden in [
            "postgresql://linger@127.0.0.1/db?password=hunter2", "postgresql://linger%3Ahunter2@127.0.0.1/db",
        ] {
            #expect {
                try PostgresLedgerURL(hidden, fromCommandLine: true, environment: [:])
            } throws: { error in
                !String(describing: error).contains("hunter2") && String(describing: error).contains("PGPASSWORD")
            }
        }
        let six = try PostgresLedgerURL("postgresql://linger@[::1]:5433/db", fromCommandLine: true, environment: [:])
        #expect(six.host == "::1" && !six.useTLS && six.display == "postgresql://linger@[::1]:5433/db")
        // A .pgpass file, as libpq reads it: wildcards, escapes; ignored when others may read it.
        let directory = try TemporaryDirectory()
        let file = directory.path + "/pgpass"
        try "# comment\nother:5432:*:linger:nope\n127.0.0.1:5433:*:linger:pa\\:ss\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let url = try PostgresLedgerURL(
            "postgresql://linger@127.0.0.1:5433/x", fromCommandLine: true, environment: ["PGPASSFILE": file])
        #expect(url.password == "pa:ss")
        chmod(file, 0o644)
        let loose = try PostgresLedgerURL(
            "postgresql://linger@127.0.0.1:5433/x", fromCommandLine: true, environment: ["PGPASSFILE": file])
        #expect(loose.password == nil)
    }
}
