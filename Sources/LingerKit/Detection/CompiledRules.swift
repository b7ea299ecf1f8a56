import Foundation
import Synchronization

/// A rule set ready to scan with: one vectorscan database over every pattern, a JIT-compiled PCRE2
/// pattern per rule, and how far back from a candidate's end each rule's confirmation looks.
/// Shared by all workers; per-worker state lives in `Matcher`.
public final class CompiledRules: @unchecked Sendable {
    public let ruleSet: RuleSet
    /// Every rule's pattern (ids are rule indexes, or positions in `databaseRules`), then the
    /// `CertificateAnchors` literals.
    public let database: VectorscanDatabase
    /// The rules `database`'s ids stand for, in order, when not all (nil): those with a
    /// `prefilter_run` are not in it.
    let databaseRules: [Int]?
    /// The rules with a `prefilter_run`, whose candidates `Matcher` takes from the base64 runs.
    let runGates: [EncodedContent.RunGate]
    /// Those of them without a `path_pattern`: the ones matched alongside `unrestrictedDatabase`.
    let unrestrictedRunGates: [EncodedContent.RunGate]
    /// The rules `unrestrictedDatabase`'s ids stand for, in order: `unrestrictedRules` without
    /// those with a `prefilter_run`.
    let unrestrictedDatabaseRules: [Int]
    let patterns: [PCRE2Pattern]
    /// Group number(s) holding the secret, per rule, in order of preference.
    let secretGroups: [[Int]]
    /// Bytes before a candidate end at which confirmation starts, per rule.
    let lookback: [Int]
    /// How far from a changed line a match can begin or end, over every rule whose pattern can
    /// match a line break (`\s`, `[\s\S]`, `[^}]`…) and does not start at an anchor a delta-aware
    /// sweep scans whole for (`-----BEGIN `, `---- BEGIN `, `PuTTY-User-Key-File`): its largest
    /// look-back. Single-line rules' matches lie within the lines they touch. Worked out on
    /// first use (only delta-aware sweeps ask): reading every pattern was 2 ms of each start.
    var lineReach: Int { lineSpanning.reach }
    /// Those rules (by index), and a vectorscan database of their patterns alone, compiled on
    /// first use: a delta-aware sweep looks for their candidates around each change.
    var lineSpanningRules: [Int] { lineSpanning.rules }
    private let lineSpanningStore = Mutex<(rules: [Int], reach: Int)?>(nil)
    private var lineSpanning: (rules: [Int], reach: Int) {
        lineSpanningStore.withLock { stored in
            if let stored { return stored }
            let rules = ruleSet.rules
            let spanning = rules.indices.filter { index in
                Self.mayMatchLineBreak(rules[index].pattern) && !Self.isManyLineConstruct(rules[index].pattern)
            }
            let found = (spanning, spanning.map { lookback[$0] }.max() ?? 0)
            stored = found
            return found
        }
    }
    private let lineSpanningDatabaseStore = Mutex<VectorscanDatabase??>(nil)
    /// Where `lineSpanningDatabase` is kept between runs.
    private let databaseCache: DatabaseCache

    /// The database of `lineSpanningRules`' patterns (ids are positions in that list), or nil
    /// when there are none or it cannot be compiled.
    var lineSpanningDatabase: VectorscanDatabase? {
        lineSpanningDatabaseStore.withLock { stored in
            if let stored { return stored }
            // Kept in the database cache like the main one: compiling it cost a sweep 0.2 s, with
            // the other workers waiting on this lock.
            let compiled =
                lineSpanningRules.isEmpty
                ? nil : try? databaseCache.database(for: lineSpanningRules.map { ruleSet.rules[$0] }).0
            stored = .some(compiled)
            return compiled
        }
    }
    /// Rules without a `path_pattern`, by index. A history sweep matches blobs with these alone
    /// while their paths are unknown, and runs the rest once the walk has given each blob its
    /// paths, on the blobs at a path a `path_pattern` matches (in most histories, few: the
    /// others would only have been matched, confirmed and thrown away). A directory scan uses
    /// them alone for files no `path_pattern` matches (`Matcher.pathFreeDatabaseAfter`).
    let unrestrictedRules: [Int]
    private enum Build {
        case notStarted, underWay
        case built(VectorscanDatabase?)
    }
    private let unrestrictedBuild = Mutex(Build.notStarted)
    /// Entered when the build starts, left when it ends: what a caller that waits waits on.
    private let unrestrictedBuilt = DispatchGroup()

