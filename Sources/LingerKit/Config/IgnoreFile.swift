import Foundation

/// One entry of `.lingerignore` or of `.linger.yml`'s `allow` list, for reports of what matched.
public struct SuppressionEntry: Sendable, Equatable, Codable {
    /// Where it is written: `.lingerignore:3`, `.linger.yml allow[1]`.
    public var source: String
    /// What it says, as written (`fingerprint 3f2a…`, `path tests/fixtures/**`).
    public var text: String
    public var reason: String?
    /// The day after which it no longer applies.
    public var until: Date?

    enum CodingKeys: String, CodingKey { case source, text, reason, until }

    public init(source: String, text: String, reason: String?, until: Date?) {
        self.source = source
        self.text = text
        self.reason = reason
        self.until = until
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        source = try container.decode(String.self, forKey: .source)
        text = try container.decode(String.self, forKey: .text)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        until = try container.decodeIfPresent(String.self, forKey: .until).flatMap(IgnoreFile.date)
    }

    /// `until` as the date written (its last day), not a timestamp.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(reason, forKey: .reason)
        if let until {
            try container.encode(Timestamp.day(until.addingTimeInterval(-86_400)), forKey: .until)
        }
    }
}

/// `.lingerignore`: secrets known and accepted, by fingerprint, and paths not to report.
///
///     # fingerprint (16+ leading hex digits), optionally until a date, then a reason
///     9f86d081884c7d659a2feaa0c55ad015  until 2027-03-01  # rotated; history kept for audit
///     path tests/fixtures/**                              # fake keys for the test suite
public struct IgnoreFile: Sendable, Equatable {
    public struct Fingerprint: Sendable, Equatable {
        public var prefix: String
        public var entry: SuppressionEntry
    }
    public struct PathPattern: Sendable, Equatable {
        public var pattern: String
        public var entry: SuppressionEntry
    }

    /// A place a finding was accepted at, as gitleaks writes it in `.gitleaksignore`
    /// (`commit:path:rule:line`, or `path:rule:line` for a directory scan).
    public struct Place: Sendable, Equatable {
        public var commit: String?
        public var path: String
        /// The rule as gitleaks names it, then the Linger rules that carry that name as an alias.
        public var rule: String
        public var ruleIDs: [String]
        public var line: Int
        /// The folder of the ignore file, from the repository's top: `path` is relative to it.
        public var base = ""
        public var entry: SuppressionEntry
    }

    public var fingerprints: [Fingerprint] = []
    public var paths: [PathPattern] = []
    public var places: [Place] = []

    public static let fileName = ".lingerignore"
    /// gitleaks' ignore file: honoured beside `.lingerignore`.
    public static let gitleaksFileName = ".gitleaksignore"

    public init(fingerprints: [Fingerprint] = [], paths: [PathPattern] = []) {
        self.fingerprints = fingerprints
        self.paths = paths
    }

    public static func load(file: String) throws -> IgnoreFile {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigError.unreadable(file: file, reason: "no such file, or not readable")
        }
        let text = String(decoding: data, as: UTF8.self)
        if PathName.name(file).hasSuffix("gitleaksignore") { return try parseGitleaks(text, file: file) }
        return try parse(text, file: file)
    }

    /// `.gitleaksignore`: one gitleaks finding fingerprint per line, `#` comments.
    public static func parseGitleaks(_ text: String, file: String) throws -> IgnoreFile {
        var ignore = IgnoreFile()
        let name = PathName.name(file)
        for (number, line, reason) in entries(of: text) {
            let index = number - 1
            var parts = line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3, let number = Int(parts.removeLast()), number > 0, !parts.last!.isEmpty else {
                throw ConfigError.invalid(
                    file: file, key: "line \(index + 1)",
                    problem: "expected a gitleaks fingerprint: commit:path:rule:line or path:rule:line")
            }
            let rule = parts.removeLast()
            var commit: String?
            if parts.count > 1, parts[0].count >= 7, parts[0].count <= 64, parts[0].allSatisfy(\.isHexDigit) {
                commit = parts.removeFirst().lowercased()
            }
            var path = parts.joined(separator: ":")
            while path.hasPrefix("./") { path.removeFirst(2) }
            ignore.places.append(
                Place(
                    commit: commit, path: path, rule: rule, ruleIDs: [rule], line: number,
                    entry: SuppressionEntry(source: "\(name):\(index + 1)", text: line, reason: reason, until: nil)))
        }
        return ignore
    }

    public static func parse(_ text: String, file: String) throws -> IgnoreFile {
        var ignore = IgnoreFile()
        let name = PathName.name(file)
        for (number, line, reason) in entries(of: text) {
            var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            var until: Date?
            if let at = words.firstIndex(of: "until") {
                guard at + 1 < words.count, let date = Self.date(words[at + 1]) else {
                    throw ConfigError.invalid(
                        file: file, key: "line \(number)", problem: "`until` takes a date (2027-03-01)")
                }
                until = date
                words.removeSubrange(at...(at + 1))
            }
            let source = "\(name):\(number)"
            if words.first == "path" {
                guard words.count == 2 else {
                    throw ConfigError.invalid(file: file, key: "line \(number)", problem: "`path` takes one glob")
                }
                ignore.paths.append(
                    PathPattern(
                        pattern: words[1],
                        entry: SuppressionEntry(source: source, text: "path \(words[1])", reason: reason, until: until))
                )
                continue
            }
            guard words.count == 1, words[0].count >= 16, words[0].count <= 64, words[0].allSatisfy(\.isHexDigit)
            else {
                throw ConfigError.invalid(
                    file: file, key: "line \(number)",
                    problem:
                        "expected a fingerprint (16 to 64 hex digits) or `path GLOB`, then optionally `until DATE` and `# reason`"
                )
            }
            let prefix = words[0].lowercased()
            ignore.fingerprints.append(
                Fingerprint(
                    prefix: prefix,
                    entry: SuppressionEntry(source: source, text: "fingerprint \(prefix)", reason: reason, until: until)
                ))
        }
        return ignore
    }

    /// The non-empty lines of an ignore file (1-based numbers), each split from its `# reason`.
    static func entries(of text: String) -> [(number: Int, line: String, reason: String?)] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            var line = String(raw).trimmingCharacters(in: .whitespacesAndNewlines)
            var reason: String?
            if let hash = line.range(of: "#") {
                let comment = line[hash.upperBound...].trimmingCharacters(in: .whitespaces)
                reason = comment.isEmpty ? nil : comment
                line = String(line[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces)
            }
            return line.isEmpty ? nil : (index + 1, line, reason)
        }
    }

    static func date(_ text: String) -> Date? {
        // The entry holds through the whole of its last day.
        return Timestamp.parseDay(text).map { $0.addingTimeInterval(86_400) }
    }
}

