import Foundation

/// A ledger backend: an SQLite file on one machine (`Ledger`) or a PostgreSQL database many
/// machines share (`PostgresLedger`). Both hold the same model — secrets keyed by fingerprint and
/// never their value, every place they were seen, notifications, validity checks, every change of
/// state, and the repositories swept — and both change a secret's state only through
/// `LedgerWrites`, which applies `SecretState.transitions`. A backend supplies storage
/// (`LedgerTransaction`) and reading; what a write means is written once, here.
public protocol LedgerStore: AnyObject, Sendable {
    /// Where the ledger is, as reports name it: a file path, or a PostgreSQL URL without password.
    var location: String { get }
    /// Opened for reading only: writes fail.
    var isReadOnly: Bool { get }
    /// The most findings one write transaction records: a shared server gets short transactions.
    var recordingBatch: Int { get }
    /// The schema version the ledger is at.
    func schemaVersion() throws -> String?
    /// Runs `body` in one write transaction; a backend whose server reports a serialization
    /// failure or a deadlock runs it again from the start.
    func transaction<T>(_ body: (any LedgerTransaction) throws -> T) throws -> T

    /// Every secret, oldest first, with its first notification and latest check.
    func secrets() throws -> [LedgerSecret]
    /// Where a secret was seen, most recently seen first.
    func occurrences(of fingerprint: String) throws -> [LedgerOccurrence]
    /// Every secret's places, by fingerprint (in the order `occurrences(of:)` gives).
    func allOccurrences() throws -> [String: [LedgerOccurrence]]
    /// Every check of every secret, oldest first, by fingerprint.
    func checks() throws -> [String: [LedgerCheck]]
    /// Every notification of a secret, oldest first.
    func notifications(of fingerprint: String) throws -> [LedgerNotification]
    /// Every change of a secret's state, oldest first.
    func stateChanges(of fingerprint: String) throws -> [LedgerStateChange]
    /// Every repository a sweep recorded, by identity.
    func sweptRepositories() throws -> [LedgerSweep]
}

/// Which ledger: a file (SQLite) or a PostgreSQL URL.
public enum LedgerAddress: Sendable, Equatable {
    case file(String)
    case postgres(PostgresLedgerURL)

    /// `--ledger-url` (the command line: no password allowed in it), else `LINGER_LEDGER_URL`
    /// (the environment: may carry one), else `--ledger-path`, else `fallback` (the default file).
    public static func resolve(
        url: String?, path: String?, fallback: () -> String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LedgerAddress? {
        if let url { return .postgres(try PostgresLedgerURL(url, fromCommandLine: true, environment: environment)) }
        if path == nil, let url = environment["LINGER_LEDGER_URL"], !url.isEmpty {
            return .postgres(try PostgresLedgerURL(url, fromCommandLine: false, environment: environment))
        }
        return (path ?? fallback()).map(LedgerAddress.file)
    }

    /// Where it is, as messages name it (no password).
    public var display: String {
        switch self {
        case .file(let path): return path
        case .postgres(let url): return url.display
        }
    }

    /// Whether there is a ledger there already (a server is asked when opened).
    public var exists: Bool {
        switch self {
        case .file(let path): return FileManager.default.fileExists(atPath: path)
        case .postgres: return true
        }
    }

    /// Opens it. `creating`: a missing file or a database with no ledger in it gets one;
    /// otherwise a database with no ledger is refused (a file's absence is checked by `exists`).
    public func open(readOnly: Bool = false, creating: Bool = true) throws -> any LedgerStore {
        switch self {
        case .file(let path): return readOnly ? try Ledger(readingOnly: path) : try Ledger(path: path)
        case .postgres(let url): return try PostgresLedger(url: url, readOnly: readOnly, creating: creating)
        }
    }
}

/// A column of `secret` that a change of state sets with it.
public enum SecretColumn: Sendable, Equatable {
    case resolution(Resolution?)
    case resolvedAt(Double?)
    case acceptedUntil(Double?)
    case resolutionNote(String?)