    /// The database of `unrestrictedRules`' patterns (ids are positions in that list, then the
    /// `CertificateAnchors` literals, as in `database`), compiled (or read from the cache) on
    /// first use; nil when every rule is unrestricted (use `database`) or it cannot be compiled.
    /// Waits while another thread builds it.
    var unrestrictedDatabase: VectorscanDatabase? { unrestrictedDatabase(waiting: true) ?? nil }

    /// `unrestrictedDatabase`, or nil (the outer optional) while another thread builds it. A
    /// directory scan's workers ask this way: the first past `Matcher.pathFreeDatabaseAfter`
    /// builds it and the others go on with `database` meanwhile, instead of waiting on its lock
    /// (on /usr/include the difference was within the noise of 15 pairs).
    func unrestrictedDatabaseUnlessUnderWay() -> VectorscanDatabase?? { unrestrictedDatabase(waiting: false) }

    private func unrestrictedDatabase(waiting: Bool) -> VectorscanDatabase?? {
        enum Step {
            case build, wait
            case done(VectorscanDatabase?)
        }
        let step = unrestrictedBuild.withLock { build -> Step in
            switch build {
            case .notStarted:
                build = .underWay
                unrestrictedBuilt.enter()
                return .build
            case .underWay: return .wait
            case .built(let database): return .done(database)
            }
        }
        switch step {
        case .done(let database):
            return .some(database)
        case .build:
            let compiled =
                unrestrictedRules.count == ruleSet.rules.count || unrestrictedRules.isEmpty
                ? nil
                : try? Self.scanningDatabase(for: unrestrictedRules.map { ruleSet.rules[$0] }, cache: databaseCache).0
            unrestrictedBuild.withLock { $0 = .built(compiled) }
            unrestrictedBuilt.leave()
            return .some(compiled)
        case .wait:
            guard waiting else { return nil }
            unrestrictedBuilt.wait()
            return unrestrictedDatabase(waiting: true)
        }
    }
    /// Lower-cased keywords, per rule.
    let keywords: [[[UInt8]]]
    /// Where the database came from, for `--verbose`.
    public let databaseOrigin: DatabaseCache.Origin
    /// `path_pattern`s by rule index, as PCRE2 patterns (JIT-compiled on first use): a directory
    /// scan asks them about every file it reads, at a fraction of a microsecond each.
    private let pathPatterns: [Int: PCRE2Pattern]
    /// `content_pattern`s by rule index: the input must match one for the rule's findings to count.
    let contentPatterns: [Int: PCRE2Pattern]

