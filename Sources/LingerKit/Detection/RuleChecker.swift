/// A rule example that did not behave as the rule says.
public struct RuleExampleFailure: Sendable, Equatable, CustomStringConvertible {
    public var ruleID: String
    public var source: String
    /// Which example, and in which variant (`as written`, `after a multi-byte prefix`, …).
    public var example: String
    public var problem: String

    public var description: String { "\(source): rule \"\(ruleID)\": \(example): \(problem)" }
}

/// Runs every rule's examples and negative examples through the real matcher, each example again
/// after a multi-byte prefix (offset bugs), with CRLF line endings, and behind `linger:allow`
/// (which must silence it) — so one example tests several paths.
public struct RuleChecker {
    public let rules: CompiledRules

    public init(rules: CompiledRules) { self.rules = rules }

    public func check() throws -> [RuleExampleFailure] {
        let matcher = try Matcher(rules: rules)
        var failures = [RuleExampleFailure]()
        for (index, rule) in rules.ruleSet.rules.enumerated() {
            func fail(_ example: String, _ problem: String) {
                failures.append(
                    RuleExampleFailure(ruleID: rule.id, source: rule.source, example: example, problem: problem))
            }
            func secrets(in text: String) throws -> [String] {
                let bytes = Array(text.utf8)
                return try bytes.withUnsafeBytes { buffer in
                    try matcher.match(buffer, resolvingOverlaps: false).matches.filter { $0.ruleIndex == index }.map {
                        String(decoding: buffer[$0.secretRange], as: UTF8.self)
                    }
                }
            }
            for (number, example) in rule.examples.enumerated() {
                let label = "example #\(number + 1)"
                let variants: [(String, String, String)] = [
                    ("as written", example.input, example.secret),
                    ("after a multi-byte prefix", "é€😀 " + example.input, example.secret),
                    (
                        "with CRLF line endings", example.input.replacingOccurrences(of: "\n", with: "\r\n"),
                        example.secret.replacingOccurrences(of: "\n", with: "\r\n")
                    ),
                ]
                for (variant, input, expected) in variants {
                    let found = try secrets(in: input)
                    if !found.contains(expected) {
                        let got =
                            found.isEmpty ? "no match" : "secrets \(found.map { "\"\($0)\"" }.joined(separator: ", "))"
                        fail("\(label) (\(variant))", "expected secret \"\(expected)\", got \(got)")
                    }
                }
                if let allowed = Self.withAllowComment(example) {
                    if try !secrets(in: allowed).isEmpty {
                        fail("\(label) (behind linger:allow)", "a linger:allow comment on the line did not silence it")
                    }
                }
            }
            for (number, negative) in rule.negativeExamples.enumerated() {
                let found = try secrets(in: negative)
                if !found.isEmpty {
                    fail(
                        "negative example #\(number + 1)",
                        "must not match, but found \(found.map { "\"\($0)\"" }.joined(separator: ", "))")
                }
            }
        }
        return failures
    }

    /// The example with `# linger:allow` at the end of the line where its secret starts.
    static func withAllowComment(_ example: RuleExample) -> String? {
        guard let secretRange = example.input.range(of: example.secret) else { return nil }
        let lineEnd = example.input[secretRange.lowerBound...].firstIndex(of: "\n") ?? example.input.endIndex
        var text = example.input
        text.insert(contentsOf: " # linger:allow", at: lineEnd)
        return text
    }
}
