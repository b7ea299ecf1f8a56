import Foundation

/// Telling secrets' owners, as `linger notify` does: which secrets, grouped how, delivered
/// where, recorded in the ledger.
public struct NotificationRun {
    public enum Selection: Sendable {
        /// Every secret not notified yet (state open).
        case allNew
        /// These fingerprints (or unique prefixes of 8+ characters).
        case fingerprints([String])
    }

    /// One message: to whom, which secrets, how it went.
    public struct Group: Sendable {
        public var recipient: String?
        public var secrets: [LedgerSecret]
        public var delivery = LedgerNotification.Delivery.recorded
        /// The webhook's answer, or why it failed.
        public var detail: String?
    }

    public var selection: Selection
    /// The channel recorded (`manual`, `webhook`, or the operator's name for it).
    public var channel: String
    public var recipient: String?
    public var note: String?
    /// One message per owner (CODEOWNERS for the first place, else the introducing commit's author).
    public var groupByOwner = false
    /// Delivers each message; nil records the notification as given another way.
    public var webhook: WebhookNotifier?
    public var webhookFormat = WebhookFormat.json

    public init(selection: Selection, channel: String) {
        self.selection = selection
        self.channel = channel
    }

    /// Notifies and records each group; every secret's places, read once, come back with them.
    public func run(in ledger: any LedgerStore, at now: Date) throws -> (
        groups: [Group], places: [String: [LedgerOccurrence]]
    ) {
        try ledger.expireAcceptances(at: now)
        let secrets: [LedgerSecret]
        switch selection {
        case .allNew: secrets = try ledger.secrets().filter { $0.state == .open }
        case .fingerprints(let prefixes): secrets = try prefixes.map { try ledger.secret(matching: $0) }
        }
        guard !secrets.isEmpty else { return ([], [:]) }
        var places: [String: [LedgerOccurrence]] = [:]
        for secret in secrets { places[secret.fingerprint] = try ledger.occurrences(of: secret.fingerprint) }
        let owners = OwnerResolver()
        var groups = [Group(recipient: recipient, secrets: secrets)]
        if groupByOwner {
            var byOwner: [String: [LedgerSecret]] = [:]
            for secret in secrets {
                let first = places[secret.fingerprint]?.min { $0.firstSeen < $1.firstSeen }
                let owner = first.flatMap { owners.owner(of: $0)?.owner } ?? recipient ?? "unowned"
                byOwner[owner, default: []].append(secret)
            }
            groups = byOwner.keys.sorted().map { Group(recipient: $0, secrets: byOwner[$0] ?? []) }
        }
        for index in groups.indices {
            if let webhook {
                let payload = try WebhookNotifier.payload(
                    secrets: groups[index].secrets, occurrences: places, channel: channel,
                    recipient: groups[index].recipient, note: note, at: now, format: webhookFormat, owners: owners)
                let result = webhook.deliver(payload)
                groups[index].delivery = result.delivered ? .delivered : .failed
                groups[index].detail = result.detail
            }
            try ledger.recordNotification(
                of: groups[index].secrets.map(\.fingerprint), channel: channel, recipient: groups[index].recipient,
                note: note, delivery: groups[index].delivery, detail: groups[index].detail, at: now)
        }
        return (groups, places)
    }
}

/// Checking notified secrets again, as `linger recheck` does: re-read, judge, record, and say
/// which are past their deadline without confirmed rotation.
public struct RecheckRun {
    public var rechecker: Rechecker

    public init(rechecker: Rechecker) { self.rechecker = rechecker }

    /// Rechecks every notified secret and records each check (an inactive one resolves it).
    public func run(in ledger: any LedgerStore, at now: Date) throws -> [RecheckOutcome] {
        try ledger.expireAcceptances(at: now)
        let due = try ledger.secrets().filter { $0.state == .notified }
        let outcomes = try rechecker.recheck(due, in: ledger, at: now)
        for outcome in outcomes {
            try ledger.recordCheck(
                of: outcome.secret.fingerprint, method: outcome.check.method, verdict: outcome.check.verdict,
                evidence: outcome.check.evidence, at: now)
        }
        return outcomes
    }

    /// The rechecked secrets that fail the gate: past their deadline and live (`onlyLive`), or
    /// past it without confirmed rotation.
    public static func failing(_ outcomes: [RecheckOutcome], status: HygieneStatus, onlyLive: Bool)
        -> [SecretStanding]
    {
        let rechecked = Set(outcomes.map(\.secret.fingerprint))
        return status.secrets.filter {
            rechecked.contains($0.fingerprint) && (onlyLive ? $0.isLiveOverdue : $0.isUnrotatedOverdue)
        }
    }
}
