import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Where a PostgreSQL ledger is: `postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=…&sslrootcert=FILE]`.
/// The password comes from `PGPASSWORD` or a `.pgpass` file (`PGPASSFILE`, else `~/.pgpass`,
/// owner-only as libpq requires), never from a command line; a URL given in the environment
/// (`LINGER_LEDGER_URL`) may carry one. Any host that is not loopback needs TLS, and TLS is always
/// verified (the certificate chain against the system's CAs or `sslrootcert`, and the host name):
/// `sslmode=require` is taken as `verify-full`.
public struct PostgresLedgerURL: Sendable, Equatable {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var password: String?
    public var useTLS: Bool
    /// A CA bundle to verify the server against instead of the system's.
    public var rootCertificate: String?

    /// Parses `text`. `fromCommandLine`: a password in it is refused (command lines are visible
    /// to every user of the machine, and stay in shell histories and CI logs).
    public init(_ text: String, fromCommandLine: Bool, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws
    {
        func bad(_ reason: String) -> LedgerError { .cannotOpen(path: Self.redacted(text), reason: reason) }
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgresql" || scheme == "postgres"
        else {
            throw bad("not a PostgreSQL URL (postgresql://USER@HOST[:PORT]/DATABASE)")
        }
        guard var host = components.host, !host.isEmpty else { throw bad("the URL names no host") }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let user = components.user, user.contains(":") {
            throw bad("the user name contains ':' (a password?): give the password in PGPASSWORD or a .pgpass file")
        }
        if components.password != nil && fromCommandLine {
            throw bad(
                "a password in --ledger-url would be visible to every user of this machine: give it in PGPASSWORD or a .pgpass file")
        }
        self.host = host
        port = components.port ?? Int(environment["PGPORT"] ?? "") ?? 5432
        user = components.user ?? environment["PGUSER"] ?? NSUserName()
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? (environment["PGDATABASE"] ?? user) : path
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let known: Set<String> = ["sslmode", "sslrootcert", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            if unknown.lowercased() == "password" {
                throw bad("a password in the URL's query would be visible to every user of this machine: give it in PGPASSWORD or a .pgpass file")
            }
            throw bad("unknown URL parameter \(unknown) (known: \(known.sorted().joined(separator: ", ")))")
        }
        let mode = query["sslmode"] ?? environment["PGSSLMODE"]
        let loopback = Self.isLoopback(host)
        switch mode {
        case nil: useTLS = !loopback
        case "disable", "allow", "prefer":
            guard loopback else {
                throw bad(
                    "sslmode=\(mode!) would let the ledger travel unencrypted to \(host): TLS is required for any host that is not loopback (sslmode=verify-full)")
            }
            useTLS = false
        case "require", "verify-ca", "verify-full": useTLS = true
        default: throw bad("unknown sslmode \(mode!) (disable on loopback only; verify-full)")
        }
        rootCertificate = query["sslrootcert"] ?? environment["PGSSLROOTCERT"]
        password = components.password ?? environment["PGPASSWORD"]
            ?? Self.passwordFile(host: host, port: port, database: database, user: user, environment: environment)
    }

    /// The URL as reports name it: no password.
    public var display: String {
        "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    /// The URL as errors name it: scheme, user, host, port and database only — never a password
    /// or the query (where `password=` could hide), nor text that is not a URL at all.
    static func redacted(_ text: String) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            let host = components.host
        else { return "<the ledger URL>" }
        let user = (components.user.map { $0.split(separator: ":").first.map(String.init) ?? "" }).map { $0 + "@" } ?? ""
        let port = components.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(user)\(host)\(port)\(components.path)"
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The password for this server from a `.pgpass` file (`host:port:database:user:password`,
    /// `*` matching anything, `\:` and `\\` escaped), as libpq reads it; a file others may read is
    /// ignored, as libpq does.
    static func passwordFile(host: String, port: Int, database: String, user: String, environment: [String: String])
        -> String?
    {
        let file =
            environment["PGPASSFILE"]
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".pgpass")
        var info = stat()
        guard stat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_mode & 0o077 == 0,
            let text = try? String(contentsOfFile: file, encoding: .utf8)
        else { return nil }
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            var fields: [String] = []
            var current = ""
            var escaped = false
            for character in line {
                if escaped {
                    current.append(character)
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == ":" && fields.count < 4 {
                    fields.append(current)
                    current = ""
                } else {
                    current.append(character)
                }
            }
            fields.append(current)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }
}

/// The ledger on a PostgreSQL server many machines share: the same model as the SQLite ledger,
/// versioned migrations applied under an advisory lock, upserts on unique keys so that writers
/// in many processes record each secret once, short transactions (one per batch of secrets) that
/// lock a secret's row before changing its state, serialization failures and deadlocks retried,
/// and a server that goes away retried for `retryWindow` seconds before the command fails.
public final class PostgresLedger: LedgerStore, @unchecked Sendable {
    public let location: String
    public let isReadOnly: Bool
    public let recordingBatch = 200
    /// How long a lost connection is retried before a command fails (`LINGER_LEDGER_RETRY_SECONDS`).
    public let retryWindow: TimeInterval
    private let url: PostgresLedgerURL
    private let session: Mutex<PostgresSession>

    /// The migrations, in order; the last is the current version. A shipped one never changes.
    static let migrations: [(version: String, sql: [String])] = [
        ("v1", PostgresSchema.version1),
        ("v2", PostgresSchema.version2),
    ]

    /// Connects, and (unless reading only) brings the schema up to date. `upTo` stops migrating at
    /// a version (tests of migrations only).
    public init(
        url: PostgresLedgerURL, readOnly: Bool = false, creating: Bool = true, upTo lastVersion: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.url = url
        location = url.display
        isReadOnly = readOnly
        retryWindow = Double(environment["LINGER_LEDGER_RETRY_SECONDS"] ?? "") ?? 30
        session = Mutex(PostgresSession(url: url))
        do {
            try session.withLock { session in
                try session.connect()
                if !creating, try session.appliedVersions().isEmpty {
                    // A recheck pointed at the wrong database must not pass on an empty ledger.
                    throw LedgerError.cannotOpen(
                        path: url.display,
                        reason: "this database holds no Linger ledger; start one on purpose with `linger ledger init --ledger-url …` (or --create), or name the right database")
                }
                try migrate(session, readOnly: readOnly, upTo: lastVersion)
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError.cannotOpen(path: url.display, reason: PostgresSession.describe(error))
        }
    }

    deinit { session.withLock { $0.close() } }

    private func migrate(_ session: PostgresSession, readOnly: Bool, upTo lastVersion: String?) throws {
        let known = Self.migrations.map(\.version)
        let applied = try session.appliedVersions()
        if let unknown = applied.first(where: { !known.contains($0) }) {
            throw LedgerError.cannotOpen(
                path: location,
                reason: "made by a newer Linger (schema version \(unknown) is unknown here); upgrade Linger rather than let an older one write to it")
        }
        let wanted = lastVersion.flatMap { last in known.firstIndex(of: last).map { Array(known[...$0]) } } ?? known
        if readOnly {
            guard Set(wanted).isSubset(of: applied) else {
                throw LedgerError.cannotOpen(
                    path: location,
                    reason: "its schema is older than this Linger's and it was opened read-only: open it once for writing to bring it up to date")
            }
            return
        }
        guard !Set(wanted).isSubset(of: applied) else { return }
        // One migrating process at a time; the others wait, then find nothing left to do.
        try session.inTransaction {
            _ = try session.query("SELECT pg_advisory_xact_lock(7363127013)")
            try session.execute(
                "CREATE TABLE IF NOT EXISTS linger_schema_version (version TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)")
            let done = try session.appliedVersions()
            for migration in Self.migrations where wanted.contains(migration.version) && !done.contains(migration.version) {
                for statement in migration.sql { try session.execute(statement) }
                try session.execute(
                    "INSERT INTO linger_schema_version (version, applied_at) VALUES ($1, $2)",
                    [.text(migration.version), .double(Date().timeIntervalSince1970)])
            }
        }
    }

    public func schemaVersion() throws -> String? {
        try withSession { session in
            let applied = try session.appliedVersions()
            return Self.migrations.map(\.version).last { applied.contains($0) }
        }
    }

    // MARK: Transactions and retries

    public func transaction<T>(_ body: (any LedgerTransaction) throws -> T) throws -> T {
        guard !isReadOnly else {
            throw LedgerError.cannotOpen(path: location, reason: "opened for reading only")
        }
        return try withSession { session in
            try session.inTransaction { try body(PostgresTransaction(session: session)) }
        }
    }

    /// Runs `body` with the connection: a serialization failure or deadlock runs it again (up to
    /// 8 times); a lost connection is reconnected and `body` run again until `retryWindow` has
    /// passed, then the command fails with an error that says so. Every write is an upsert or is
    /// guarded by the row's state, so running a batch again after a lost commit adds nothing twice
    /// (a live-check row recorded with a scan is the one exception: it may be written twice).
    private func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        // The window opens when the connection is first found lost.
        var deadline: Date?
        var conflicts = 0
        var delay = 0.05
        while true {
            do {
                return try session.withLock { session in
                    try session.connect()
                    return try body(session)
                }
            } catch let error as PSQLError where PostgresSession.isConflict(error) && conflicts < 8 {
                conflicts += 1
                Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.05) * Double(conflicts))
            } catch let error where PostgresSession.isConnectionLoss(error) {
                session.withLock { $0.close() }
                let giveUp = deadline ?? Date().addingTimeInterval(retryWindow)
                deadline = giveUp
                guard Date() < giveUp else {
                    throw LedgerError.unavailable(
                        location: location,
                        reason: "the server stopped answering and did not come back within \(Int(retryWindow)) s (\(PostgresSession.describe(error))); nothing after the last committed batch was recorded: run the command again")
                }
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 2)
            } catch let error as PSQLError {
                throw LedgerError.server(location: location, reason: PostgresSession.describe(error))
            }
        }
    }

