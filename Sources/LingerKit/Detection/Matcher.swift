/// A confirmed match of one rule in one blob, before locations are worked out.
public struct Match: Sendable, Equatable {
    public var ruleIndex: Int
    /// Byte range of the whole match.
    public var range: Range<Int>
    /// Byte range of the secret inside it.
    public var secretRange: Range<Int>
    public var entropy: Double
}

/// A candidate that the engines matched but a check turned down, kept for `--verbose`.
public struct DroppedCandidate: Sendable, Equatable {
    public var ruleIndex: Int
    public var secretRange: Range<Int>
    public var reason: String
    /// Byte range of the whole match (its reason may rest on any of it: a `linger:allow`, keywords).
    public var matchRange: Range<Int> = 0..<0
}

/// A region a rule could not finish confirming (PCRE2 hit its match limit); reported, never dropped.
public struct AbandonedRegion: Sendable, Equatable {
    public var ruleIndex: Int
    public var range: Range<Int>
    public var reason: String
}

/// What matching one blob found.
public struct MatchOutcome: Sendable {
    public var matches: [Match] = []
    public var dropped: [DroppedCandidate] = []
    public var abandoned: [AbandonedRegion] = []
    /// For each rule with a `content_pattern` that had a candidate: whether the input (the
    /// document of one of its candidates, in a stream of YAML documents) holds it.
    public var contentHolds: [Int: Bool] = [:]
    /// Whether a `content_pattern` was judged per YAML document where the whole input's answer
    /// could differ (the input holds several documents and the pattern): the answer then rests
    /// on where the documents begin, anywhere in the input.
    public var contentJudgedByDocument = false
    /// The certificate and many-line markers the input holds.
    public var anchors: CertificateAnchors = []
    /// `EncodedContent.candidates(in:mayBeText: true)` of the input, when matching traced them
    /// (for a rule's `prefilter_run`): decoding need not trace them again.
    var encodedCandidates: [(range: Range<Int>, allHex: Bool)]?
}

/// Per-worker matching state over shared `CompiledRules`: one vectorscan pass finds candidate rules
/// and regions, PCRE2 confirms each region and captures the secret, then checks and filters run.
public final class Matcher {
    public let rules: CompiledRules
    private let scratch: VectorscanScratch
    private let state = PCRE2MatchState()
    private var candidates: [(rule: Int, end: Int)] = []
    /// Spans a rule's structural check rejected: a weaker rule may not report them instead.
    private var vetoes: [(rule: Int, range: Range<Int>)] = []
    /// What was confirmed in this blob, by rule and secret span: a window seen twice (ends of
    /// overlapping candidates) reports a secret once. A set, so bookkeeping stays linear when a
    /// file holds a hundred thousand secrets.
    private var seen = Set<MatchKey>()
    /// When set, `match` records in `windowDeficits` each confirmation window the start of the
    /// input cut short: where the window ends, and how many bytes before the input it would have
    /// started (a delta-aware sweep scans slices and widens one that cut a window).
    var recordWindows = false
    private(set) var windowDeficits: [(end: Int, deficit: Int)] = []
    /// Where `content_pattern`s are searched when not in the input itself: the whole blob, when a
    /// delta-aware sweep matches a slice of it.
    var contentScope: UnsafeRawBufferPointer?

    /// Whether `bytes` hold rule `rule`'s `content_pattern` (true for a rule without one).
    func holdsContent(of rule: Int, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard let pattern = rules.contentPatterns[rule] else { return true }
        return ((try? state.firstMatch(of: pattern, in: bytes, length: bytes.count, from: 0)) ?? nil) != nil
    }

    private struct DocumentRule: Hashable {
        var rule: Int
        var document: Int
    }

    private struct MatchKey: Hashable {
        var rule: Int
        var start: Int
        var end: Int
    }

    /// Bytes after a candidate end that PCRE2 may read, for trailing assertions (`\b`, lookahead).
    static let lookahead = 256