    /// The column's name, the same in both backends.
    public var name: String {
        switch self {
        case .resolution: return "resolution"
        case .resolvedAt: return "resolved_at"
        case .acceptedUntil: return "accepted_until"
        case .resolutionNote: return "resolution_note"
        }
    }
}

/// A secret's first row.
public struct NewSecretRow: Sendable {
    public var fingerprint: String
    public var ruleID: String
    public var ruleName: String
    public var kind: String
    public var confidence: Confidence
    public var hint: String
    public var time: Double
}

/// One place, as recorded.
public struct OccurrenceRow: Sendable {
    public var fingerprint: String
    public var repository: String
    public var location: String
    public var path: String
    public var blobID: String
    public var line: Int
    public var column: Int
    public var source: String
    public var commit: String
    public var time: Double
}

/// A repository a sweep recorded: who owns it, which refs it had, and which machine swept it.
public struct LedgerSweep: Sendable, Equatable {
    public var repository: String
    public var location: String
    public var owner: String?
    public var team: String?
    /// SHA-256 over the repository's references (name and target, sorted): unchanged refs, nothing new to sweep.
    public var refsDigest: String
    public var sweptAt: Date
    /// The machine (host name, and the shard when sharded) that swept it.
    public var machine: String
    public var secrets: Int
    public var occurrences: Int

    public init(
        repository: String, location: String, owner: String?, team: String?, refsDigest: String, sweptAt: Date,
        machine: String, secrets: Int, occurrences: Int
    ) {
        self.repository = repository
        self.location = location
        self.owner = owner
        self.team = team
        self.refsDigest = refsDigest
        self.sweptAt = sweptAt
        self.machine = machine
        self.secrets = secrets
        self.occurrences = occurrences
    }
}

/// Storage a write uses, inside one transaction. `state(of:)` locks the secret's row where the
/// backend has row locks, so two writers changing one secret take turns.
public protocol LedgerTransaction {
    func state(of fingerprint: String) throws -> SecretState?
    /// Inserts a secret in state `open`; false when another writer inserted it first.
    func insertSecret(_ row: NewSecretRow) throws -> Bool
    func touchSecret(_ fingerprint: String, lastSeen: Double) throws
    /// Inserts a place, or moves its last-seen time and location; true when it was new.
    func upsertOccurrence(_ row: OccurrenceRow) throws -> Bool
    func insertCheck(fingerprint: String, time: Double, method: String, verdict: Verdict, evidence: String?) throws
    func insertNotification(
        fingerprint: String, time: Double, channel: String, recipient: String?, note: String?,
        delivery: LedgerNotification.Delivery, detail: String?) throws
    func setState(_ fingerprint: String, to state: SecretState, columns: [SecretColumn]) throws
    func insertStateChange(fingerprint: String, time: Double, from: SecretState?, to: SecretState, reason: String) throws
    /// Accepted risks whose date has passed, and whether their owner was told.
    func expiredAcceptances(at time: Double) throws -> [(fingerprint: String, told: Bool)]
    func upsertSweep(_ sweep: LedgerSweep) throws
}

extension LedgerStore {
    /// The secret whose fingerprint is or starts with `text` (at least 8 characters).
    public func secret(matching text: String) throws -> LedgerSecret {
        let prefix = text.lowercased()
        let matches = try secrets().filter { $0.fingerprint.hasPrefix(prefix) }
        guard prefix.count >= 8, let first = matches.first else { throw LedgerError.unknownFingerprint(text) }
        guard matches.count == 1 else { throw LedgerError.ambiguousFingerprint(text, matches: matches.count) }
        return first
    }

    /// Records every finding of a scan: new secrets and new occurrences are added; what was seen
    /// before only has its last-seen time moved. A resolved secret found in content not seen
    /// before opens again. Findings are written in batches of `recordingBatch` secrets, each in
    /// its own transaction; a batch is all or nothing, and recording again completes an
    /// interrupted one (every write is an upsert).
    @discardableResult
    public func record(_ result: ScanResult, repository: LedgerRepository, at now: Date) throws -> LedgerRecording {
        let families = Dictionary(result.rules.map { ($0.id, $0.family) }, uniquingKeysWith: { first, _ in first })
        let all = result.findings + (result.baseline?.known ?? [])
        // Secrets in a stable order, so that concurrent writers lock rows in the same order.
        var bySecret: [String: [Finding]] = [:]
        for finding in all { bySecret[finding.fingerprint, default: []].append(finding) }
        let fingerprints = bySecret.keys.sorted()
        var total = LedgerRecording()
        var start = 0
        while start < fingerprints.count {
            var batch: [String] = []
            var size = 0
            while start < fingerprints.count && (batch.isEmpty || size + bySecret[fingerprints[start]]!.count <= recordingBatch) {
                batch.append(fingerprints[start])
                size += bySecret[fingerprints[start]]!.count
                start += 1
            }
            let part = try transaction { tx in
                try LedgerWrites.record(
                    batch.flatMap { bySecret[$0]! }, families: families, repository: repository, at: now, in: tx)
            }
            total.newSecrets += part.newSecrets
            total.newOccurrences += part.newOccurrences
            total.reopened += part.reopened
            total.secretsSeen += part.secretsSeen
        }
        return total
    }

