import Foundation

/// One secret as the hygiene report lists it (no value: the ledger has none).
public struct SecretStanding: Sendable, Equatable, Encodable {
    public var fingerprint: String
    public var rule: String
    public var kind: String
    public var confidence: Confidence
    public var hint: String
    public var state: SecretState
    public var resolution: Resolution?
    public var firstSeen: Date
    public var notifiedAt: Date?
    /// Whole days since the first notification, at the report's time.
    public var daysSinceNotification: Int?
    /// The rotation deadline in days after notification.
    public var slaDays: Int
    /// Notified, unresolved and past its deadline.
    public var overdue: Bool
    public var verdict: Verdict?
    public var evidence: String?
    public var checkedAt: Date?
    public var resolvedAt: Date?
    public var acceptedUntil: Date?
    /// Where it lives: the first place it was recorded, then others (up to five), with the
    /// introducing commit and its author where history says.
    public var places: [StandingPlace] = []
    /// How many places in all.
    public var placeCount = 0
    /// Who should rotate it: the CODEOWNERS entry for its first place, else the introducing
    /// commit's author.
    public var owner: String?
    /// Where the owner came from (`.github/CODEOWNERS`, `commit author`).
    public var ownerSource: String?
    /// What to do next, for a secret not yet resolved: where to rotate it, and the command that
    /// records it afterwards.
    public var nextStep: String?
    /// The note given with a resolution or an accepted risk.
    public var note: String?

    /// Past its deadline and still live: what fails `linger recheck --only-live`.
    public var isLiveOverdue: Bool { overdue && verdict == .live }
    /// Past its deadline and not confirmed rotated (live, unverified, unknown or never checked):
    /// what fails `linger recheck`.
    public var isUnrotatedOverdue: Bool { overdue && verdict != .inactive }

    /// Why this secret fails the rotation gate, when it does.
    public var gateReason: String? {
        guard isUnrotatedOverdue else { return nil }
        switch verdict {
        case .live: return "live: " + (evidence ?? "a check found it working")
        case .unverified: return "rotation unconfirmed: " + (evidence ?? "nothing confirmed it")
        case .unknown: return "unknown: " + (evidence ?? "the last check failed")
        case .inactive: return nil
        case nil: return "rotation unconfirmed: never checked"
        }
    }
}

/// One place a secret lives, as status lists it.
public struct StandingPlace: Sendable, Equatable, Encodable {
    public var repository: String
    public var path: String
    public var line: Int
    public var commit: String?
    public var author: String?
}

/// Where notified secrets stood some days after notification. Three figures, never folded into
/// each other: confirmed live, not confirmed rotated (live, unverified, unknown or unchecked), and
/// confirmed rotated.
public struct StillLivePoint: Sendable, Equatable, Encodable {
    public var day: Int
    /// Secrets notified at least `day` days ago.
    public var notified: Int
    /// Of those, secrets a check found live `day` or more days after notification.
    public var live: Int
    /// `live / notified`, nil when no secret was notified that long ago.
    public var share: Double?
    /// Of those, secrets not confirmed rotated by then: no check had found them inactive and they
    /// were not resolved as rotated or revoked.
    public var unrotated: Int = 0
    public var unrotatedShare: Double?
    /// Of those, secrets confirmed rotated by then (a check found them inactive, or resolved as
    /// rotated or revoked).
    public var rotated: Int = 0
    public var rotatedShare: Double?
}

/// The hygiene report (`linger status`): where every secret stands, how fast they are rotated, and
/// which are still live past their deadline.
public struct HygieneStatus: Sendable, Equatable, Encodable {
    public var generatedAt: Date
    public var ledger: String
    public var open = 0
    public var notified = 0
    public var overdue = 0
    /// Overdue secrets whose latest check says live: these fail `linger recheck --only-live`.
    public var overdueLive = 0
    /// Overdue secrets not confirmed rotated: these fail `linger recheck`.
    public var overdueUnrotated = 0
    public var resolved = 0
    public var falsePositive = 0
    public var acceptedRisk = 0
    /// Still-live share 1, 5 and 30 days after notification.
    public var stillLive: [StillLivePoint] = []
    /// The same for every day from 0 to 30, for the chart.
    public var curve: [StillLivePoint] = []
    /// Median days from first notification to rotation: to the first check that found the secret
    /// inactive or its resolution as rotated or revoked, whichever came first.
    public var medianDaysToRotation: Double?
    /// Live secrets that are neither resolved nor accepted, longest-known first (up to 10).
    public var oldestLive: [SecretStanding] = []
    /// Every secret.
    public var secrets: [SecretStanding] = []
    /// For a ledger holding several repositories (a fleet sweep): the same figures per
    /// repository, per owner and per team (empty for one repository).
    public var byRepository: [HygieneBreakdown] = []
    public var byOwner: [HygieneBreakdown] = []
    public var byTeam: [HygieneBreakdown] = []

