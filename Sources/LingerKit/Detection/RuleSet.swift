import Foundation
import Yams

/// A problem with a rule file, naming the file, the rule and what to fix.
public enum RuleError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case malformedYAML(file: String, reason: String)
    case invalidRule(file: String, rule: String, problem: String)
    case duplicateID(id: String, file: String, firstFile: String)
    case noRuleFiles(directory: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): cannot read rule file: \(reason)"
        case .malformedYAML(let file, let reason): return "\(file): not valid YAML: \(reason)"
        case .invalidRule(let file, let rule, let problem): return "\(file): rule \"\(rule)\": \(problem)"
        case .duplicateID(let id, let file, let firstFile):
            return "\(file): rule \"\(id)\": id already defined in \(firstFile); rule ids must be unique"
        case .noRuleFiles(let directory): return "\(directory): no rule files (*.yml, *.yaml) found"
        }
    }
}

/// The rules a scan uses, in a stable order (by source file, then as written).
public struct RuleSet: Sendable {
    public let rules: [Rule]

    public init(rules: [Rule]) throws {
        var seen = [String: String]()
        for rule in rules {
            if let first = seen[rule.id] {
                throw RuleError.duplicateID(id: rule.id, file: rule.source, firstFile: first)
            }
            seen[rule.id] = rule.source
        }
        self.rules = rules
    }

    public subscript(id: String) -> Rule? { rules.first { $0.id == id } }

    /// The rule ids a reference names: a rule's own id, or an alias (`gitleaks:aws-access-token`,
    /// or the bare `aws-access-token`) that several rules may share. An unknown name is kept as
    /// it is (it may name a rule from another rule file).
    public func ruleIDs(named name: String) -> [String] {
        if rules.contains(where: { $0.id == name }) { return [name] }
        let matches = rules.filter { rule in
            rule.aliases.contains { $0 == name || $0.split(separator: ":").last.map(String.init) == name }
        }
        return matches.isEmpty ? [name] : matches.map(\.id)
    }

    /// A rule's id as `tool` calls it (its first alias for that tool), or its own id.
    public func displayID(of id: String, tool: String) -> String {
        self[id]?.id(as: tool) ?? id
    }

    /// The rules embedded in the binary at build time from the repository's `Rules/` folder.
    /// `withExamples: false` leaves each rule's examples unread (a scan never uses them; they are
    /// embedded apart so that it does not even parse them).
    public static func builtIn(withExamples: Bool = true) throws -> [Rule] {
        var rules = [Rule]()
        var names = [String: StaticString]()
        for (name, text) in EmbeddedRules.json { names[name] = text }
        let byName = names
        @Sendable func document(_ name: String, file: String) throws -> Any {
            guard let text = byName[name], let document = try? PlainJSON.parse(text.withUTF8Buffer { Array($0) })
            else {
                throw RuleError.unreadable(file: file, reason: "embedded data is damaged")
            }
            return document
        }
        var files = [(name: String, json: Bool)]()
        for (name, _) in EmbeddedRules.json where name.hasSuffix(".yml.json") || name.hasSuffix(".yaml.json") {
            files.append((String(name.dropLast(5)), true))
        }
        for (name, _) in EmbeddedRules.files where name.hasSuffix(".yml") || name.hasSuffix(".yaml") {
            files.append((name, false))
        }
        // Each file is parsed on its own, the files side by side: parsing is most of a one-file
        // scan's start (a pre-commit hook's), and the second core is idle then.
        let sorted = files.sorted(by: { $0.name < $1.name })
        let parsedFiles = concurrentResults(count: sorted.count) { position in
            let (name, isJSON) = sorted[position]
            let file = "<built-in>/" + name
            guard isJSON else {
                // A file that did not parse at build time: parsed here, so its error is reported.
                guard let base64 = EmbeddedRules.files.first(where: { $0.name == name })?.base64,
                    let data = Data(base64Encoded: base64)
                else {
                    throw RuleError.unreadable(file: file, reason: "embedded data is damaged")
                }
                return try RuleFileParser.parse(
                    String(decoding: data, as: UTF8.self), file: file, validatePatterns: false)
            }
            // Parsed from YAML at build time (RulesEmbedder); the examples lie in a file of their own.
            var parsed = try RuleFileParser.parse(
                document: try document(name + ".json", file: file), file: file, validatePatterns: false,
                examplesApart: true)
            if withExamples {
                guard let list = try document(name + ".examples.json", file: file) as? [Any],
                    list.count == parsed.count
                else {
                    throw RuleError.unreadable(file: file, reason: "embedded examples are damaged")
                }
                for index in parsed.indices {
                    let fields = list[index] as? [String: Any] ?? [:]
                    let fail = { (problem: String) in
                        RuleError.invalidRule(file: file, rule: parsed[index].id, problem: problem)
                    }
                    (parsed[index].examples, parsed[index].negativeExamples) = try RuleFileParser.examples(
                        in: fields, fail: fail)
                }
            }
            return parsed
        }
        // In file order, and the first file's error first, as when they were parsed in turn.
        for outcome in parsedFiles {
            rules += try outcome.get()
        }
        return rules
    }

