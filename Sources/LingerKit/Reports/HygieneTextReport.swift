import Foundation

/// `linger status` and `linger recheck` as text for people.
public struct HygieneTextReport: Sendable {
    public init() {}

    static func day(_ date: Date) -> String {
        Timestamp.day(date)
    }

    static func percent(_ point: StillLivePoint) -> String {
        guard point.notified > 0 else { return "n/a (none notified that long ago)" }
        func figure(_ count: Int) -> String {
            "\(count)/\(point.notified) (\(Int((Double(count) / Double(point.notified) * 100).rounded()))%)"
        }
        return "live \(figure(point.live)), not confirmed rotated \(figure(point.unrotated)), rotated \(figure(point.rotated))"
    }

    public static func plural(_ count: Int, _ word: String, plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? word : plural ?? word + "s")
    }

    static func line(_ secret: SecretStanding) -> String {
        var parts = [String(secret.fingerprint.prefix(12)), secret.rule, secret.hint]
        if let days = secret.daysSinceNotification {
            parts.append("notified \(plural(days, "day")) ago (SLA \(secret.slaDays))")
        } else {
            parts.append("found \(day(secret.firstSeen)), not notified")
        }
        if let verdict = secret.verdict {
            parts.append(verdict.rawValue + (secret.evidence.map { ": \($0)" } ?? ""))
        } else {
            parts.append("never checked")
        }
        var text = "  " + parts.joined(separator: "  ")
        if let first = secret.places.first {
            text += "\n      at \(first.repository) \(first.path):\(first.line)"
            if let commit = first.commit { text += " (commit \(commit.prefix(12))\(first.author.map { " by \($0)" } ?? ""))" }
            if secret.placeCount > 1 { text += " and \(plural(secret.placeCount - 1, "other place"))" }
        }
        if let owner = secret.owner { text += "\n      owner \(owner) (\(secret.ownerSource ?? "?"))" }
        if let next = secret.nextStep { text += "\n      next: \(next)" }
        if secret.state == .acceptedRisk, let until = secret.acceptedUntil {
            text += "\n      accepted until \(day(until))" + (secret.note.map { ": \($0)" } ?? "")
        } else if secret.state == .resolved {
            text += "\n      resolved" + (secret.resolution.map { " (\($0.rawValue))" } ?? "") + (secret.note.map { ": \($0)" } ?? "")
        }
        return text
    }

    public func render(_ status: HygieneStatus) -> Data {
        var out = "Ledger \(status.ledger), \(Timestamp.string(status.generatedAt))\n"
        out +=
            "  \(Self.plural(status.secrets.count, "secret")): open \(status.open), notified \(status.notified) "
            + "(overdue \(status.overdue): \(status.overdueUnrotated) not confirmed rotated, \(status.overdueLive) live), resolved \(status.resolved), "
            + "false positive \(status.falsePositive), accepted risk \(status.acceptedRisk)\n"
        out += "  after notification:\n"
        out += status.stillLive.map { "    \(Self.plural($0.day, "day")): \(Self.percent($0))" }.joined(separator: "\n")
        out += "\n  median days from notification to rotation (to the first check that found it inactive, or its resolution, whichever came first): "
        out += status.medianDaysToRotation.map { String(format: "%.1f", $0) } ?? "n/a (none rotated yet)"
        out += "\n"
        for (title, rows) in [
            ("By repository", status.byRepository), ("By owner", status.byOwner), ("By team", status.byTeam),
        ] where !rows.isEmpty {
            out += "\n\(title):\n" + Self.breakdownTable(rows)
        }
        let overdue = status.secrets.filter(\.overdue)
        if !overdue.isEmpty {
            out += "\nOverdue (notified, not resolved, past the deadline):\n"
            out += overdue.map(Self.line).joined(separator: "\n") + "\n"
        }
        if !status.oldestLive.isEmpty {
            out += "\nOldest live secrets:\n"
            out += status.oldestLive.map(Self.line).joined(separator: "\n") + "\n"
        }
        return Data(TerminalText.neutralise(out).utf8)
    }

    /// One line per group: secrets, open, notified, overdue (unrotated, live), resolved, day-5 live share.
    static func breakdownTable(_ rows: [HygieneBreakdown]) -> String {
        let header = [
            "", "repos", "secrets", "open", "notified", "overdue", "unrotated", "live", "resolved", "live@5d",
            "median days to rotation",
        ]
        let lines = rows.map { row in
            [
                row.name, "\(row.repositories)", "\(row.secrets)", "\(row.open)", "\(row.notified)", "\(row.overdue)",
                "\(row.overdueUnrotated)", "\(row.overdueLive)", "\(row.resolved)",
                row.stillLiveDay5.flatMap { $0.share.map { String(format: "%.0f%%", $0 * 100) } } ?? "n/a",
                row.medianDaysToRotation.map { String(format: "%.1f", $0) } ?? "n/a",
            ]
        }
        let widths = header.indices.map { column in ([header] + lines).map { $0[column].count }.max() ?? 0 }
        return ([header] + lines).map { cells in
            "  " + cells.enumerated().map { column, cell in
                column == 0
                    ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    public func render(recheck outcomes: [RecheckOutcome], status: HygieneStatus) -> Data {
        let standings = Dictionary(status.secrets.map { ($0.fingerprint, $0) }, uniquingKeysWith: { a, _ in a })
        var out = "Rechecked \(Self.plural(outcomes.count, "secret")) at "
        out += Timestamp.string(status.generatedAt) + "\n"
        var failing: [Verdict?: Int] = [:]
        for outcome in outcomes {
            let standing = standings[outcome.secret.fingerprint]
            var parts = [
                outcome.check.verdict.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0),
                String(outcome.secret.fingerprint.prefix(12)), outcome.secret.ruleID, outcome.secret.hint,
            ]
            if let days = standing?.daysSinceNotification {
                parts.append("\(Self.plural(days, "day")) after notification (SLA \(standing?.slaDays ?? 0))")
            }
            if let standing, let reason = standing.gateReason {
                parts.append("OVERDUE (\(reason))")
                failing[standing.verdict, default: 0] += 1
            } else {
                if standing?.state == .resolved { parts.append("resolved") }
                parts.append(outcome.check.evidence ?? outcome.check.method)
            }
            out += "  " + parts.joined(separator: "  ") + "\n"
        }
        if outcomes.isEmpty { out += "  no notified, unresolved secrets\n" }
        let total = failing.values.reduce(0, +)
        if total == 0 {
            out += "No secret is past its deadline without confirmed rotation.\n"
        } else {
            let breakdown = [Verdict.live, .unverified, .unknown].compactMap { verdict in
                failing[verdict].map { "\($0) \(verdict.rawValue)" }
            } + (failing[nil].map { ["\($0) never checked"] } ?? [])
            out +=
                "\(Self.plural(total, "secret")) past the deadline not confirmed rotated (\(breakdown.joined(separator: ", "))).\n"
        }
        return Data(TerminalText.neutralise(out).utf8)
    }
}

/// `linger status` and `linger recheck` as JSON, for dashboards and scripts.
public struct HygieneJSONReport: Sendable {
    public init() {}

    /// Sorted keys, snake_case names, ISO 8601 dates: every JSON document a ledger command prints.
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder.linger(pretty: true)
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return encoder
    }

    public func render(_ status: HygieneStatus) throws -> Data {
        var data = try Self.encoder.encode(status)
        data.append(0x0A)
        return data
    }

    public func render(recheck outcomes: [RecheckOutcome], status: HygieneStatus) throws -> Data {
        struct Item: Encodable {
            var fingerprint: String
            var rule: String
            var verdict: Verdict
            var method: String
            var evidence: String?
            var readFrom: String?
            var daysSinceNotification: Int?
            var slaDays: Int?
            var overdue: Bool
            var state: SecretState?
            var gateReason: String?
        }
        struct Output: Encodable {
            var checkedAt: Date
            var overdueLive: Int
            var overdueUnrotated: Int
            var checks: [Item]
        }
        let standings = Dictionary(status.secrets.map { ($0.fingerprint, $0) }, uniquingKeysWith: { a, _ in a })
        let items = outcomes.map { outcome in
            let standing = standings[outcome.secret.fingerprint]
            return Item(
                fingerprint: outcome.secret.fingerprint, rule: outcome.secret.ruleID, verdict: outcome.check.verdict,
                method: outcome.check.method, evidence: outcome.check.evidence, readFrom: outcome.readFrom,
                daysSinceNotification: standing?.daysSinceNotification, slaDays: standing?.slaDays,
                overdue: standing?.overdue ?? false, state: standing?.state, gateReason: standing?.gateReason)
        }
        var data = try Self.encoder.encode(
            Output(
                checkedAt: status.generatedAt,
                overdueLive: outcomes.filter { standings[$0.secret.fingerprint]?.isLiveOverdue == true }.count,
                overdueUnrotated: outcomes.filter { standings[$0.secret.fingerprint]?.isUnrotatedOverdue == true }.count,
                checks: items))
        data.append(0x0A)
        return data
    }
}
