import Foundation
import GRDB

/// Where a secret stands in its life after discovery.
public enum SecretState: String, Sendable, Codable, CaseIterable {
    /// Found; its owner has not been told yet.
    case open
    /// Its owner was told (a notification was recorded or delivered).
    case notified
    /// Rotated, revoked, or confirmed inactive by a check.
    case resolved
    /// Not a secret after all.
    case falsePositive = "false-positive"
    /// A known risk someone accepted, until a date.
    case acceptedRisk = "accepted-risk"

    /// Every legal change of state, written once; every ledger writer goes through it (nil: not
    /// in the ledger yet).
    /// - discovered: nothing → open;
    /// - notified: open → notified (and an accepted risk that expires goes back to notified if
    ///   its owner was told, else to open);
    /// - resolved by hand (rotated, revoked, false positive, accepted risk): from any state, so
    ///   a person can always correct the record;
    /// - found inactive by a check: open or notified → resolved;
    /// - found again in new content: resolved → open.
    public static let transitions: [SecretState?: Set<SecretState>] = [
        nil: [.open],
        .open: [.notified, .resolved, .falsePositive, .acceptedRisk],
        .notified: [.resolved, .falsePositive, .acceptedRisk],
        .resolved: [.open, .resolved, .falsePositive, .acceptedRisk],
        .falsePositive: [.resolved, .falsePositive, .acceptedRisk],
        .acceptedRisk: [.open, .notified, .resolved, .falsePositive, .acceptedRisk],
    ]

    /// Whether a secret may move from `from` to `to`.
    public static func isLegal(from: SecretState?, to: SecretState) -> Bool {
        transitions[from]?.contains(to) ?? false
    }
}

/// Why a secret was resolved (`linger resolve --reason`, or a recheck that found it inactive).
public enum Resolution: String, Sendable, Codable, CaseIterable {
    case rotated
    case revoked
    case falsePositive = "false-positive"
    case accepted
    /// A recheck found the secret no longer works (expired, revoked key, certificate expired).
    case inactive

    /// Whether the secret stopped working (what time-to-rotation measures).
    public var endsTheSecret: Bool { self == .rotated || self == .revoked || self == .inactive }
}

/// A problem with the ledger, with what to do about it.
public enum LedgerError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    case unknownFingerprint(String)
    case ambiguousFingerprint(String, matches: Int)
    case notResolvable(fingerprint: String, reason: String)
    /// A writer tried a change of state the table (`SecretState.transitions`) does not allow.
    case illegalTransition(fingerprint: String, from: SecretState?, to: SecretState)
    /// A shared ledger's server went away and did not come back in time.
    case unavailable(location: String, reason: String)
    /// A shared ledger's server refused a statement.
    case server(location: String, reason: String)

    public var description: String {
        switch self {
        case .illegalTransition(let fingerprint, let from, let to):
            return
                "secret \(fingerprint.prefix(12)): a secret cannot go from \(from?.rawValue ?? "nothing") to \(to.rawValue) (a bug: please report it)"

        case .cannotOpen(let path, let reason): return "cannot open the ledger \(path): \(reason)"
        case .unavailable(let location, let reason): return "the ledger \(location) is unavailable: \(reason)"
        case .server(let location, let reason): return "the ledger \(location) refused a write or read: \(reason)"
        case .unknownFingerprint(let text):
            return
                "no secret in the ledger has a fingerprint starting with \(text) (`linger status --format json` lists them)"
        case .ambiguousFingerprint(let text, let matches):
            return "\(matches) secrets have fingerprints starting with \(text): give more characters"
        case .notResolvable(let fingerprint, let reason): return "secret \(fingerprint.prefix(12)): \(reason)"
        }
    }
}

/// The repository (or folder) a scan read, as the ledger records it.
public struct LedgerRepository: Sendable, Equatable {
    /// What identifies it across machines: its `origin` remote (without credentials) or its path.
    public var identity: String
    /// Where it is on this machine, to re-read secrets from.
    public var location: String