    // MARK: Reading

    public func secrets() throws -> [LedgerSecret] {
        try withSession { session in
            try session.query(
                """
                SELECT s.*,
                    (SELECT MIN(time) FROM notification n WHERE n.fingerprint = s.fingerprint AND n.delivery != $1)
                        AS notified_at,
                    c.time AS check_time, c.method AS check_method, c.verdict AS check_verdict,
                    c.evidence AS check_evidence
                FROM secret s
                LEFT JOIN validity_check c ON c.id = (SELECT id FROM validity_check
                    WHERE fingerprint = s.fingerprint ORDER BY time DESC, id DESC LIMIT 1)
                ORDER BY s.first_seen, s.fingerprint
                """, [.text(LedgerNotification.Delivery.failed.rawValue)]
            ).map { row in
                let checkTime = try row.double("check_time")
                return LedgerSecret(
                    fingerprint: try row.string("fingerprint"), ruleID: try row.string("rule_id"),
                    ruleName: try row.string("rule_name"), kind: try row.string("kind"),
                    confidence: Confidence(rawValue: try row.string("confidence")) ?? .low,
                    hint: try row.string("hint"),
                    firstSeen: Date(timeIntervalSince1970: try row.double("first_seen") ?? 0),
                    lastSeen: Date(timeIntervalSince1970: try row.double("last_seen") ?? 0),
                    state: SecretState(rawValue: try row.string("state")) ?? .open,
                    resolution: try row.optionalString("resolution").flatMap(Resolution.init(rawValue:)),
                    resolvedAt: try row.double("resolved_at").map(Date.init(timeIntervalSince1970:)),
                    acceptedUntil: try row.double("accepted_until").map(Date.init(timeIntervalSince1970:)),
                    note: try row.optionalString("resolution_note"),
                    notifiedAt: try row.double("notified_at").map(Date.init(timeIntervalSince1970:)),
                    latestCheck: checkTime == nil
                        ? nil
                        : LedgerCheck(
                            time: Date(timeIntervalSince1970: checkTime!), method: try row.string("check_method"),
                            verdict: Verdict(rawValue: try row.string("check_verdict")) ?? .unknown,
                            evidence: try row.optionalString("check_evidence")))
            }
        }
    }