    /// Records a notification of each secret. A recorded or delivered one moves open secrets to
    /// `notified`; a failed delivery is kept as failed and changes nothing else.
    public func recordNotification(
        of fingerprints: [String], channel: String, recipient: String?, note: String?,
        delivery: LedgerNotification.Delivery, detail: String?, at now: Date
    ) throws {
        let time = now.timeIntervalSince1970
        try transaction { tx in
            for fingerprint in fingerprints.sorted() {
                try tx.insertNotification(
                    fingerprint: fingerprint, time: time, channel: channel, recipient: recipient, note: note,
                    delivery: delivery, detail: detail)
                guard delivery != .failed else { continue }
                if try tx.state(of: fingerprint) == .open {
                    try LedgerWrites.changeState(
                        fingerprint, from: .open, to: .notified, reason: "notified via \(channel)", at: time, in: tx)
                }
            }
        }
    }

    /// Records a validity check. An `inactive` verdict resolves an open or notified secret (the
    /// evidence says why); `live` and `unknown` change no state.
    public func recordCheck(
        of fingerprint: String, method: String, verdict: Verdict, evidence: String?, at now: Date
    ) throws {
        let time = now.timeIntervalSince1970
        try transaction { tx in
            let state = try tx.state(of: fingerprint)
            try tx.insertCheck(fingerprint: fingerprint, time: time, method: method, verdict: verdict, evidence: evidence)
            guard verdict == .inactive, let state, state == .open || state == .notified else { return }
            try LedgerWrites.changeState(
                fingerprint, from: state, to: .resolved, reason: "inactive: \(evidence ?? method)", at: time,
                setting: [.resolution(.inactive), .resolvedAt(time), .resolutionNote(evidence)], in: tx)
        }
    }

    /// Resolves a secret by hand: rotated, revoked, a false positive, or an accepted risk (until a
    /// date, after which it is back where it was).
    public func resolve(
        _ fingerprint: String, as resolution: Resolution, until: Date?, note: String?, at now: Date
    ) throws {
        let time = now.timeIntervalSince1970
        try transaction { tx in
            guard let state = try tx.state(of: fingerprint) else { throw LedgerError.unknownFingerprint(fingerprint) }
            let target: SecretState
            switch resolution {
            case .accepted:
                guard let until, until > now else {
                    throw LedgerError.notResolvable(
                        fingerprint: fingerprint, reason: "an accepted risk needs --until, a date after now")
                }
                target = .acceptedRisk
            case .falsePositive: target = .falsePositive
            case .rotated, .revoked, .inactive: target = .resolved
            }
            let why = resolution.rawValue + (note.map { ": \($0)" } ?? "")
            try LedgerWrites.changeState(
                fingerprint, from: state, to: target, reason: why, at: time,
                setting: [
                    .resolution(resolution), .resolvedAt(time), .acceptedUntil(until?.timeIntervalSince1970),
                    .resolutionNote(note),
                ], in: tx)
        }
    }

    /// Accepted risks whose date has passed go back to where they were (notified if their owner
    /// was told, open otherwise).
    public func expireAcceptances(at now: Date) throws {
        let time = now.timeIntervalSince1970
        try transaction { tx in
            for (fingerprint, told) in try tx.expiredAcceptances(at: time) {
                // Another writer may have expired it meanwhile: only what is still accepted moves.
                guard try tx.state(of: fingerprint) == .acceptedRisk else { continue }
                try LedgerWrites.changeState(
                    fingerprint, from: .acceptedRisk, to: told ? .notified : .open, reason: "acceptance expired",
                    at: time, setting: [.resolution(nil), .resolvedAt(nil), .acceptedUntil(nil)], in: tx)
            }
        }
    }