    public static let reportedDays = [1, 5, 30]
    static let day: TimeInterval = 86_400

    /// Works the report out from the ledger at `now`.
    public init(
        secrets list: [LedgerSecret], checks: [String: [LedgerCheck]], ledger: String, now: Date,
        deadline: (LedgerSecret) -> Int, occurrences: [String: [LedgerOccurrence]] = [:], owners: OwnerResolver? = nil,
        rules: [Rule] = []
    ) {
        let byID = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        generatedAt = now
        self.ledger = ledger
        secrets = list.map { secret in
            // A resolved secret's clock stops when it was resolved.
            let end = secret.state == .resolved ? (secret.resolvedAt ?? now) : now
            let days = secret.notifiedAt.map { Int(floor(end.timeIntervalSince($0) / Self.day)) }
            let sla = deadline(secret)
            let places = (occurrences[secret.fingerprint] ?? []).sorted {
                ($0.firstSeen, $0.repository, $0.path, $0.line) < ($1.firstSeen, $1.repository, $1.path, $1.line)
            }
            var standing = SecretStanding(
                fingerprint: secret.fingerprint, rule: secret.ruleID, kind: secret.kind,
                confidence: secret.confidence, hint: secret.hint, state: secret.state,
                resolution: secret.resolution, firstSeen: secret.firstSeen, notifiedAt: secret.notifiedAt,
                daysSinceNotification: days, slaDays: sla,
                overdue: secret.state == .notified && (days ?? 0) >= sla,
                verdict: secret.latestCheck?.verdict, evidence: secret.latestCheck?.evidence,
                checkedAt: secret.latestCheck?.time, resolvedAt: secret.resolvedAt,
                acceptedUntil: secret.acceptedUntil)
            standing.placeCount = places.count
            standing.places = places.prefix(5).map { place in
                StandingPlace(
                    repository: place.repository, path: place.path, line: place.line, commit: place.commit,
                    author: place.commit.flatMap { owners?.author(of: $0, at: place.location) })
            }
            if let first = places.first, let owner = owners?.owner(of: first) {
                (standing.owner, standing.ownerSource) = owner
            }
            standing.note = secret.note
            if secret.state == .open || secret.state == .notified {
                let rule = byID[secret.ruleID]
                let short = String(secret.fingerprint.prefix(12))
                var step = "rotate it" + (rule?.rotation.map { " at \($0)" } ?? " where it was issued")
                step += ", then: linger resolve \(short) --reason rotated"
                if rule?.revocation != nil { step += " (or revoke it at the provider: linger revoke \(short))" }
                standing.nextStep = step
            }
            return standing
        }
        // By risk: overdue and live, overdue and not confirmed rotated, then the longest-known.
        func rank(_ standing: SecretStanding) -> Int {
            if standing.isLiveOverdue { return 0 }
            if standing.isUnrotatedOverdue { return 1 }
            if standing.state == .open || standing.state == .notified { return 2 }
            return 3
        }
        secrets.sort {
            (rank($0), $0.notifiedAt ?? $0.firstSeen, $0.fingerprint) < (rank($1), $1.notifiedAt ?? $1.firstSeen, $1.fingerprint)
        }
        for standing in secrets {
            switch standing.state {
            case .open: open += 1
            case .notified: notified += 1
            case .resolved: resolved += 1
            case .falsePositive: falsePositive += 1
            case .acceptedRisk: acceptedRisk += 1
            }
            if standing.overdue { overdue += 1 }
            if standing.isLiveOverdue { overdueLive += 1 }
            if standing.isUnrotatedOverdue { overdueUnrotated += 1 }
        }
        curve = (0...30).map { day in Self.point(day: day, secrets: list, checks: checks, now: now) }
        stillLive = Self.reportedDays.map { curve[$0] }
        // Days to rotation: to the first check that found it inactive or the resolve time,
        // whichever came first (not to whenever a recheck happened to run after a resolve).
        let rotationDays = list.compactMap { secret -> Double? in
            guard let notified = secret.notifiedAt, secret.state == .resolved,
                secret.resolution?.endsTheSecret == true
            else { return nil }
            let firstInactive = checks[secret.fingerprint]?.filter { $0.verdict == .inactive && $0.time >= notified }
                .map(\.time).min()
            guard let end = [secret.resolvedAt, firstInactive].compactMap({ $0 }).min() else { return nil }
            return max(0, end.timeIntervalSince(notified) / Self.day)
        }.sorted()
        if !rotationDays.isEmpty {
            let middle = rotationDays.count / 2
            medianDaysToRotation =
                rotationDays.count % 2 == 1
                ? rotationDays[middle] : (rotationDays[middle - 1] + rotationDays[middle]) / 2
        }
        oldestLive = Array(
            secrets.filter { ($0.state == .open || $0.state == .notified) && $0.verdict == .live }
                .sorted {
                    ($0.notifiedAt ?? $0.firstSeen, $0.fingerprint) < ($1.notifiedAt ?? $1.firstSeen, $1.fingerprint)
                }
                .prefix(10))
    }