    public func occurrences(of fingerprint: String) throws -> [LedgerOccurrence] {
        try withSession { session in
            try session.query(
                "SELECT * FROM occurrence WHERE fingerprint = $1 ORDER BY last_seen DESC, first_seen DESC, id",
                [.text(fingerprint)]
            ).map(Self.occurrence)
        }
    }

    public func allOccurrences() throws -> [String: [LedgerOccurrence]] {
        try withSession { session in
            var result: [String: [LedgerOccurrence]] = [:]
            for row in try session.query(
                "SELECT * FROM occurrence ORDER BY fingerprint, last_seen DESC, first_seen DESC, id")
            {
                result[try row.string("fingerprint"), default: []].append(try Self.occurrence(row))
            }
            return result
        }
    }

    public func checks() throws -> [String: [LedgerCheck]] {
        try withSession { session in
            var result: [String: [LedgerCheck]] = [:]
            for row in try session.query("SELECT * FROM validity_check ORDER BY time, id") {
                result[try row.string("fingerprint"), default: []].append(
                    LedgerCheck(
                        time: Date(timeIntervalSince1970: try row.double("time") ?? 0), method: try row.string("method"),
                        verdict: Verdict(rawValue: try row.string("verdict")) ?? .unknown,
                        evidence: try row.optionalString("evidence")))
            }
            return result
        }
    }

