extension ScanResult {
    /// One finding per secret: the findings of each fingerprint become one, placed where the
    /// secret was first seen — the earliest introducing commit by author date (ties: the walk's
    /// order, parents before children), else the first path and line — carrying every place it
    /// was found (`occurrences`, up to `limit` listed, `occurrenceCount` in all). A secret that is
    /// live at any place is live. Reports render what they are given: grouped after this, one
    /// finding per place without it (`--ungrouped`).
    public mutating func groupBySecret(listing limit: Int = 100) {
        var members: [String: [Finding]] = [:]
        var order: [String] = []
        for finding in findings {
            if members[finding.fingerprint] == nil { order.append(finding.fingerprint) }
            members[finding.fingerprint, default: []].append(finding)
        }
        var grouped = [Finding]()
        grouped.reserveCapacity(order.count)
        for fingerprint in order {
            let places = (members[fingerprint] ?? []).sorted(by: Self.seenEarlier)
            guard var first = places.first else { continue }
            var occurrences = [Occurrence]()
            var seen = Set<String>()
            func add(_ occurrence: Occurrence) {
                let key = "\(occurrence.path)\u{0}\(occurrence.line)\u{0}\(occurrence.blob ?? "")"
                if seen.insert(key).inserted { occurrences.append(occurrence) }
            }
            for place in places {
                let blob = place.provenance?.blobID ?? place.blobID
                add(
                    Occurrence(
                        path: place.path, line: place.region.line, column: place.region.column,
                        commit: place.provenance?.commit?.id, blob: blob))
                // The same blob elsewhere in history (a copy, a rename): same line, no commit of its own.
                for other in place.provenance?.otherPaths ?? [] {
                    add(Occurrence(path: other, line: place.region.line, column: place.region.column, commit: nil, blob: blob))
                }
            }
            if first.verdict != .live, let live = places.first(where: { $0.verdict == .live }) {
                for item in live.evidence { first.record(item) }
            }
            first.occurrenceCount = occurrences.count
            first.occurrences = Array(occurrences.prefix(max(1, limit)))
            grouped.append(first)
        }
        findings = grouped
        sort()
    }

    /// Whether `a` was seen before `b`: introduced by a commit before no commit, then by author
    /// date, then by the walk's order, then by path, line and column.
    static func seenEarlier(_ a: Finding, _ b: Finding) -> Bool {
        func key(_ finding: Finding) -> (Int, Int64, Int, String, Int, Int) {
            guard let commit = finding.provenance?.commit else {
                return (1, 0, 0, finding.path, finding.region.line, finding.region.column)
            }
            return (
                0, commit.authorTime, finding.provenance?.commitOrder ?? 0, finding.path, finding.region.line,
                finding.region.column
            )
        }
        return key(a) < key(b)
    }

    /// Findings by rule and by verdict, for a report's summary table.
    public var countsByRuleAndVerdict: [(rule: String, counts: [Verdict: Int])] {
        var table: [String: [Verdict: Int]] = [:]
        for finding in findings { table[finding.ruleID, default: [:]][finding.verdict, default: 0] += 1 }
        return table.keys.sorted().map { ($0, table[$0] ?? [:]) }
    }
}

extension ScanResult {
    /// Names rules in the report as `tool` does (`gitleaks`: `aws-access-token`), where a rule
    /// carries an alias for that tool; rules without one keep their own id. Rules that share an
    /// alias are listed once under it.
    public mutating func nameRules(as tool: String) {
        let names = Dictionary(rules.map { ($0.id, $0.id(as: tool)) }, uniquingKeysWith: { first, _ in first })
        for index in findings.indices { findings[index].ruleID = names[findings[index].ruleID] ?? findings[index].ruleID }
        var seen = Set<String>()
        rules = rules.compactMap { rule in
            var renamed = rule
            renamed.id = rule.id(as: tool)
            return seen.insert(renamed.id).inserted ? renamed : nil
        }
    }
}