    /// A data file embedded from `Rules/` (a word list), by name.
    public static func embeddedData(named name: String) -> Data? {
        guard let entry = EmbeddedRules.files.first(where: { $0.name == name }) else { return nil }
        return Data(base64Encoded: entry.base64)
    }

    /// Rules from every `*.yml`/`*.yaml` file in `directory` (not recursive), patterns checked,
    /// except vectorscan's check of a rule without a `prefilter`, which `CompiledRules` makes
    /// (`deferringVectorscan`): a caller that uses the rules without compiling them has patterns
    /// vectorscan may refuse.
    public static func load(directory: String) throws -> [Rule] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw RuleError.unreadable(file: directory, reason: "no such file or directory")
        }
        let files: [String]
        if isDirectory.boolValue {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw RuleError.unreadable(file: directory, reason: error.localizedDescription)
            }
            files = names.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted()
                .map { (directory as NSString).appendingPathComponent($0) }
            if files.isEmpty { throw RuleError.noRuleFiles(directory: directory) }
        } else {
            files = [directory]
        }
        var rules = [Rule]()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw RuleError.unreadable(file: file, reason: "permission denied or not a regular file")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw RuleError.unreadable(file: file, reason: "not UTF-8 text")
            }
            rules += try RuleFileParser.parse(text, file: file, validatePatterns: true, deferringVectorscan: true)
        }
        return rules
    }

    /// The built-in rules plus `extra` directories, or only `replacement` directories when given.
    public static func assemble(extra: [String] = [], replacement: [String] = [], examples: Bool = true) throws
        -> RuleSet
    {
        var rules = replacement.isEmpty ? try builtIn(withExamples: examples) : []
        for directory in replacement + extra { rules += try load(directory: directory) }
        return try RuleSet(rules: rules)
    }
}

/// Reads one rule file. Every problem names the file and the rule.
enum RuleFileParser {
    static let ruleKeys: [String] = [
        "id", "name", "family", "description", "pattern", "secret_group", "keywords", "min_entropy",
        "confidence", "checksum", "filters", "tags", "references", "max_length", "examples", "negative_examples",
        "validation", "revocation", "rotation", "analyzer", "aliases", "path_pattern", "imported_from",
        "content_pattern", "prefilter", "prefilter_run",
    ]
    static let validTags: Set<String> = Set((1...10).map { "NHI\($0)" })

    /// A YAML scalar as an integer (the basic resolver gives strings).
    static func int(_ value: Any) -> Int? {
        if let number = value as? Int { return number }
        if let text = value as? String { return Int(text) }
        return nil
    }

    static func double(_ value: Any) -> Double? {
        if let number = value as? Double { return number }
        if let number = value as? Int { return Double(number) }
        if let text = value as? String { return Double(text) }
        return nil
    }

