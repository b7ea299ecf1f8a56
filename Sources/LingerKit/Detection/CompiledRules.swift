import Foundation
import Synchronization

/// A rule set ready to scan with: one vectorscan database over every pattern, a JIT-compiled PCRE2
/// pattern per rule, and how far back from a candidate's end each rule's confirmation looks.
/// Shared by all workers; per-worker state lives in `Matcher`.
public final class CompiledRules: @unchecked Sendable {
    public let ruleSet: RuleSet
    public let database: VectorscanDatabase
    let patterns: [PCRE2Pattern]
    /// Group number(s) holding the secret, per rule, in order of preference.
    let secretGroups: [[Int]]
    /// Bytes before a candidate end at which confirmation starts, per rule.
    let lookback: [Int]
    /// Lower-cased keywords, per rule.
    let keywords: [[[UInt8]]]
    /// Where the database came from, for `--verbose`.
    public let databaseOrigin: DatabaseCache.Origin
    /// `path_pattern`s by rule index, compiled on first use: most runs (a pre-commit hook) never
    /// meet a candidate of such a rule, and NSRegularExpression is not free to build.
    private let pathPatternSources: [Int: String]
    private let pathPatterns = Mutex<[Int: NSRegularExpression?]>([:])
    /// `content_pattern`s by rule index: the input must match one for the rule's findings to count.
    let contentPatterns: [Int: PCRE2Pattern]

    /// Default look-back for rules whose pattern has no upper bound on its length.
    public static let defaultMaxMatchLength = 4096

    public init(ruleSet: RuleSet, cache: DatabaseCache?) throws {
        self.ruleSet = ruleSet
        let rules = ruleSet.rules
        let (database, widths, origin) = try (cache ?? DatabaseCache(directory: nil)).database(for: rules)
        self.database = database
        self.databaseOrigin = origin
        var patterns = [PCRE2Pattern]()
        var groups = [[Int]]()
        for rule in rules {
            let compiled: PCRE2Pattern
            do {
                compiled = try PCRE2Pattern(rule.pattern)
            } catch let error as PCRE2Error {
                throw RuleError.invalidRule(file: rule.source, rule: rule.id, problem: "pattern \(error.description)")
            }
            patterns.append(compiled)
            groups.append(Self.resolveSecretGroups(rule.secretGroup, in: compiled))
        }
        self.patterns = patterns
        self.secretGroups = groups
        self.lookback = zip(rules, widths).map { rule, width in
            rule.maxMatchLength ?? width ?? Self.defaultMaxMatchLength
        }
        self.keywords = rules.map { $0.keywords.map { Array($0.lowercased().utf8) } }
        var sources = [Int: String]()
        for (index, rule) in rules.enumerated() { if let pattern = rule.pathPattern { sources[index] = pattern } }
        self.pathPatternSources = sources
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
    /// match. The one place `path_pattern` is read, by the matcher (so a rule that does not apply
    /// takes no part in choosing between overlapping matches) and after a history sweep.
    func rule(_ index: Int, appliesTo path: String) -> Bool {
        guard let source = pathPatternSources[index] else { return true }
        let compiled = pathPatterns.withLock { cache in
            if let known = cache[index] { return known }
            let built = try? NSRegularExpression(pattern: source)
            cache[index] = built
            return built
        }
        guard let compiled else { return true }
        return compiled.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) != nil
    }

    /// Whether any rule has a `path_pattern`.
    var restrictsPaths: Bool { !pathPatternSources.isEmpty }

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