    public func notifications(of fingerprint: String) throws -> [LedgerNotification] {
        try withSession { session in
            try session.query(
                "SELECT * FROM notification WHERE fingerprint = $1 ORDER BY time, id", [.text(fingerprint)]
            ).map { row in
                LedgerNotification(
                    fingerprint: try row.string("fingerprint"),
                    time: Date(timeIntervalSince1970: try row.double("time") ?? 0), channel: try row.string("channel"),
                    recipient: try row.optionalString("recipient"), note: try row.optionalString("note"),
                    delivery: LedgerNotification.Delivery(rawValue: try row.string("delivery")) ?? .failed,
                    detail: try row.optionalString("detail"))
            }
        }
    }

    public func stateChanges(of fingerprint: String) throws -> [LedgerStateChange] {
        try withSession { session in
            try session.query(
                "SELECT * FROM state_change WHERE fingerprint = $1 ORDER BY time, id", [.text(fingerprint)]
            ).map { row in
                LedgerStateChange(
                    time: Date(timeIntervalSince1970: try row.double("time") ?? 0),
                    from: try row.optionalString("from_state").flatMap(SecretState.init(rawValue:)),
                    to: SecretState(rawValue: try row.string("to_state")) ?? .open, reason: try row.string("reason"))
            }
        }
    }

    public func sweptRepositories() throws -> [LedgerSweep] {
        try withSession { session in
            try session.query("SELECT * FROM swept_repository ORDER BY repository").map { row in
                LedgerSweep(
                    repository: try row.string("repository"), location: try row.string("location"),
                    owner: try row.optionalString("owner"), team: try row.optionalString("team"),
                    refsDigest: try row.string("refs_digest"),
                    sweptAt: Date(timeIntervalSince1970: try row.double("swept_at") ?? 0),
                    machine: try row.string("machine"), secrets: try row.int("secrets"),
                    occurrences: try row.int("occurrences"))
            }
        }
    }

    private static func occurrence(_ row: PostgresRandomAccessRow) throws -> LedgerOccurrence {
        let commit = try row.string("commit_id")
        let blob = try row.string("blob_id")
        return LedgerOccurrence(
            repository: try row.string("repository"), location: try row.string("location"),
            source: try row.string("source"), commit: commit.isEmpty ? nil : commit, path: try row.string("path"),
            line: try row.int("line"), column: try row.int("column_number"), blobID: blob.isEmpty ? nil : blob,
            firstSeen: Date(timeIntervalSince1970: try row.double("first_seen") ?? 0),
            lastSeen: Date(timeIntervalSince1970: try row.double("last_seen") ?? 0))
    }
}

/// A bound value.
enum PostgresValue {
    case text(String?)
    case double(Double?)
    case int(Int?)
}

/// One connection, used by one thread at a time (the ledger's mutex): queries wait on their
/// futures, which is how a synchronous command drives SwiftNIO.
final class PostgresSession: @unchecked Sendable {
    let url: PostgresLedgerURL
    private var connection: PostgresConnection?
    private var nextID = 1
    private let logger = Logger(label: "linger.ledger.postgres")
    /// Seconds a statement may wait for its answer (the ledger's statements are small).
    static let statementTimeout: Int64 = 20