    /// Lower-case letters, digits and `-_.:` (ASCII checked bytewise: Character properties are
    /// looked up in Unicode tables, measurable at start-up over a catalogue's aliases).
    static func isLowerCaseName(_ text: String) -> Bool {
        let asciiOnly = text.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
                || byte == 0x2E || byte == 0x3A
        }
        if asciiOnly { return true }
        return text.allSatisfy { $0.isLowercase || $0.isNumber || "-_.:".contains($0) }
    }

    /// `deferringVectorscan`: a pattern that serves as its rule's prefilter (the rule has no
    /// `prefilter`) is not checked with vectorscan here, only with PCRE2. The rule database is
    /// compiled from those patterns before any scan, and its compilation fails naming the rule in
    /// the same words; a cached database was compiled from the very same patterns. For a scan
    /// with a user's 211 rules, that check (`hs_expression_info`, a graph built per pattern) was
    /// most of start-up: a one-file scan took 176 ms with it, 55 ms without.
    static func parse(
        _ text: String, file: String, validatePatterns: Bool, deferringVectorscan: Bool = false
    ) throws -> [Rule] {
        let document: Any?
        do {
            // The basic resolver leaves scalars as strings (numbers are read below): the default
            // one matches every scalar against regular expressions, a third of start-up time.
            document = try YAMLDocument.load(text)
        } catch {
            throw RuleError.malformedYAML(file: file, reason: String(describing: error))
        }
        return try parse(
            document: document as Any, file: file, validatePatterns: validatePatterns,
            deferringVectorscan: deferringVectorscan)
    }

    /// Rules from a parsed document (YAML at run time, or JSON the build made from YAML).
    /// `examplesApart`: the rules come without their examples (embedded apart; the suite checks
    /// every rule file in Rules/ has them), so their absence is not an error.
    static func parse(
        document: Any, file: String, validatePatterns: Bool, examplesApart: Bool = false,
        deferringVectorscan: Bool = false
    ) throws -> [Rule] {
        guard let top = document as? [String: Any], let entries = top["rules"] as? [Any] else {
            throw RuleError.malformedYAML(file: file, reason: "expected a mapping with a `rules:` list at the top")
        }
        if let unknown = top.keys.first(where: { $0 != "rules" }) {
            throw RuleError.malformedYAML(
                file: file, reason: "unknown top-level key `\(unknown)`; only `rules:` is allowed")
        }
        return try entries.enumerated().map { index, entry in
            try parseRule(
                entry, index: index, file: file, validatePatterns: validatePatterns, examplesApart: examplesApart,
                deferringVectorscan: deferringVectorscan)
        }
    }

    /// A rule's `examples` and `negative_examples`.
    static func examples(in fields: [String: Any], fail: (String) -> RuleError) throws -> ([RuleExample], [String]) {
        var examples = [RuleExample]()
        if let value = fields["examples"] {
            guard let list = value as? [Any] else { throw fail("`examples` must be a list") }
            for (number, item) in list.enumerated() {
                guard let map = item as? [String: Any], let input = map["input"] as? String,
                    let secret = map["secret"] as? String, map.count == 2
                else {
                    throw fail("example #\(number + 1) must be a mapping with exactly `input` and `secret` strings")
                }
                examples.append(RuleExample(input: input, secret: secret))
            }
        }
        var negatives = [String]()
        if let value = fields["negative_examples"] {
            guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
                throw fail("`negative_examples` must be a list of strings")
            }
            negatives = list.compactMap { $0 as? String }
        }
        return (examples, negatives)
    }

    private static func parseRule(
        _ entry: Any, index: Int, file: String, validatePatterns: Bool, examplesApart: Bool,
        deferringVectorscan: Bool
    ) throws -> Rule {
        guard let fields = entry as? [String: Any] else {
            throw RuleError.invalidRule(file: file, rule: "#\(index + 1)", problem: "each rule must be a mapping")
        }
        let label = (fields["id"] as? String) ?? "#\(index + 1)"
        func fail(_ problem: String) -> RuleError { .invalidRule(file: file, rule: label, problem: problem) }
        if let unknown = YAMLKeys.firstUnknown(in: fields, known: ruleKeys) {
            throw fail("unknown key `\(unknown)` (known: \(ruleKeys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String, required: Bool = true) throws -> String? {
            guard let value = fields[key] else {
                if required { throw fail("missing `\(key)`") }
                return nil
            }
            guard let text = value as? String, !text.isEmpty else { throw fail("`\(key)` must be a non-empty string") }
            return text
        }
        func strings(_ key: String) throws -> [String] {
            guard let value = fields[key] else { return [] }
            guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
                throw fail("`\(key)` must be a list of strings")
            }
            return list.compactMap { $0 as? String }
        }

        guard let id = try string("id"), let first = id.utf8.first, first != UInt8(ascii: "."),
            first != UInt8(ascii: "-"),
            id.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D })
        else { throw fail("`id` must be lower-case letters, digits, dots and dashes") }
        let name = try string("name") ?? id
        let pattern = try string("pattern") ?? ""
        let confidenceText = try string("confidence") ?? ""
        guard let confidence = Confidence(rawValue: confidenceText) else {
            throw fail("`confidence` must be low, medium or high, not \"\(confidenceText)\"")
        }
        let tags = try strings("tags")
        if tags.isEmpty { throw fail("`tags` must name at least one OWASP NHI risk (NHI1 … NHI10)") }
        if let bad = tags.first(where: { !validTags.contains($0) }) {
            throw fail("tag \"\(bad)\" is not an OWASP NHI Top 10 id (NHI1 … NHI10)")
        }
        var minEntropy = 0.0
        if let value = fields["min_entropy"] {
            guard let number = Self.double(value), number >= 0, number <= 8 else {
                throw fail("`min_entropy` must be a number of bits per byte between 0 and 8")
            }
            minEntropy = number
        }
        var maxLength: Int?
        if let value = fields["max_length"] {
            guard let number = Self.int(value), number > 0 else {
                throw fail("`max_length` must be a positive integer")
            }
            maxLength = number
        }
        var checksum: Checksum?
        if let text = try string("checksum", required: false) {
            guard let known = Checksum(rawValue: text) else {
                throw fail(
                    "unknown checksum \"\(text)\" (known: \(Checksum.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            checksum = known
        }
        var filters = SecretFilter.defaults
        if fields["filters"] != nil {
            filters = try strings("filters").map { text in
                guard let filter = SecretFilter(rawValue: text) else {
                    throw fail(
                        "unknown filter \"\(text)\" (known: \(SecretFilter.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                return filter
            }
        }
        var secretGroup: SecretGroup?
        if let value = fields["secret_group"] {
            if let number = Self.int(value), number >= 0 {
                secretGroup = .number(number)
            } else if let list = value as? [Any], !list.isEmpty,
                list.allSatisfy({ Self.int($0).map { $0 > 0 } ?? false })
            {
                secretGroup = .firstOf(list.compactMap { Self.int($0) })
            } else if let text = value as? String, !text.isEmpty {
                secretGroup = .name(text)
            } else {
                throw fail("`secret_group` must be a group number, a list of group numbers, or a group name")
            }
        }
        let (examples, negatives) = try examples(in: fields, fail: fail)
        // A rule imported from another scanner's configuration may come without examples (the
        // import says so); every rule written here carries both kinds.
        let importedFrom = try string("imported_from", required: false)
        if examples.isEmpty && importedFrom == nil && !examplesApart {
            throw fail("needs at least one entry in `examples` (input and expected secret)")
        }
        if negatives.isEmpty && importedFrom == nil && !examplesApart {
            throw fail("needs at least one entry in `negative_examples`")
        }

        var rule = Rule(
            id: id, name: name, family: try string("family", required: false) ?? id,
            description: try string("description", required: false), pattern: pattern, secretGroup: secretGroup,
            keywords: try strings("keywords"), minEntropy: minEntropy, confidence: confidence, checksum: checksum,
            filters: filters, tags: tags, references: try strings("references"), maxMatchLength: maxLength,
            examples: examples, negativeExamples: negatives, source: file)
        if let value = fields["validation"] { rule.validation = try Validation.parse(value, fail: fail) }
        if let value = fields["revocation"] {
            rule.revocation = try Validation.parse(value, block: "revocation", outcomes: ["confirmed"], fail: fail)
        }
        rule.importedFrom = importedFrom
        if let text = try string("path_pattern", required: false) {
            // Built-in rules were checked when they were embedded (the suite loads them with checks).
            guard !validatePatterns || (try? PCRE2Pattern(text, jit: false, options: PCRE2Pattern.unicode)) != nil else {
                throw fail("`path_pattern` is not a valid regular expression: \(text)")
            }
            rule.pathPattern = text
        }
        if let text = try string("prefilter", required: false) {
            // Compiled with the rule database, which names the rule if vectorscan refuses it.
            guard !text.isEmpty else { throw fail("`prefilter` must not be empty") }
            rule.prefilter = text
        }
        if let value = fields["prefilter_run"] {
            rule.prefilterRun = try prefilterRun(value, of: rule, fail: fail)
        }
        if let text = try string("content_pattern", required: false) {
            do {
                if validatePatterns { _ = try PCRE2Pattern(text) }
            } catch let error as PCRE2Error {
                throw fail("`content_pattern` \(error.description)")
            }
            rule.contentPattern = text
        }
        if fields["aliases"] != nil {
            let aliases = try strings("aliases")
            for alias in aliases {
                let parts = alias.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
                    Self.isLowerCaseName(alias)
                else {
                    throw fail("alias \"\(alias)\" must be tool:id in lower case (gitleaks:aws-access-token)")
                }
            }
            rule.aliases = aliases
        }
        if let value = fields["analyzer"] {
            guard let text = value as? String, let kind = SecretAnalyzerKind(rawValue: text) else {
                throw fail(
                    "`analyzer` \"\(value)\" is unknown (known: \(SecretAnalyzerKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            rule.analyzer = kind
        }
        if let value = fields["rotation"] {
            guard let text = value as? String, let url = URL(string: text), url.scheme == "https", url.host != nil else {
                throw fail("`rotation` must be the https:// page where this kind of secret is rotated")
            }
            rule.rotation = text
        }
        if validatePatterns {
            try validatePattern(of: rule, withVectorscan: !deferringVectorscan || rule.prefilter != nil, fail: fail)
        }
        return rule
    }

    /// A rule's `prefilter_run`: `{min_length: N, followed_by: 'c'}` (`followed_by` optional: a
    /// printable ASCII byte that is not a base64 character, so that it ends the run).
    static func prefilterRun(_ value: Any, of rule: Rule, fail: (String) -> RuleError) throws -> PrefilterRun {
        let form = "`prefilter_run` must be a mapping with `min_length` (\(PrefilterRun.lengths.lowerBound)…\(PrefilterRun.lengths.upperBound)) and, optionally, `followed_by` (one character that is not a base64 character)"
        guard let map = value as? [String: Any], let length = map["min_length"].flatMap(Self.int),
            PrefilterRun.lengths.contains(length), map.keys.allSatisfy({ $0 == "min_length" || $0 == "followed_by" })
        else { throw fail(form) }
        var followedBy: UInt8?
        if let text = map["followed_by"] {
            guard let text = text as? String, text.utf8.count == 1, let byte = text.utf8.first,
                byte > 0x20, byte < 0x7F, !EncodedContent.isBase64Character(byte)
            else { throw fail(form) }
            followedBy = byte
        }
        guard rule.prefilter == nil else { throw fail("`prefilter` and `prefilter_run` cannot both be given") }
        // A delta-aware sweep finds the candidates of rules that can span lines with a database
        // of their own (`CompiledRules.lineSpanningRules`); base64 runs hold no line break anyway.
        guard !CompiledRules.mayMatchLineBreak(rule.pattern) else {
            throw fail("a rule with `prefilter_run` must not match a line break (its pattern can)")
        }
        return PrefilterRun(minimumLength: length, followedBy: followedBy)
    }

    /// Compiles the pattern with PCRE2 (and, `withVectorscan`, asks vectorscan whether it can
    /// prefilter it) and checks the secret group exists.
    static func validatePattern(of rule: Rule, withVectorscan: Bool = true, fail: (String) -> RuleError) throws {
        let compiled: PCRE2Pattern
        do {
            compiled = try PCRE2Pattern(rule.pattern, jit: false)
        } catch let error as PCRE2Error {
            throw fail("pattern \(error.description)")
        }
        if compiled.captureCount >= PCRE2MatchState.maxGroups {
            throw fail(
                "pattern has \(compiled.captureCount) groups; at most \(PCRE2MatchState.maxGroups - 1) are allowed")
        }
        switch rule.secretGroup {
        case .number(let number) where number > compiled.captureCount:
            throw fail("`secret_group` \(number) does not exist: the pattern has \(compiled.captureCount) groups")
        case .firstOf(let numbers) where numbers.contains { $0 > compiled.captureCount }:
            throw fail("`secret_group` lists a group the pattern does not have (it has \(compiled.captureCount))")
        case .name(let name) where compiled.groupNumber(named: name) == nil:
            throw fail("`secret_group` names group \"\(name)\", which the pattern does not define")
        default: break
        }
        guard withVectorscan else { return }
        do {
            let width = try VectorscanDatabase.prefilterWidth(of: rule.pattern)
            if rule.prefilterRun != nil, let problem = PrefilterRun.widthProblem(width.max) { throw fail(problem) }
        } catch let error as VectorscanError {
            if case .compile(_, let message) = error {
                throw fail("pattern cannot be prefiltered by vectorscan: \(message); simplify the construct it names")
            }
            throw error
        }
    }
}
