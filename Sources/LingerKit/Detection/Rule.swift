/// How sure a rule is that what it matched is a real secret.
public enum Confidence: String, Codable, Sendable, Comparable, CaseIterable {
    case low, medium, high

    private var rank: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .high: return 2
        }
    }

    public static func < (lhs: Confidence, rhs: Confidence) -> Bool { lhs.rank < rhs.rank }
}

/// Which capture group holds the secret: a number, a name, or the first of several numbers that took part.
public enum SecretGroup: Sendable, Equatable, CustomStringConvertible {
    case number(Int)
    case name(String)
    case firstOf([Int])

    public var description: String {
        switch self {
        case .number(let number): return String(number)
        case .name(let name): return name
        case .firstOf(let numbers): return numbers.map(String.init).joined(separator: ", ")
        }
    }
}

/// One example a rule must match, with the secret it must extract.
public struct RuleExample: Sendable, Equatable {
    public var input: String
    public var secret: String
}

/// A rule's candidates taken from the runs of base64 characters (`EncodedContent.candidates`)
/// instead of vectorscan: every match of the rule's pattern holds the last character of a
/// maximal run of at least `minimumLength` base64 characters (either alphabet) and, when
/// `followedBy` is set, the byte after it, which must be that byte. The candidate ends after
/// that byte (or the run): confirmation looks back from there by the pattern's width.
public struct PrefilterRun: Sendable, Equatable {
    public var minimumLength: Int
    public var followedBy: UInt8?

    public init(minimumLength: Int, followedBy: UInt8?) {
        self.minimumLength = minimumLength
        self.followedBy = followedBy
    }

    /// The shortest run `EncodedContent.candidates` traces, and the longest this may ask for.
    static let lengths = EncodedContent.minimumBase64Length...4096

    /// Why a pattern of this maximum width (nil: unbounded) cannot take its candidates from runs,
    /// or nil: confirmation reads `Matcher.lookahead` bytes past a candidate's end, and a match
    /// may reach as far past the run as the pattern is wide.
    static func widthProblem(_ width: Int?) -> String? {
        guard let width, width <= Matcher.lookahead else {
            return "a rule with `prefilter_run` needs a pattern at most \(Matcher.lookahead) bytes wide (this one's width is \(width.map(String.init) ?? "unbounded"))"
        }
        return nil
    }

    /// As written in a rule file and in the database cache's key.
    var description: String {
        "min_length \(minimumLength)" + (followedBy.map { ", followed_by \(String(UnicodeScalar($0)))" } ?? "")
    }
}

/// A detection rule: data loaded from `Rules/*.yml`, with its own examples.
public struct Rule: Sendable {
    public var id: String
    public var name: String
    /// Rules of one family fingerprint the same secret alike (defaults to the id).
    public var family: String
    public var description: String?
    /// PCRE syntax; vectorscan prefilters it, PCRE2 confirms it.
    public var pattern: String
    public var secretGroup: SecretGroup?
    /// At least one of these occurs (case-insensitively) in every match.
    public var keywords: [String]
    /// Minimum Shannon entropy of the secret, in bits per byte.
    public var minEntropy: Double
    public var confidence: Confidence
    /// A structural check the secret must pass (see `Checksum`).
    public var checksum: Checksum?
    /// Precision filters applied to the secret (see `SecretFilter`).
    public var filters: [SecretFilter]
    /// OWASP Non-Human Identity Top 10 ids (NHI1 … NHI10).
    public var tags: [String]
    public var references: [String]
    /// Longest match this rule can have, in bytes: bounds how far back confirmation looks.
    public var maxMatchLength: Int?
    /// What vectorscan searches for instead of `pattern`, when `pattern` has no literal for it to
    /// anchor on (`prefilter:`). Every match of `pattern` must contain a match of it that ends at
    /// most `Matcher.lookahead` bytes before the match ends: confirmation then runs `pattern`
    /// from the rule's look-back before that end to the look-ahead after it.
    public var prefilter: String? = nil
    /// Instead of a vectorscan search, the run of base64 characters every match holds the end of
    /// (`prefilter_run:`): for a pattern of character classes alone, whose automaton would run
    /// over every byte, while the runs are traced anyway for encoded content.
    public var prefilterRun: PrefilterRun? = nil
    public var examples: [RuleExample]
    public var negativeExamples: [String]
    /// The file the rule came from (`Rules/github.yml`, or `<built-in>/github.yml`).
    public var source: String
    /// How to ask the provider whether the secret still works, when the rule says.
    public var validation: Validation? = nil
    /// How to revoke the secret at its provider, where the provider offers a public endpoint for
    /// it (`linger revoke`; never automatic). Its `live` matcher is the answer that confirms it.
    public var revocation: Validation? = nil
    /// The provider's page for rotating or revoking this kind of secret (https).
    public var rotation: String? = nil
    /// Other scanners' ids for what this rule finds, as `tool:id` (`gitleaks:aws-access-token`):
    /// allow lists and SLAs may name the rule by them, and reports can show them (`--rule-ids`).
    public var aliases: [String] = []
    /// Findings count only in files whose path (from the scanned folder or repository's top)
    /// this regular expression matches (`path_pattern:`; gitleaks' `path`).
    public var pathPattern: String? = nil
    /// Findings count only in inputs where this regular expression (PCRE2) matches somewhere
    /// (`content_pattern:`): what makes a value a secret is said elsewhere in the file, as
    /// `kind: Secret` is for a manifest's `data:` values; in a stream of YAML documents, in the
    /// match's own document (`YAMLDocuments`).
    public var contentPattern: String? = nil
    /// The file a rule was imported from (`linger rules import`); such a rule may lack examples.
    public var importedFrom: String? = nil
    /// The analyser that looks deeper at this rule's findings (`analyzer:` in the rule file).
    public var analyzer: SecretAnalyzerKind? = nil
}

extension Rule {
    /// This rule's id as `tool` names it (its alias for that tool), or its own id.
    public func id(as tool: String) -> String {
        aliases.first { $0.hasPrefix(tool + ":") }.map { String($0.dropFirst(tool.count + 1)) } ?? id
    }
}