    /// Whether a pattern may match a line break, read from its source conservatively: an escape
    /// that can (`\s`, `\n`, `\v`, `\R`, `\W`, `\D`, `\H`, `\p{…}`, `\x0a`), `.` under `(?s)`,
    /// a negated class that leaves `\n` out of its exclusions, or a class holding such an escape.
    /// Lookarounds are skipped: they read, but what they read is not part of the match.
    static func mayMatchLineBreak(_ pattern: String) -> Bool {
        let characters = Array(pattern.unicodeScalars)
        let lineEscapes: Set<Character> = ["s", "n", "v", "R", "W", "D", "H", "p", "X"]
        var dotAll = false
        var index = 0
        // Depth of open groups, and the depths at which a lookaround opened.
        var depth = 0
        var lookarounds = [Int]()
        while index < characters.count {
            let character = characters[index]
            if character == "(" && !(index > 0 && characters[index - 1] == "\\") {
                depth += 1
                let rest = String(String.UnicodeScalarView(characters[index..<min(characters.count, index + 4)]))
                if rest.hasPrefix("(?=") || rest.hasPrefix("(?!") || rest.hasPrefix("(?<=") || rest.hasPrefix("(?<!") {
                    lookarounds.append(depth)
                }
            } else if character == ")" {
                if lookarounds.last == depth { lookarounds.removeLast() }
                depth -= 1
                index += 1
                continue
            }
            if !lookarounds.isEmpty {
                // Inside a lookaround: step over escapes and classes without judging them.
                if character == "\\" {
                    index += 2
                } else if character == "[" {
                    var cursor = index + 1
                    if cursor < characters.count && characters[cursor] == "^" { cursor += 1 }
                    if cursor < characters.count && characters[cursor] == "]" { cursor += 1 }
                    while cursor < characters.count && characters[cursor] != "]" {
                        cursor += characters[cursor] == "\\" ? 2 : 1
                    }
                    index = cursor + 1
                } else {
                    index += 1
                }
                continue
            }
            if character == "\n" { return true }
            if character == "\\", index + 1 < characters.count {
                let next = Character(characters[index + 1])
                if lineEscapes.contains(next) { return true }
                // Octal (`\012`, `\o{12}`), control (`\cJ`) and braced hex (`\x{0a}`) escapes.
                if ["0", "c", "o"].contains(next) { return true }
                if next == "x" && index + 2 < characters.count && characters[index + 2] == "{" { return true }
                if next == "x" && index + 3 < characters.count
                    && String(String.UnicodeScalarView(characters[(index + 2)...(index + 3)])).lowercased() == "0a"
                {
                    return true
                }
                index += 2
                continue
            }
            if character == "(" && index + 2 < characters.count && characters[index + 1] == "?" {
                var flag = index + 2
                while flag < characters.count, characters[flag].properties.isAlphabetic {
                    if characters[flag] == "s" { dotAll = true }
                    flag += 1
                }
            }
            if character == "." && dotAll { return true }
            if character == "[" {
                var cursor = index + 1
                let negated = cursor < characters.count && characters[cursor] == "^"
                if negated { cursor += 1 }
                if cursor < characters.count && characters[cursor] == "]" { cursor += 1 }
                var excludesBreak = false
                var holdsBreak = false
                while cursor < characters.count && characters[cursor] != "]" {
                    if characters[cursor] == "\\", cursor + 1 < characters.count {
                        let escaped = Character(characters[cursor + 1])
                        if ["n", "s", "v", "R"].contains(escaped) { excludesBreak = true }
                        if lineEscapes.contains(escaped) || ["0", "c", "o", "x"].contains(escaped) { holdsBreak = true }
                        cursor += 2
                    } else if characters[cursor] == "[", cursor + 1 < characters.count, characters[cursor + 1] == ":" {
                        // A POSIX class (`[:space:]`): taken as able to hold a line break either way.
                        holdsBreak = true
                        excludesBreak = false
                        while cursor + 1 < characters.count && !(characters[cursor] == ":" && characters[cursor + 1] == "]") {
                            cursor += 1
                        }
                        cursor += 2
                        if negated { return true }
                    } else {
                        if characters[cursor] == "\n" { holdsBreak = true }
                        cursor += 1
                    }
                }
                if negated && !excludesBreak { return true }
                if !negated && holdsBreak { return true }
                index = cursor + 1
                continue
            }
            index += 1
        }
        return false
    }

    /// Whether a pattern is for a construct spanning many lines (PEM, SSH2 and PuTTY keys): it
    /// starts with `-----BEGIN `, `---- BEGIN ` (or `(---- BEGIN `) or `PuTTY-User-Key-File`,
    /// markers the rule database reports as `CertificateAnchors`; content holding one is scanned
    /// whole by delta-aware sweeps, so such a rule is not among `lineSpanningRules`.
    static func isManyLineConstruct(_ pattern: String) -> Bool {
        manyLineMarkers.contains { pattern.hasPrefix($0) }
    }
    private static let manyLineMarkers = [
        CertificateReader.beginMarker, CertificateReader.ssh2Marker, Array("(".utf8) + CertificateReader.ssh2Marker,
        CertificateReader.puttyMarker,
    ].map { String(decoding: $0, as: UTF8.self) }

    /// Default look-back for rules whose pattern has no upper bound on its length.
    public static let defaultMaxMatchLength = 4096

    /// A database to scan inputs with: `rules`' patterns (ids are positions in `rules`), then the
    /// `CertificateAnchors` literals, which `Matcher` reads past the rules' ids. Every database a
    /// `Matcher` scans with is made here, so none can lack the anchors. (`lineSpanningDatabase`
    /// is not one: a delta-aware sweep reads only its rules' candidates.)
    private static func scanningDatabase(
        for rules: [Rule], cache: DatabaseCache
    ) throws -> (VectorscanDatabase, [Int?], DatabaseCache.Origin) {
        try cache.database(for: rules, literals: CertificateAnchors.literalBytes)
    }