    /// Live `day` days after notification: a check at or after that time found the secret live.
    /// Evidence only: a secret never checked that late is not counted live.
    static func point(day: Int, secrets: [LedgerSecret], checks: [String: [LedgerCheck]], now: Date) -> StillLivePoint {
        var notified = 0
        var live = 0
        var rotated = 0
        for secret in secrets {
            guard let start = secret.notifiedAt, secret.state != .falsePositive else { continue }
            let mark = start.addingTimeInterval(Double(day) * Self.day)
            guard mark <= now else { continue }
            notified += 1
            let history = checks[secret.fingerprint] ?? []
            if history.contains(where: { $0.time >= mark && $0.verdict == .live }) { live += 1 }
            let resolvedByThen =
                secret.resolution?.endsTheSecret == true && (secret.resolvedAt.map { $0 <= mark } ?? false)
            if resolvedByThen || history.contains(where: { $0.time <= mark && $0.verdict == .inactive }) {
                rotated += 1
            }
        }
        func share(_ count: Int) -> Double? { notified == 0 ? nil : Double(count) / Double(notified) }
        return StillLivePoint(
            day: day, notified: notified, live: live, share: share(live), unrotated: notified - rotated,
            unrotatedShare: share(notified - rotated), rotated: rotated, rotatedShare: share(rotated))
    }

    /// Adds the per-repository, per-owner and per-team figures: each is this report worked out
    /// again over the secrets with a place in that group (a secret in two repositories counts in
    /// both). Owner and team come from the sweep's manifest; repositories no sweep recorded have
    /// neither.
    public mutating func addBreakdowns(
        secrets list: [LedgerSecret], checks: [String: [LedgerCheck]], occurrences: [String: [LedgerOccurrence]],
        sweeps: [LedgerSweep], deadline: (LedgerSecret) -> Int
    ) {
        var repositories: [String: Set<String>] = [:]
        for (fingerprint, places) in occurrences {
            for place in places { repositories[place.repository, default: []].insert(fingerprint) }
        }
        let swept = Dictionary(sweeps.map { ($0.repository, $0) }, uniquingKeysWith: { first, _ in first })
        guard repositories.count > 1 || !sweeps.isEmpty else { return }
        func breakdown(_ name: String, _ fingerprints: Set<String>, repositories count: Int) -> HygieneBreakdown {
            let subset = list.filter { fingerprints.contains($0.fingerprint) }
            let status = HygieneStatus(
                secrets: subset, checks: checks, ledger: ledger, now: generatedAt, deadline: deadline)
            return HygieneBreakdown(name: name, repositories: count, status: status)
        }
        // Swept repositories with no secret are part of the picture too: zero is a figure.
        for sweep in sweeps where repositories[sweep.repository] == nil { repositories[sweep.repository] = [] }
        byRepository = repositories.keys.sorted().map { breakdown($0, repositories[$0] ?? [], repositories: 1) }
        func group(_ key: (LedgerSweep?) -> String?) -> [HygieneBreakdown] {
            var members: [String: [String]] = [:]
            for repository in repositories.keys {
                members[key(swept[repository]) ?? "(none)", default: []].append(repository)
            }
            return members.keys.sorted().map { name in
                let fingerprints = members[name]!.reduce(into: Set<String>()) { $0.formUnion(repositories[$1] ?? []) }
                return breakdown(name, fingerprints, repositories: members[name]!.count)
            }
        }
        byOwner = group { $0?.owner }
        byTeam = group { $0?.team }
    }
}

/// One group's hygiene figures (a repository, an owner, a team).
public struct HygieneBreakdown: Sendable, Equatable, Encodable {
    public var name: String
    public var repositories: Int
    public var secrets: Int
    public var open: Int
    public var notified: Int
    public var overdue: Int
    public var overdueLive: Int
    public var overdueUnrotated: Int
    public var resolved: Int
    /// Still live 5 days after notification (the headline figure).
    public var stillLiveDay5: StillLivePoint?
    public var medianDaysToRotation: Double?

    init(name: String, repositories: Int, status: HygieneStatus) {
        self.name = name
        self.repositories = repositories
        secrets = status.secrets.count
        open = status.open
        notified = status.notified
        overdue = status.overdue
        overdueLive = status.overdueLive
        overdueUnrotated = status.overdueUnrotated
        resolved = status.resolved
        stillLiveDay5 = status.stillLive.first { $0.day == 5 }
        medianDaysToRotation = status.medianDaysToRotation
    }
}