    init(url: PostgresLedgerURL) { self.url = url }

    func connect() throws {
        guard connection == nil || connection?.isClosed == true else { return }
        let tls: PostgresConnection.Configuration.TLS
        if url.useTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .fullVerification
            if let root = url.rootCertificate { configuration.trustRoots = .file(root) }
            tls = .require(try NIOSSLContext(configuration: configuration))
        } else {
            tls = .disable
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
            tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        nextID += 1
        connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: nextID, logger: logger
        ).wait()
    }

    func close() {
        try? connection?.close().wait()
        connection = nil
    }

    @discardableResult
    func query(_ sql: String, _ values: [PostgresValue] = []) throws -> [PostgresRandomAccessRow] {
        guard let connection, !connection.isClosed else { throw ConnectionGone() }
        var binds = PostgresBindings()
        for value in values {
            switch value {
            case .text(let text): try binds.append(text)
            case .double(let number): try binds.append(number)
            case .int(let number): try binds.append(number)
            }
        }
        // A statement that gets no answer (a connection the server dropped while the statement was
        // on its way, a server gone silent) fails after `statementTimeout` rather than waiting
        // forever: the ledger then reconnects. Both callbacks run on the connection's event loop.
        let loop = connection.eventLoop
        let answer = loop.makePromise(of: PostgresQueryResult.self)
        let settled = Settled()
        let timer = loop.scheduleTask(in: .seconds(Self.statementTimeout)) {
            guard !settled.done else { return }
            settled.done = true
            answer.fail(ConnectionGone())
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
        }
        connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).whenComplete { outcome in
            guard !settled.done else { return }
            settled.done = true
            timer.cancel()
            answer.completeWith(outcome)
        }
        let result = try answer.futureResult.wait()
        return result.rows.map { $0.makeRandomAccess() }
    }

    func execute(_ sql: String, _ values: [PostgresValue] = []) throws { try query(sql, values) }

    /// `body` between BEGIN and COMMIT; anything thrown rolls back (when the connection still can).
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    func appliedVersions() throws -> Set<String> {
        let exists = try query("SELECT to_regclass('linger_schema_version') IS NOT NULL AS present")
        guard try exists.first?["present"].decode(Bool.self) == true else { return [] }
        return Set(try query("SELECT version FROM linger_schema_version").map { try $0.string("version") })
    }

    /// A serialization failure or a deadlock: the transaction can simply run again.
    static func isConflict(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    /// The connection is gone (the server restarted, the network dropped) or cannot be made.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if let error = error as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                // Class 08: connection exceptions; 57P01-57P03: administrator shutdown, crash, starting up.
                return state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state)
            }
            return [.serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection]
                .contains(error.code)
        }
        return error is ConnectionGone || error is IOError || error is ChannelError || error is NIOConnectionError
    }

    /// Whether a statement's answer or its timeout came first (touched on the event loop only).
    final class Settled: @unchecked Sendable { var done = false }

    /// A query on a connection already given up.
    struct ConnectionGone: Error, CustomStringConvertible {
        var description: String { "the connection is closed" }
    }

    /// What went wrong, without a query's parameters (they may be fingerprints, never secrets,
    /// but the server's words are what help).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// The PostgreSQL side of a write: each statement an upsert, and a secret's row locked
/// (`FOR UPDATE`) before its state is read for a change.
struct PostgresTransaction: LedgerTransaction {
    let session: PostgresSession

    func state(of fingerprint: String) throws -> SecretState? {
        try session.query("SELECT state FROM secret WHERE fingerprint = $1 FOR UPDATE", [.text(fingerprint)])
            .first.flatMap { SecretState(rawValue: try $0.string("state")) }
    }

    func insertSecret(_ row: NewSecretRow) throws -> Bool {
        let inserted = try session.query(
            """
            INSERT INTO secret (fingerprint, rule_id, rule_name, kind, confidence, hint, first_seen, last_seen, state)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint
            """,
            [
                .text(row.fingerprint), .text(row.ruleID), .text(row.ruleName), .text(row.kind),
                .text(row.confidence.rawValue), .text(row.hint), .double(row.time), .text(SecretState.open.rawValue),
            ])
        return !inserted.isEmpty
    }