    /// Set for a history sweep's blobs, whose paths are not known while they are scanned: content
    /// matched with no path is matched without the rules that have a `path_pattern`
    /// (`CompiledRules.unrestrictedRules`); the sweep matches those blobs again once their paths
    /// are known, where such a rule applies.
    var defersPathRules = false
    private var unrestrictedScratch: VectorscanScratch??
    /// Once this matcher has matched this many bytes, content at a path where no rule's
    /// `path_pattern` matches is matched with `CompiledRules.unrestrictedDatabase`: for a
    /// directory scan of some size (in /usr/include, `pgpass-password`'s automaton alone was a
    /// sixth of vectorscan's time). Nil, never: a pre-commit hook or a small scan would spend
    /// more loading (or, without the cache, compiling) that database than it saves.
    var pathFreeDatabaseAfter: Int?
    private var matchedBytes = 0
    /// The path of the content being matched, and whether that content is a manual page (its
    /// path and its roff requests), worked out when a candidate with a backslash first asks:
    /// there values are also judged as roff prints them. A history sweep matches blobs before
    /// their paths are known, so never there.
    private var matchedPath: String?
    private var manualPage: Bool?
    /// Paths the content is also at, besides the one `match` is given (a history blob seen at
    /// several): a rule with a `path_pattern` applies when it matches any of them.
    var otherPaths: [String] = []

    public init(rules: CompiledRules) throws {
        self.rules = rules
        self.scratch = try VectorscanScratch(for: rules.database)
    }

    /// The scratch for `CompiledRules.unrestrictedDatabase` (its pattern ids map to rules through
    /// `CompiledRules.unrestrictedRules`); nil when every rule is unrestricted or that database
    /// could not be built (then the whole database is used, and a history sweep keeps
    /// restricting findings afterwards).
    /// Nil also while another worker builds that database, for a matcher that knows its
    /// content's paths (it confirms the path rules itself): it goes on with the whole database
    /// meanwhile. One that defers the path rules waits: its content must not be matched with them.
    private func unrestricted() -> VectorscanScratch? {
        if let made = unrestrictedScratch { return made }
        let database: VectorscanDatabase?
        if defersPathRules {
            database = rules.unrestrictedDatabase
        } else {
            guard let built = rules.unrestrictedDatabaseUnlessUnderWay() else { return nil }
            database = built
        }
        let made = database.flatMap { try? VectorscanScratch(for: $0) }
        unrestrictedScratch = .some(made)
        return made
    }