/// An entry of `.linger.yml`'s `allow` list: findings matching all it names are not reported.
///
///     allow:
///       - rules: [generic-password]          # optional: every rule when absent
///         paths: ["docs/**", "*.md"]         # optional: globs
///         secrets: ["^test-[a-z0-9]+$"]      # optional: regular expressions on the secret
///         reason: documentation examples
public struct AllowEntry: Sendable, Equatable {
    public var rules: [String] = []
    public var paths: [String] = []
    public var secrets: [String] = []
    /// Regular expressions on the path (gitleaks allowlists' `paths`), where globs do not say it.
    public var pathPatterns: [String] = []
    /// Words that, found in the secret (any case), mark it as not a secret (gitleaks' `stopwords`).
    public var stopwords: [String] = []
    /// Commits (or prefixes) whose findings are allowed (gitleaks' `commits`).
    public var commits: [String] = []
    public var entry: SuppressionEntry

    static func parse(_ value: Any, file: String) throws -> [AllowEntry] {
        guard let list = value as? [Any] else {
            throw ConfigError.invalid(file: file, key: "allow", problem: "expected a list of entries")
        }
        return try list.enumerated().map { index, item in
            let key = "allow[\(index + 1)]"
            guard let map = item as? [String: Any] else {
                throw ConfigError.invalid(file: file, key: key, problem: "expected a mapping")
            }
            try YAMLKeys.check(
                map, known: ["rules", "paths", "secrets", "path_patterns", "stopwords", "commits", "reason", "until"],
                file: file, at: key)
            var entry = AllowEntry(
                rules: try LingerConfig.strings(map["rules"], file: file, key: "\(key).rules") ?? [],
                paths: try LingerConfig.strings(map["paths"], file: file, key: "\(key).paths") ?? [],
                secrets: try LingerConfig.strings(map["secrets"], file: file, key: "\(key).secrets") ?? [],
                entry: SuppressionEntry(
                    source: ".linger.yml \(key)", text: "", reason: map["reason"] as? String, until: nil))
            entry.pathPatterns = try LingerConfig.strings(map["path_patterns"], file: file, key: "\(key).path_patterns") ?? []
            entry.stopwords = (try LingerConfig.strings(map["stopwords"], file: file, key: "\(key).stopwords") ?? []).map {
                $0.lowercased()
            }
            entry.commits = (try LingerConfig.strings(map["commits"], file: file, key: "\(key).commits") ?? []).map {
                $0.lowercased()
            }
            if let until = map["until"] {
                guard let date = IgnoreFile.date("\(until)") else {
                    throw ConfigError.invalid(file: file, key: "\(key).until", problem: "expected a date (2027-03-01)")
                }
                entry.entry.until = date
            }
            guard
                !(entry.rules.isEmpty && entry.paths.isEmpty && entry.secrets.isEmpty && entry.pathPatterns.isEmpty
                    && entry.stopwords.isEmpty && entry.commits.isEmpty)
            else {
                throw ConfigError.invalid(
                    file: file, key: key,
                    problem:
                        "an entry names rules, paths, secrets, path_patterns, stopwords or commits (else it would allow everything)")
            }
            for (name, patterns) in [("secrets", entry.secrets), ("path_patterns", entry.pathPatterns)] {
                for pattern in patterns where (try? NSRegularExpression(pattern: pattern)) == nil {
                    throw ConfigError.invalid(
                        file: file, key: "\(key).\(name)", problem: "not a regular expression: \(pattern)")
                }
            }
            let parts: [(String, [String])] = [
                ("rules", entry.rules), ("paths", entry.paths), ("secrets", entry.secrets),
                ("path_patterns", entry.pathPatterns), ("stopwords", entry.stopwords), ("commits", entry.commits),
            ]
            entry.entry.text = parts.filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.joined(separator: ","))" }
                .joined(separator: " ")
            return entry
        }
    }
}