    public init(ruleSet: RuleSet, cache: DatabaseCache?) throws {
        self.ruleSet = ruleSet
        let rules = ruleSet.rules
        let databaseCache = cache ?? DatabaseCache(directory: nil)
        self.databaseCache = databaseCache
        // The database is read (or compiled) while PCRE2 compiles the patterns: side by side, the
        // second core does a start's PCRE2 work. A database error is still reported first.
        let (loaded, compiled) = concurrently(
            { try Self.scanningDatabase(for: rules, cache: databaseCache) },
            {
                try rules.map { rule in
                    do {
                        return try PCRE2Pattern(rule.pattern)
                    } catch let error as PCRE2Error {
                        throw RuleError.invalidRule(
                            file: rule.source, rule: rule.id, problem: "pattern \(error.description)")
                    }
                }
            })
        let (database, widths, origin) = try loaded.get()
        self.database = database
        self.databaseOrigin = origin
        let patterns = try compiled.get()
        self.patterns = patterns
        self.secretGroups = zip(rules, patterns).map { Self.resolveSecretGroups($0.secretGroup, in: $1) }
        let lookback = zip(rules, widths).map { rule, width in
            rule.maxMatchLength ?? width ?? Self.defaultMaxMatchLength
        }
        self.lookback = lookback
        self.keywords = rules.map { $0.keywords.map { Array($0.lowercased().utf8) } }
        var paths = [Int: PCRE2Pattern]()
        for (index, rule) in rules.enumerated() {
            guard let pattern = rule.pathPattern else { continue }
            do {
                paths[index] = try PCRE2Pattern(pattern, options: PCRE2Pattern.unicode)
            } catch let error as PCRE2Error {
                throw RuleError.invalidRule(file: rule.source, rule: rule.id, problem: "path_pattern \(error.description)")
            }
        }
        self.pathPatterns = paths
        let unrestricted = rules.indices.filter { paths[$0] == nil }
        self.unrestrictedRules = unrestricted
        self.databaseRules = DatabaseCache.compiledRules(rules)
        let gates = rules.indices.compactMap { index in
            rules[index].prefilterRun.map { EncodedContent.RunGate(rule: index, run: $0) }
        }
        self.runGates = gates
        self.unrestrictedRunGates = gates.filter { paths[$0.rule] == nil }
        self.unrestrictedDatabaseRules = unrestricted.filter { rules[$0].prefilterRun == nil }
        var contents = [Int: PCRE2Pattern]()
        for (index, rule) in rules.enumerated() {
            guard let pattern = rule.contentPattern else { continue }
            do {
                contents[index] = try PCRE2Pattern(pattern)
            } catch let error as PCRE2Error {
                throw RuleError.invalidRule(
                    file: rule.source, rule: rule.id, problem: "content_pattern \(error.description)")
            }
        }
        self.contentPatterns = contents
    }

    /// Whether rule `index` applies to a file at `path`: true unless its `path_pattern` does not
    /// match. The one place `path_pattern` is read: by the matcher (a rule that does not apply
    /// takes no part in choosing between overlapping matches, and a file where none applies is
    /// matched with `unrestrictedDatabase`) and after a history sweep. `state`: the caller's
    /// PCRE2 match state (one per thread).
    func rule(_ index: Int, appliesTo path: String, state: PCRE2MatchState) -> Bool {
        guard let pattern = pathPatterns[index] else { return true }
        var path = path
        return path.withUTF8 { bytes in
            let subject = UnsafeRawBufferPointer(bytes)
            do {
                return try state.firstMatch(of: pattern, in: subject, length: subject.count, from: 0) != nil
            } catch {
                // A path PCRE2 gives up on (its match limit): the rule is applied there.
                return true
            }
        }
    }

    /// Whether a rule with a `path_pattern` applies at `path`.
    func somePathRule(appliesTo path: String, state: PCRE2MatchState) -> Bool {
        pathPatterns.keys.contains { rule($0, appliesTo: path, state: state) }
    }

    /// Whether compiled databases are kept between runs (not with `--no-cache`).
    var cachesDatabases: Bool { cacheDirectory != nil }

    /// Where compiled databases are kept (nil with `--no-cache`): a scan's walk leaves it out.
    public var cacheDirectory: String? { databaseCache.directory }

    /// Whether any rule has a `path_pattern`.
    var restrictsPaths: Bool { !pathPatterns.isEmpty }

    static func resolveSecretGroups(_ group: SecretGroup?, in pattern: PCRE2Pattern) -> [Int] {
        switch group {
        case .number(let number): return [number]
        case .firstOf(let numbers): return numbers
        case .name(let name): return [pattern.groupNumber(named: name) ?? 0]
        case nil:
            if let named = pattern.groupNumber(named: "secret") { return [named] }
            return pattern.captureCount >= 1 ? [1] : [0]
        }
    }
}