    func touchSecret(_ fingerprint: String, lastSeen: Double) throws {
        try session.execute(
            "UPDATE secret SET last_seen = GREATEST(last_seen, $1) WHERE fingerprint = $2",
            [.double(lastSeen), .text(fingerprint)])
    }

    func upsertOccurrence(_ row: OccurrenceRow) throws -> Bool {
        let result = try session.query(
            """
            INSERT INTO occurrence (fingerprint, repository, path, blob_id, line, column_number, location, source,
                commit_id, first_seen, last_seen)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
            ON CONFLICT (fingerprint, repository, path, blob_id, line, column_number) DO UPDATE
                SET last_seen = GREATEST(occurrence.last_seen, EXCLUDED.last_seen), location = EXCLUDED.location
            RETURNING (xmax = 0) AS inserted
            """,
            [
                .text(row.fingerprint), .text(row.repository), .text(row.path), .text(row.blobID), .int(row.line),
                .int(row.column), .text(row.location), .text(row.source), .text(row.commit), .double(row.time),
            ])
        return try result.first?["inserted"].decode(Bool.self) ?? false
    }

    func insertCheck(fingerprint: String, time: Double, method: String, verdict: Verdict, evidence: String?) throws {
        try session.execute(
            "INSERT INTO validity_check (fingerprint, time, method, verdict, evidence) VALUES ($1, $2, $3, $4, $5)",
            [.text(fingerprint), .double(time), .text(method), .text(verdict.rawValue), .text(evidence)])
    }