    public init(identity: String, location: String) {
        self.identity = identity
        self.location = location
    }
}

/// One secret in the ledger, with its notification and latest check.
public struct LedgerSecret: Sendable, Equatable {
    public var fingerprint: String
    public var ruleID: String
    public var ruleName: String
    /// The rule family (`github-token`, `private-key`, `jwt`, …).
    public var kind: String
    public var confidence: Confidence
    /// The secret as reports show it by default (a short prefix, then `***`).
    public var hint: String
    public var firstSeen: Date
    public var lastSeen: Date
    public var state: SecretState
    public var resolution: Resolution?
    public var resolvedAt: Date?
    public var acceptedUntil: Date?
    public var note: String?
    /// The first notification that reached its owner (recorded or delivered, not failed).
    public var notifiedAt: Date?
    /// The most recent validity check.
    public var latestCheck: LedgerCheck?
}

/// A place a secret was seen.
public struct LedgerOccurrence: Sendable, Equatable {
    public var repository: String
    public var location: String
    /// `history`, `unreachable`, `staged` or `file`.
    public var source: String
    public var commit: String?
    public var path: String
    public var line: Int
    public var column: Int
    public var blobID: String?
    public var firstSeen: Date
    public var lastSeen: Date
}

/// A notification sent (or recorded) to a secret's owner.
public struct LedgerNotification: Sendable, Equatable {
    public enum Delivery: String, Sendable, Codable {
        /// Recorded by hand (someone was told outside Linger).
        case recorded
        /// Delivered to a webhook that answered 2xx.
        case delivered
        /// The webhook could not be reached or refused it: the owner was not told.
        case failed
    }
    public var fingerprint: String
    public var time: Date
    public var channel: String
    public var recipient: String?
    public var note: String?
    public var delivery: Delivery
    public var detail: String?
}

/// One validity check of a secret.
public struct LedgerCheck: Sendable, Equatable {
    public var time: Date
    /// How it was checked: `jwt-analysis`, `key-analysis`, `rule`, `value-unavailable`, …
    public var method: String
    public var verdict: Verdict
    public var evidence: String?
}

/// One change of a secret's state.
public struct LedgerStateChange: Sendable, Equatable {
    public var time: Date
    public var from: SecretState?
    public var to: SecretState
    public var reason: String
}

/// What recording a scan changed.
public struct LedgerRecording: Sendable, Equatable {
    public var newSecrets = 0
    public var newOccurrences = 0
    /// Resolved secrets found again in new content, and so open again.
    public var reopened = 0
    public var secretsSeen = 0
}

/// The ledger: one SQLite file (WAL mode, so scans and checks can write at once), created
/// owner-only. It never holds a secret's value: secrets are keyed by fingerprint, and their value
/// is re-read from the places they were seen.
public final class Ledger: LedgerStore, @unchecked Sendable {
    public let path: String
    /// Opened for reading only: writes fail.
    public let isReadOnly: Bool
    private let pool: any DatabaseWriter

    /// The folder a ledger belongs to: the top of the repository holding `path`, or its folder.
    public static func repositoryRoot(for path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if let repository = try? GitRepository(path: absolute) {
            let top = repository.workDirectory ?? repository.gitDirectory
            return top.hasSuffix("/") && top.count > 1 ? String(top.dropLast()) : top
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory), !isDirectory.boolValue {
            return PathName.parent(absolute)
        }
        return absolute
    }

    /// `.linger/ledger.sqlite` in `root`.
    public static func defaultPath(in root: String) -> String {
        ((root as NSString).appendingPathComponent(".linger") as NSString).appendingPathComponent("ledger.sqlite")
    }