    /// Matches `bytes`. With `resolvingOverlaps` false, every rule's matches are kept even where a
    /// more specific rule matched the same secret (used to check each rule's examples).
    /// `path`: where the bytes are, when known; rules whose `path_pattern` it does not match are
    /// not confirmed (nor do they take part in choosing between overlapping matches).
    public func match(
        _ bytes: UnsafeRawBufferPointer, resolvingOverlaps: Bool = true, path: String? = nil
    ) throws -> MatchOutcome {
        candidates.removeAll(keepingCapacity: true)
        if recordWindows { windowDeficits.removeAll(keepingCapacity: true) }
        vetoes.removeAll(keepingCapacity: true)
        seen.removeAll(keepingCapacity: true)
        let knownPath = path.flatMap { $0.isEmpty ? nil : $0 }
        let hasPaths = knownPath != nil || !otherPaths.isEmpty
        matchedPath = knownPath
        manualPage = nil
        matchedBytes += bytes.count
        // Rules with a `path_pattern` are left out where no path is known yet (a history sweep
        // matches those blobs again later) and, past `pathFreeDatabaseAfter`, in a file none of
        // them applies to.
        let leavesOutPathRules =
            rules.restrictsPaths
            && (hasPaths
                ? matchedBytes >= (pathFreeDatabaseAfter ?? .max)
                    && !(knownPath.map { rules.somePathRule(appliesTo: $0, state: state) } ?? false)
                    && !otherPaths.contains { rules.somePathRule(appliesTo: $0, state: state) }
                : defersPathRules)
        // The database without path rules maps its ids to rules through `unrestrictedDatabaseRules`,
        // the whole one through `databaseRules` (when some rules are not in it); in both, the ids
        // past the rules' are the anchor literals (`CertificateAnchors.literals`).
        let unrestricted = leavesOutPathRules ? unrestricted() : nil
        let everyRuleApplies = unrestricted != nil
        let ruleOf: [Int]? = everyRuleApplies ? rules.unrestrictedDatabaseRules : rules.databaseRules
        let ruleCount = ruleOf?.count ?? rules.patterns.count
        let literals = CertificateAnchors.literals
        var anchors = CertificateAnchors()
        func found(_ id: Int, _ end: Int) {
            if id < ruleCount {
                candidates.append((ruleOf?[id] ?? id, end))
            } else {
                anchors.formUnion(literals[id - ruleCount].anchor)
            }
        }
        try (unrestricted ?? scratch).scan(bytes, onMatch: found)
        // Rules with a `prefilter_run`: their candidates come from the base64 runs, which are
        // traced here once, for them and for decoding (`encodedCandidates`).
        let gates = everyRuleApplies ? rules.unrestrictedRunGates : rules.runGates
        var encodedCandidates: [(range: Range<Int>, allHex: Bool)]?
        if !gates.isEmpty {
            encodedCandidates = EncodedContent.candidates(in: bytes, mayBeText: true, gates: gates, gateEnds: &candidates)
        }
        if hasPaths, rules.restrictsPaths, !everyRuleApplies, !candidates.isEmpty {
            let paths = (knownPath.map { [$0] } ?? []) + otherPaths
            var applies = [Int: Bool]()
            candidates.removeAll { candidate in
                if let known = applies[candidate.rule] { return !known }
                let answer = paths.contains { rules.rule(candidate.rule, appliesTo: $0, state: state) }
                applies[candidate.rule] = answer
                return !answer
            }
        }
        var holds = [Int: Bool]()
        var judgedByDocument = false
        // Where the YAML documents of the input begin, when a `content_pattern` is judged in each.
        var documents = [0]
        // The document of the candidate that ends at `end` (a match ends on its last byte's line).
        func document(ending end: Int) -> Int { YAMLDocuments.index(of: max(end - 1, 0), in: documents) }
        if !rules.contentPatterns.isEmpty && candidates.contains(where: { rules.contentPatterns[$0.rule] != nil }) {
            // A rule with a `content_pattern` counts only where the input holds it: searched once
            // per input (and document), only when such a rule has a candidate. In a stream of YAML
            // documents (`---` lines: Helm's output, `kubectl get -o yaml` of several objects),
            // only where the candidate's own document holds it: a ConfigMap beside a Secret is
            // not a Secret. Its confirmation window stays in that document too (below).
            let scope = contentScope ?? bytes
            let starts = YAMLDocuments.starts(in: scope)
            // Where the whole input does not hold a pattern, no document does: the answers agree.
            var held = [DocumentRule: Bool]()
            if starts.count > 1 {
                for candidate in candidates where rules.contentPatterns[candidate.rule] != nil {
                    let whole = DocumentRule(rule: candidate.rule, document: 0)
                    if held[whole] == nil { held[whole] = holdsContent(of: candidate.rule, in: scope) }
                }
                judgedByDocument = held.values.contains(true)
            }
            // A slice's offsets are not the scope's: a delta-aware sweep scans such input whole
            // (`contentJudgedByDocument`), so the whole-input answer it gets here is not kept.
            if contentScope == nil && judgedByDocument {
                documents = starts
                held = [:]  // the answers were the whole input's, not the first document's
            }
            candidates.removeAll { candidate in
                guard rules.contentPatterns[candidate.rule] != nil else { return false }
                let document = document(ending: candidate.end)
                let key = DocumentRule(rule: candidate.rule, document: document)
                if let known = held[key] { return !known }
                let end = document + 1 < documents.count ? documents[document + 1] : scope.count
                let answer = holdsContent(
                    of: candidate.rule, in: UnsafeRawBufferPointer(rebasing: scope[documents[document]..<end]))
                held[key] = answer
                holds[candidate.rule] = (holds[candidate.rule] ?? false) || answer
                return !answer
            }
        }
        var outcome = MatchOutcome()
        outcome.encodedCandidates = encodedCandidates
        outcome.contentHolds = holds
        outcome.contentJudgedByDocument = judgedByDocument
        outcome.anchors = anchors
        guard !candidates.isEmpty else { return outcome }
        // Group candidate ends by rule, in order, and merge them into confirmation windows.
        candidates.sort { $0.rule != $1.rule ? $0.rule < $1.rule : $0.end < $1.end }
        var index = 0
        var confirmed = [Match]()
        while index < candidates.count {
            let rule = candidates[index].rule
            var windows = [Range<Int>]()
            var deficit = 0
            let byDocument = documents.count > 1 && rules.contentPatterns[rule] != nil
            while index < candidates.count && candidates[index].rule == rule {
                let end = candidates[index].end
                // A window judged by its document does not reach into the one before.
                let floor = byDocument ? documents[document(ending: end)] : 0
                let start = max(floor, end - rules.lookback[rule])
                if recordWindows && windows.isEmpty && end < rules.lookback[rule] { deficit = rules.lookback[rule] - end }
                if let last = windows.last, start <= last.upperBound, last.lowerBound >= floor {
                    windows[windows.count - 1] = last.lowerBound..<max(last.upperBound, end)
                } else {
                    windows.append(start..<end)
                }
                index += 1
            }
            if deficit > 0, let first = windows.first { windowDeficits.append((first.upperBound, deficit)) }
            for window in windows {
                try confirm(rule: rule, window: window, in: bytes, into: &confirmed, outcome: &outcome)
            }
        }
        if resolvingOverlaps && !vetoes.isEmpty {
            let ruleList = rules.ruleSet.rules
            // Vetoes by start; a match can only overlap those starting less than the longest
            // veto before it, found by binary search.
            vetoes.sort { $0.range.lowerBound < $1.range.lowerBound }
            let longest = vetoes.map(\.range.count).max() ?? 0
            let vetoes = self.vetoes
            confirmed.removeAll { match in
                var low = 0
                var high = vetoes.count
                let from = match.secretRange.lowerBound - longest
                while low < high {
                    let middle = (low + high) / 2
                    if vetoes[middle].range.lowerBound < from { low = middle + 1 } else { high = middle }
                }
                var found: (rule: Int, range: Range<Int>)?
                while low < vetoes.count && vetoes[low].range.lowerBound < match.secretRange.upperBound {
                    let candidate = vetoes[low]
                    if candidate.range.overlaps(match.secretRange)
                        && ruleList[candidate.rule].confidence > ruleList[match.ruleIndex].confidence
                    {
                        found = candidate
                        break
                    }
                    low += 1
                }
                guard let veto = found else { return false }
                outcome.dropped.append(
                    DroppedCandidate(
                        ruleIndex: match.ruleIndex, secretRange: match.secretRange,
                        reason: "overlaps a \(ruleList[veto.rule].id) candidate that failed its checksum",
                        matchRange: match.range))
                return true
            }
        }
        outcome.matches = resolvingOverlaps ? Self.resolveOverlaps(confirmed, rules: rules.ruleSet.rules) : confirmed
        return outcome
    }