    func insertNotification(
        fingerprint: String, time: Double, channel: String, recipient: String?, note: String?,
        delivery: LedgerNotification.Delivery, detail: String?
    ) throws {
        try session.execute(
            """
            INSERT INTO notification (fingerprint, time, channel, recipient, note, delivery, detail)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            [
                .text(fingerprint), .double(time), .text(channel), .text(recipient), .text(note),
                .text(delivery.rawValue), .text(detail),
            ])
    }

    func setState(_ fingerprint: String, to state: SecretState, columns: [SecretColumn]) throws {
        var values: [PostgresValue] = [.text(state.rawValue)]
        var assignments = ["state = $1"]
        for column in columns {
            switch column {
            case .resolution(let value): values.append(.text(value?.rawValue))
            case .resolvedAt(let value), .acceptedUntil(let value): values.append(.double(value))
            case .resolutionNote(let value): values.append(.text(value))
            }
            assignments.append("\(column.name) = $\(values.count)")
        }
        values.append(.text(fingerprint))
        try session.execute(
            "UPDATE secret SET \(assignments.joined(separator: ", ")) WHERE fingerprint = $\(values.count)", values)
    }

    func insertStateChange(fingerprint: String, time: Double, from: SecretState?, to: SecretState, reason: String) throws {
        try session.execute(
            "INSERT INTO state_change (fingerprint, time, from_state, to_state, reason) VALUES ($1, $2, $3, $4, $5)",
            [.text(fingerprint), .double(time), .text(from?.rawValue), .text(to.rawValue), .text(reason)])
    }

    func expiredAcceptances(at time: Double) throws -> [(fingerprint: String, told: Bool)] {
        try session.query(
            """
            SELECT s.fingerprint,
                EXISTS (SELECT 1 FROM notification n WHERE n.fingerprint = s.fingerprint AND n.delivery != $1) AS told
            FROM secret s WHERE s.state = $2 AND s.accepted_until <= $3 ORDER BY s.fingerprint
            """,
            [.text(LedgerNotification.Delivery.failed.rawValue), .text(SecretState.acceptedRisk.rawValue), .double(time)]
        ).map { (fingerprint: try $0.string("fingerprint"), told: try $0["told"].decode(Bool.self)) }
    }

    func upsertSweep(_ sweep: LedgerSweep) throws {
        try session.execute(
            """
            INSERT INTO swept_repository (repository, location, owner, team, refs_digest, swept_at, machine, secrets,
                occurrences)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (repository) DO UPDATE SET location = EXCLUDED.location, owner = EXCLUDED.owner,
                team = EXCLUDED.team, refs_digest = EXCLUDED.refs_digest, swept_at = EXCLUDED.swept_at,
                machine = EXCLUDED.machine, secrets = EXCLUDED.secrets, occurrences = EXCLUDED.occurrences
            """,
            [
                .text(sweep.repository), .text(sweep.location), .text(sweep.owner), .text(sweep.team),
                .text(sweep.refsDigest), .double(sweep.sweptAt.timeIntervalSince1970), .text(sweep.machine),
                .int(sweep.secrets), .int(sweep.occurrences),
            ])
    }
}

extension PostgresRandomAccessRow {
    func string(_ column: String) throws -> String { try self[column].decode(String.self) }
    func optionalString(_ column: String) throws -> String? { try self[column].decode(String?.self) }
    func double(_ column: String) throws -> Double? { try self[column].decode(Double?.self) }
    func int(_ column: String) throws -> Int { try self[column].decode(Int.self) }
}

/// The PostgreSQL schema, as numbered migrations: version 1 is the model the SQLite ledger
/// reached at its version 3; version 2 adds what its version 4 adds. Times are seconds since 1970.
enum PostgresSchema {
    static let version1 = [
        """
        CREATE TABLE secret (
            fingerprint TEXT PRIMARY KEY,
            rule_id TEXT NOT NULL,
            rule_name TEXT NOT NULL,
            kind TEXT NOT NULL,
            confidence TEXT NOT NULL,
            hint TEXT NOT NULL,
            first_seen DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL,
            state TEXT NOT NULL DEFAULT 'open'
                CHECK (state IN ('open', 'notified', 'resolved', 'false-positive', 'accepted-risk')),
            resolution TEXT,
            resolved_at DOUBLE PRECISION,
            accepted_until DOUBLE PRECISION,
            resolution_note TEXT
        )
        """,
        """
        CREATE TABLE occurrence (
            id BIGSERIAL PRIMARY KEY,
            fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
            repository TEXT NOT NULL,
            location TEXT NOT NULL,
            source TEXT NOT NULL,
            commit_id TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL,
            line BIGINT NOT NULL,
            column_number BIGINT NOT NULL,
            blob_id TEXT NOT NULL DEFAULT '',
            first_seen DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL,
            UNIQUE (fingerprint, repository, path, blob_id, line, column_number)
        )
        """,
        "CREATE INDEX occurrence_by_repository ON occurrence(repository)",
        """
        CREATE TABLE notification (
            id BIGSERIAL PRIMARY KEY,
            fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
            time DOUBLE PRECISION NOT NULL,
            channel TEXT NOT NULL,
            recipient TEXT,
            note TEXT,
            delivery TEXT NOT NULL CHECK (delivery IN ('recorded', 'delivered', 'failed')),
            detail TEXT
        )
        """,
        "CREATE INDEX notification_by_secret ON notification(fingerprint, time)",
        """
        CREATE TABLE validity_check (
            id BIGSERIAL PRIMARY KEY,
            fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
            time DOUBLE PRECISION NOT NULL,
            method TEXT NOT NULL,
            verdict TEXT NOT NULL CHECK (verdict IN ('live', 'unverified', 'inactive', 'unknown')),
            evidence TEXT
        )
        """,
        "CREATE INDEX check_by_secret ON validity_check(fingerprint, time)",
        """
        CREATE TABLE state_change (
            id BIGSERIAL PRIMARY KEY,
            fingerprint TEXT NOT NULL REFERENCES secret(fingerprint) ON DELETE CASCADE,
            time DOUBLE PRECISION NOT NULL,
            from_state TEXT,
            to_state TEXT NOT NULL,
            reason TEXT NOT NULL
        )
        """,
        "CREATE INDEX state_change_by_secret ON state_change(fingerprint, time)",
    ]

    static let version2 = [
        """
        CREATE TABLE swept_repository (
            repository TEXT PRIMARY KEY,
            location TEXT NOT NULL,
            owner TEXT,
            team TEXT,
            refs_digest TEXT NOT NULL,
            swept_at DOUBLE PRECISION NOT NULL,
            machine TEXT NOT NULL,
            secrets BIGINT NOT NULL,
            occurrences BIGINT NOT NULL
        )
        """
    ]
}