    /// Opens (creating it, mode 0600 in a folder of its own) and migrates the ledger at `path`.
    /// The ledger file and its folder are never reached through a symbolic link: a scanned
    /// repository could commit `.linger` as a link and make Linger write elsewhere. A new folder
    /// gets a `.gitignore` of `*`, so `git add .` never commits a ledger. A file that a newer
    /// Linger migrated is refused, not written to.
    public convenience init(path: String) throws {
        try self.init(path: path, readOnly: false)
    }

    /// Opens an existing ledger for reading only (`linger status` on a ledger it may not write:
    /// a shared, read-only copy). It must be at the current schema version.
    public convenience init(readingOnly path: String) throws {
        try self.init(path: path, readOnly: true)
    }

    private init(path: String, readOnly: Bool) throws {
        self.path = path
        isReadOnly = readOnly
        let folder = PathName.parent(path)
        if let link = Self.symbolicLink(among: folder.isEmpty ? [path] : [folder, path]) {
            throw LedgerError.cannotOpen(
                path: path,
                reason: "\(link) is a symbolic link; Linger does not follow links to its ledger (a scanned "
                    + "repository could point one anywhere); name the real file with --ledger-path")
        }
        if readOnly {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.label = "linger-ledger"
            do {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                try queue.read { db in
                    if try LedgerSchema.migrator.hasBeenSuperseded(db) {
                        throw LedgerError.cannotOpen(path: path, reason: "made by a newer Linger; upgrade Linger")
                    }
                    if try !LedgerSchema.migrator.hasCompletedMigrations(db) {
                        throw LedgerError.cannotOpen(
                            path: path,
                            reason: "written by an older Linger and read-only here: open it once where it can be written to bring it up to date")
                    }
                }
                pool = queue
            } catch let error as DatabaseError {
                throw LedgerError.cannotOpen(
                    path: path,
                    reason: error.resultCode == .SQLITE_NOTADB
                        ? "not a Linger ledger (not an SQLite database)" : "\(error.message ?? "\(error)")")
            }
            return
        }
        do {
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                _ = FileManager.default.createFile(
                    atPath: (folder as NSString).appendingPathComponent(".gitignore"),
                    contents: Data("# Written by Linger: its ledger is never committed.\n*\n".utf8),
                    attributes: [.posixPermissions: 0o600])
            }
        } catch {
            throw LedgerError.cannotOpen(path: path, reason: "cannot create \(folder): \(error.localizedDescription)")
        }
        // Create the file owner-only before SQLite does (SQLite gives its WAL and shared-memory
        // files the database file's mode); O_NOFOLLOW closes the race with a link made meanwhile.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            let reason =
                errno == ELOOP
                ? "it is a symbolic link; Linger does not follow links to its ledger" : String(cString: strerror(errno))
            throw LedgerError.cannotOpen(path: path, reason: reason)
        }
        // Two processes opening a new ledger at once would both migrate it ("table secret already
        // exists"): checking and applying migrations happen under an exclusive lock on the file.
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(descriptor, LOCK_UN) }
        var configuration = Configuration()
        // Two scans may write at once: the second waits for the first rather than failing.
        configuration.busyMode = .timeout(60)
        configuration.label = "linger-ledger"
        do {
            let writer = try DatabasePool(path: path, configuration: configuration)
            pool = writer
            if try writer.read({ try LedgerSchema.migrator.hasBeenSuperseded($0) }) {
                throw LedgerError.cannotOpen(
                    path: path,
                    reason: "made by a newer Linger (its schema has versions this one does not know); "
                        + "upgrade Linger rather than let an older one write to it")
            }
            try LedgerSchema.migrator.migrate(writer)
        } catch let error as DatabaseError {
            throw LedgerError.cannotOpen(
                path: path,
                reason: error.resultCode == .SQLITE_NOTADB
                    ? "not a Linger ledger (not an SQLite database)" : "\(error.message ?? "\(error)")")
        }
    }

    /// The first of `paths` that is a symbolic link, if any.
    static func symbolicLink(among paths: [String]) -> String? {
        paths.first { candidate in
            var info = stat()
            return lstat(candidate, &info) == 0 && (info.st_mode & S_IFMT) == S_IFLNK
        }
    }

    /// The schema version the file is at.
    public func schemaVersion() throws -> String? {
        try pool.read { db in try LedgerSchema.migrator.appliedMigrations(db).last }
    }

    public var location: String { path }
    public var recordingBatch: Int { Int.max }

    /// One immediate transaction (another process writing waits, busy timeout, rather than failing half-way).
    public func transaction<T>(_ body: (any LedgerTransaction) throws -> T) throws -> T {
        try write { db in try body(SQLiteTransaction(db: db)) }
    }

    // MARK: Reading

    /// Every secret, oldest first, with its first notification and latest check.
    public func secrets() throws -> [LedgerSecret] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.*,
                        (SELECT MIN(time) FROM notification n WHERE n.fingerprint = s.fingerprint
                            AND n.delivery != ?) AS notified_at,
                        c.time AS check_time, c.method AS check_method, c.verdict AS check_verdict,
                        c.evidence AS check_evidence
                    FROM secret s
                    LEFT JOIN validity_check c ON c.id = (SELECT id FROM validity_check
                        WHERE fingerprint = s.fingerprint ORDER BY time DESC, id DESC LIMIT 1)
                    ORDER BY s.first_seen, s.fingerprint
                    """, arguments: [LedgerNotification.Delivery.failed.rawValue]
            ).map(Self.secret)
        }
    }

    /// Where a secret was seen, most recently seen first.
    public func occurrences(of fingerprint: String) throws -> [LedgerOccurrence] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM occurrence WHERE fingerprint = ?
                    ORDER BY last_seen DESC, first_seen DESC, id
                    """, arguments: [fingerprint]
            ).map(Self.occurrence)
        }
    }

    /// Every secret's places, by fingerprint (in the order `occurrences(of:)` gives).
    public func allOccurrences() throws -> [String: [LedgerOccurrence]] {
        try pool.read { db in
            var result: [String: [LedgerOccurrence]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM occurrence ORDER BY fingerprint, last_seen DESC, first_seen DESC, id")
            {
                result[row["fingerprint"], default: []].append(Self.occurrence(row))
            }
            return result
        }
    }

    /// Every check of every secret, oldest first, by fingerprint.
    public func checks() throws -> [String: [LedgerCheck]] {
        try pool.read { db in
            var result: [String: [LedgerCheck]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM validity_check ORDER BY time, id") {
                result[row["fingerprint"], default: []].append(Self.check(row, prefix: ""))
            }
            return result
        }
    }

    /// Every notification of a secret, oldest first.
    public func notifications(of fingerprint: String) throws -> [LedgerNotification] {
        try history("notification", of: fingerprint) { row in
                LedgerNotification(
                    fingerprint: row["fingerprint"], time: Date(timeIntervalSince1970: row["time"]),
                    channel: row["channel"], recipient: row["recipient"], note: row["note"],
                    delivery: LedgerNotification.Delivery(rawValue: row["delivery"]) ?? .failed, detail: row["detail"])
        }
    }

    /// A secret's rows in one of its history tables, oldest first.
    private func history<T>(_ table: String, of fingerprint: String, _ decode: (Row) -> T) throws -> [T] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM \(table) WHERE fingerprint = ? ORDER BY time, id", arguments: [fingerprint]
            ).map(decode)
        }
    }

    /// Every change of a secret's state, oldest first.
    public func stateChanges(of fingerprint: String) throws -> [LedgerStateChange] {
        try history("state_change", of: fingerprint) { row in
                LedgerStateChange(
                    time: Date(timeIntervalSince1970: row["time"]),
                    from: (row["from_state"] as String?).flatMap(SecretState.init(rawValue:)),
                    to: SecretState(rawValue: row["to_state"]) ?? .open, reason: row["reason"])
        }
    }

    // MARK: Helpers

    /// A write in an immediate transaction: another process writing waits (busy timeout) rather
    /// than failing half-way.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.writeWithoutTransaction { db in
            var value: T?
            try db.inTransaction(.immediate) {
                value = try body(db)
                return .commit
            }
            return value!
        }
    }

    public func sweptRepositories() throws -> [LedgerSweep] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM swept_repository ORDER BY repository").map { row in
                LedgerSweep(
                    repository: row["repository"], location: row["location"], owner: row["owner"], team: row["team"],
                    refsDigest: row["refs_digest"], sweptAt: Date(timeIntervalSince1970: row["swept_at"]),
                    machine: row["machine"], secrets: row["secrets"], occurrences: row["occurrences"])
            }
        }
    }

    static func occurrence(_ row: Row) -> LedgerOccurrence {
        LedgerOccurrence(
            repository: row["repository"], location: row["location"], source: row["source"],
            commit: (row["commit_id"] as String).isEmpty ? nil : row["commit_id"], path: row["path"],
            line: row["line"], column: row["column_number"],
            blobID: (row["blob_id"] as String).isEmpty ? nil : row["blob_id"],
            firstSeen: Date(timeIntervalSince1970: row["first_seen"]),
            lastSeen: Date(timeIntervalSince1970: row["last_seen"]))
    }

    static func check(_ row: Row, prefix: String) -> LedgerCheck {
        LedgerCheck(
            time: Date(timeIntervalSince1970: row[prefix + "time"]), method: row[prefix + "method"],
            verdict: Verdict(rawValue: row[prefix + "verdict"]) ?? .unknown, evidence: row[prefix + "evidence"])
    }

    static func secret(_ row: Row) -> LedgerSecret {
        LedgerSecret(
            fingerprint: row["fingerprint"], ruleID: row["rule_id"], ruleName: row["rule_name"], kind: row["kind"],
            confidence: Confidence(rawValue: row["confidence"]) ?? .low, hint: row["hint"],
            firstSeen: Date(timeIntervalSince1970: row["first_seen"]),
            lastSeen: Date(timeIntervalSince1970: row["last_seen"]),
            state: SecretState(rawValue: row["state"]) ?? .open,
            resolution: (row["resolution"] as String?).flatMap(Resolution.init(rawValue:)),
            resolvedAt: (row["resolved_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            acceptedUntil: (row["accepted_until"] as Double?).map(Date.init(timeIntervalSince1970:)),
            note: row["resolution_note"],
            notifiedAt: (row["notified_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            latestCheck: (row["check_time"] as Double?) == nil ? nil : check(row, prefix: "check_"))
    }
}

/// The SQLite side of a write: GRDB statements inside the ledger's immediate transaction (which
/// already keeps every other writer out, so rows need no locks of their own).
struct SQLiteTransaction: LedgerTransaction {
    let db: Database

    func state(of fingerprint: String) throws -> SecretState? {
        try String.fetchOne(db, sql: "SELECT state FROM secret WHERE fingerprint = ?", arguments: [fingerprint])
            .flatMap(SecretState.init(rawValue:))
    }

    func insertSecret(_ row: NewSecretRow) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO secret (fingerprint, rule_id, rule_name, kind, confidence, hint, first_seen, last_seen, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (fingerprint) DO NOTHING
                """,
            arguments: [
                row.fingerprint, row.ruleID, row.ruleName, row.kind, row.confidence.rawValue, row.hint, row.time,
                row.time, SecretState.open.rawValue,
            ])
        return db.changesCount > 0
    }

    func touchSecret(_ fingerprint: String, lastSeen: Double) throws {
        try db.execute(
            sql: "UPDATE secret SET last_seen = MAX(last_seen, ?) WHERE fingerprint = ?", arguments: [lastSeen, fingerprint])
    }

    func upsertOccurrence(_ row: OccurrenceRow) throws -> Bool {
        let key: StatementArguments = [row.fingerprint, row.repository, row.path, row.blobID, row.line, row.column]
        let updated = try Row.fetchOne(
            db,
            sql: """
                UPDATE occurrence SET last_seen = MAX(last_seen, ?), location = ?
                WHERE fingerprint = ? AND repository = ? AND path = ? AND blob_id = ? AND line = ? AND column_number = ?
                RETURNING id
                """,
            arguments: [row.time, row.location] + key)
        guard updated == nil else { return false }
        try db.execute(
            sql: """
                INSERT INTO occurrence (fingerprint, repository, path, blob_id, line, column_number,
                    location, source, commit_id, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: key + [row.location, row.source, row.commit, row.time, row.time])
        return true
    }

    func insertCheck(fingerprint: String, time: Double, method: String, verdict: Verdict, evidence: String?) throws {
        try db.execute(
            sql: "INSERT INTO validity_check (fingerprint, time, method, verdict, evidence) VALUES (?, ?, ?, ?, ?)",
            arguments: [fingerprint, time, method, verdict.rawValue, evidence])
    }

    func insertNotification(
        fingerprint: String, time: Double, channel: String, recipient: String?, note: String?,
        delivery: LedgerNotification.Delivery, detail: String?
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO notification (fingerprint, time, channel, recipient, note, delivery, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [fingerprint, time, channel, recipient, note, delivery.rawValue, detail])
    }

    func setState(_ fingerprint: String, to state: SecretState, columns: [SecretColumn]) throws {
        let assignments = (["state = ?"] + columns.map { "\($0.name) = ?" }).joined(separator: ", ")
        var arguments: StatementArguments = [state.rawValue]
        for column in columns {
            switch column {
            case .resolution(let value): arguments += [value?.rawValue]
            case .resolvedAt(let value), .acceptedUntil(let value): arguments += [value]
            case .resolutionNote(let value): arguments += [value]
            }
        }
        arguments += [fingerprint]
        try db.execute(sql: "UPDATE secret SET \(assignments) WHERE fingerprint = ?", arguments: arguments)
    }

    func insertStateChange(fingerprint: String, time: Double, from: SecretState?, to: SecretState, reason: String) throws {
        try db.execute(
            sql: "INSERT INTO state_change (fingerprint, time, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)",
            arguments: [fingerprint, time, from?.rawValue, to.rawValue, reason])
    }

    func expiredAcceptances(at time: Double) throws -> [(fingerprint: String, told: Bool)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT s.fingerprint,
                    EXISTS (SELECT 1 FROM notification n WHERE n.fingerprint = s.fingerprint AND n.delivery != ?) AS told
                FROM secret s WHERE s.state = ? AND s.accepted_until <= ? ORDER BY s.fingerprint
                """,
            arguments: [LedgerNotification.Delivery.failed.rawValue, SecretState.acceptedRisk.rawValue, time]
        ).map { (fingerprint: $0["fingerprint"], told: $0["told"]) }
    }

    func upsertSweep(_ sweep: LedgerSweep) throws {
        try db.execute(
            sql: """
                INSERT INTO swept_repository (repository, location, owner, team, refs_digest, swept_at, machine,
                    secrets, occurrences)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (repository) DO UPDATE SET location = excluded.location, owner = excluded.owner,
                    team = excluded.team, refs_digest = excluded.refs_digest, swept_at = excluded.swept_at,
                    machine = excluded.machine, secrets = excluded.secrets, occurrences = excluded.occurrences
                """,
            arguments: [
                sweep.repository, sweep.location, sweep.owner, sweep.team, sweep.refsDigest,
                sweep.sweptAt.timeIntervalSince1970, sweep.machine, sweep.secrets, sweep.occurrences,
            ])
    }
}