    /// Records that a sweep read a repository at these refs.
    public func recordSweep(_ sweep: LedgerSweep) throws {
        try transaction { tx in try tx.upsertSweep(sweep) }
    }
}

/// What a ledger write means, written once for every backend.
public enum LedgerWrites {
    /// Records findings (all of them for the secrets they hold) in one transaction.
    static func record(
        _ findings: [Finding], families: [String: String], repository: LedgerRepository, at now: Date,
        in tx: any LedgerTransaction
    ) throws -> LedgerRecording {
        let time = now.timeIntervalSince1970
        var recording = LedgerRecording()
        // Each secret's state, read once (and kept current when a secret reopens).
        var states: [String: SecretState] = [:]
        for finding in findings {
            if states[finding.fingerprint] == nil {
                recording.secretsSeen += 1
                var existing = try tx.state(of: finding.fingerprint)
                if existing == nil {
                    let inserted = try tx.insertSecret(
                        NewSecretRow(
                            fingerprint: finding.fingerprint, ruleID: finding.ruleID, ruleName: finding.ruleName,
                            kind: families[finding.ruleID] ?? finding.ruleID, confidence: finding.confidence,
                            hint: Redaction.redact(finding.secret), time: time))
                    if inserted {
                        try changeState(finding.fingerprint, from: nil, to: .open, reason: "discovered", at: time, in: tx)
                        recording.newSecrets += 1
                    } else {
                        // Another writer recorded it first (a shared ledger): it exists now.
                        existing = try tx.state(of: finding.fingerprint)
                    }
                }
                if let existing {
                    try tx.touchSecret(finding.fingerprint, lastSeen: time)
                    states[finding.fingerprint] = existing
                } else {
                    states[finding.fingerprint] = .open
                }
            }
            let provenance = finding.provenance
            let isNew = try tx.upsertOccurrence(
                OccurrenceRow(
                    fingerprint: finding.fingerprint, repository: repository.identity, location: repository.location,
                    path: finding.path, blobID: finding.blobID ?? "", line: finding.region.line,
                    column: finding.region.column, source: provenance?.source.rawValue ?? "file",
                    commit: provenance?.commit?.id ?? "", time: time))
            guard isNew else { continue }
            recording.newOccurrences += 1
            // New content holding a resolved secret: it is back.
            if states[finding.fingerprint] == .resolved {
                states[finding.fingerprint] = .open
                let place = finding.path + (provenance?.commit.map { " in commit \($0.id.prefix(12))" } ?? "")
                try changeState(
                    finding.fingerprint, from: .resolved, to: .open, reason: "found again in new content: \(place)",
                    at: time, setting: [.resolution(nil), .resolvedAt(nil)], in: tx)
                recording.reopened += 1
            }
        }
        // Live checks made during the scan are checks like any other.
        var checked = Set<String>()
        for finding in findings where finding.verification != nil && checked.insert(finding.fingerprint).inserted {
            guard let outcome = finding.verification else { continue }
            try tx.insertCheck(
                fingerprint: finding.fingerprint, time: time, method: "http:" + outcome.provider,
                verdict: outcome.verdict, evidence: outcome.evidence)
        }
        return recording
    }

    /// The one way a secret's state changes: checked against `SecretState.transitions` (an
    /// illegal change is an error and writes nothing), written with the columns that go with it,
    /// and logged in `state_change`. From nil, the row was just inserted in its first state.
    public static func changeState(
        _ fingerprint: String, from: SecretState?, to: SecretState, reason: String, at time: Double,
        setting columns: [SecretColumn] = [], in tx: any LedgerTransaction
    ) throws {
        guard SecretState.isLegal(from: from, to: to) else {
            throw LedgerError.illegalTransition(fingerprint: fingerprint, from: from, to: to)
        }
        if from != nil { try tx.setState(fingerprint, to: to, columns: columns) }
        try tx.insertStateChange(fingerprint: fingerprint, time: time, from: from, to: to, reason: reason)
    }
}