    private func confirm(
        rule ruleIndex: Int, window: Range<Int>, in bytes: UnsafeRawBufferPointer,
        into confirmed: inout [Match], outcome: inout MatchOutcome
    ) throws {
        let rule = rules.ruleSet.rules[ruleIndex]
        let length = min(bytes.count, window.upperBound + Self.lookahead)
        var position = window.lowerBound
        while position < window.upperBound {
            let groups: [Range<Int>?]
            do {
                guard
                    let found = try state.firstMatch(
                        of: rules.patterns[ruleIndex], in: bytes, length: length, from: position)
                else { return }
                groups = found
            } catch let error as PCRE2Error {
                outcome.abandoned.append(
                    AbandonedRegion(ruleIndex: ruleIndex, range: window, reason: error.description))
                return
            }
            guard let whole = groups[0], whole.lowerBound < window.upperBound else { return }
            position = whole.isEmpty ? whole.upperBound + 1 : whole.upperBound
            guard
                let secretRange = rules.secretGroups[ruleIndex].lazy.compactMap({
                    groups.indices.contains($0) ? groups[$0] : nil
                }).first,
                !secretRange.isEmpty
            else { continue }
            let key = MatchKey(rule: ruleIndex, start: secretRange.lowerBound, end: secretRange.upperBound)
            if seen.contains(key) { continue }
            let secret = Array(UnsafeRawBufferPointer(rebasing: bytes[secretRange]))
            if let reason = rejection(
                of: secret, match: whole, secretStart: secretRange.lowerBound, in: bytes, rule: rule,
                ruleIndex: ruleIndex)
            {
                if reason.hasPrefix(Self.checksumFailurePrefix) { vetoes.append((ruleIndex, secretRange)) }
                outcome.dropped.append(
                    DroppedCandidate(ruleIndex: ruleIndex, secretRange: secretRange, reason: reason, matchRange: whole))
                continue
            }
            seen.insert(key)
            confirmed.append(
                Match(ruleIndex: ruleIndex, range: whole, secretRange: secretRange, entropy: shannonEntropy(secret)))
        }
    }

    /// Why a confirmed match is not reported, or nil when it is.
    private func rejection(
        of secret: [UInt8], match: Range<Int>, secretStart: Int, in bytes: UnsafeRawBufferPointer, rule: Rule,
        ruleIndex: Int
    ) -> String? {
        let keywords = rules.keywords[ruleIndex]
        if !keywords.isEmpty {
            let lowered = UnsafeRawBufferPointer(rebasing: bytes[match]).map {
                $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0
            }
            if !keywords.contains(where: { lowered.contains($0) }) {
                return "none of the rule's keywords occurs in the match"
            }
        }
        let entropy = shannonEntropy(secret)
        if entropy < rule.minEntropy {
            return "entropy \(Self.twoDecimals(entropy)) is below the rule's minimum \(rule.minEntropy)"
        }
        if let checksum = rule.checksum {
            let verdict = checksum.verify(secret)
            if !verdict.passed {
                return "\(Self.checksumFailurePrefix)\(checksum.rawValue) failed: \(verdict.reason ?? "")"
            }
        }
        // What the match says before the secret: the name a generic rule matched.
        let name = Array(UnsafeRawBufferPointer(rebasing: bytes[match.lowerBound..<max(match.lowerBound, secretStart)]))
        for filter in rule.filters {
            if let reason = filter.rejection(of: secret, name: name) { return reason }
        }
        // In a manual page, values are judged again as roff prints them.
        if secret.contains(0x5C) {
            if manualPage == nil {
                manualPage = matchedPath.map(SecretFilter.isManualPagePath) == true && SecretFilter.holdsRoffRequests(bytes)
            }
            if manualPage == true,
                let reason = SecretFilter.roffReason(secret, name: name, filters: rule.filters, minimumEntropy: rule.minEntropy)
            {
                return reason
            }
        }
        if Self.hasAllowComment(around: match, in: bytes) { return "suppressed by a linger:allow comment" }
        return nil
    }

    /// `value` with two decimals (`3.10`), without `String(format:)`: this runs for every
    /// candidate turned down, and Foundation's formatting cost more than the matching.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static let checksumFailurePrefix = "checksum "
    private static let allowMarker = Array("linger:allow".utf8)

    /// Whether the lines the match spans carry a `linger:allow` comment.
    static func hasAllowComment(around range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> Bool {
        var start = range.lowerBound
        while start > 0 && bytes[start - 1] != 0x0A { start -= 1 }
        var end = range.upperBound
        while end < bytes.count && bytes[end] != 0x0A { end += 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end]).contains(allowMarker)
    }

    /// Where rules overlap on the same secret, keeps the most specific: highest confidence, then the
    /// longer secret, then the earlier rule. Output is sorted by position. Matches are first split
    /// into clusters of transitively overlapping spans (one sweep by position); the ranking only
    /// runs inside a cluster, where the kept spans are disjoint and found by binary search, so a
    /// blob with a hundred thousand separate secrets costs a sort, not a quadratic scan.
    static func resolveOverlaps(_ matches: [Match], rules: [Rule]) -> [Match] {
        func ranksBefore(_ a: Match, _ b: Match) -> Bool {
            let ca = rules[a.ruleIndex].confidence
            let cb = rules[b.ruleIndex].confidence
            if ca != cb { return ca > cb }
            // A rule that read the value's own name beats one whose context is elsewhere in the
            // file (`content_pattern`): `DB_PASSWORD:` in a Secret is a password before it is
            // a Secret's value.
            let fa = rules[a.ruleIndex].contentPattern == nil
            let fb = rules[b.ruleIndex].contentPattern == nil
            if fa != fb { return fa }
            if a.secretRange.count != b.secretRange.count { return a.secretRange.count > b.secretRange.count }
            if a.ruleIndex != b.ruleIndex { return a.ruleIndex < b.ruleIndex }
            return a.secretRange.lowerBound < b.secretRange.lowerBound
        }
        let byPosition = matches.sorted {
            ($0.secretRange.lowerBound, $0.secretRange.upperBound, $0.ruleIndex)
                < ($1.secretRange.lowerBound, $1.secretRange.upperBound, $1.ruleIndex)
        }
        var kept = [Match]()
        kept.reserveCapacity(byPosition.count)
        var start = 0
        while start < byPosition.count {
            var end = start + 1
            var reach = byPosition[start].secretRange.upperBound
            while end < byPosition.count && byPosition[end].secretRange.lowerBound < reach {
                reach = max(reach, byPosition[end].secretRange.upperBound)
                end += 1
            }
            if end - start == 1 {
                kept.append(byPosition[start])
            } else {
                // Greedy by rank; kept spans of the cluster stay sorted and disjoint.
                var chosen = [Match]()
                for match in byPosition[start..<end].sorted(by: ranksBefore) {
                    var low = 0
                    var high = chosen.count
                    while low < high {
                        let middle = (low + high) / 2
                        if chosen[middle].secretRange.lowerBound < match.secretRange.lowerBound {
                            low = middle + 1
                        } else {
                            high = middle
                        }
                    }
                    if low > 0 && chosen[low - 1].secretRange.overlaps(match.secretRange) { continue }
                    if low < chosen.count && chosen[low].secretRange.overlaps(match.secretRange) { continue }
                    chosen.insert(match, at: low)
                }
                kept += chosen
            }
            start = end
        }
        return kept.sorted {
            ($0.secretRange.lowerBound, $0.ruleIndex) < ($1.secretRange.lowerBound, $1.ruleIndex)
        }
    }
}
