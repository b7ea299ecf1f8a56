import Testing

@testable import LingerKit

/// Every built-in rule proves itself with its own examples, as `linger rules check` does.
@Suite struct RuleExamplesTests {
    @Test func everyBuiltInRulePassesItsExamplesAndNegativeExamples() throws {
        let failures = try RuleChecker(rules: Fixtures.builtInRules).check()
        #expect(failures.isEmpty, "\(failures.map(\.description).joined(separator: "\n"))")
    }

    @Test func catalogueHasAtLeast150RulesEachWithTwoExamplesTwoNegativesAndTags() throws {
        let rules = Fixtures.builtInRules.ruleSet.rules
        #expect(rules.count >= 150)
        for rule in rules {
            #expect(rule.examples.count >= 2, "\(rule.id) needs two examples")
            #expect(rule.negativeExamples.count >= 2, "\(rule.id) needs two negative examples")
            #expect(!rule.tags.isEmpty, "\(rule.id) has no tags")
        }
    }

    @Test func everyBuiltInPatternCompilesInBothEngines() throws {
        for rule in Fixtures.builtInRules.ruleSet.rules {
            try RuleFileParser.validatePattern(of: rule) {
                RuleError.invalidRule(file: rule.source, rule: rule.id, problem: $0)
            }
        }
    }

    @Test func checkerReportsAFailingExampleByRuleAndExample() throws {
        let yaml = """
            rules:
              - id: demo-token
                name: Demo token
                pattern: 'dmo_([a-z0-9]{10})'
                confidence: low
                tags: [NHI2]
                examples:
                  - input: 'key = dmo_abc'
                    secret: dmo_abc
                negative_examples:
                  - 'dmo_k2j4h5g6f7'
                  - 'nothing here'
            """
        let rules = try RuleFileParser.parse(yaml, file: "demo.yml", validatePatterns: true)
        let compiled = try CompiledRules(ruleSet: RuleSet(rules: rules), cache: nil)
        let failures = try RuleChecker(rules: compiled).check()
        #expect(
            failures.map(\.example) == [
                "example #1 (as written)", "example #1 (after a multi-byte prefix)",
                "example #1 (with CRLF line endings)",
                "negative example #1",
            ])
        #expect(
            failures[0].description
                == "demo.yml: rule \"demo-token\": example #1 (as written): expected secret \"dmo_abc\", got no match")
        #expect(failures[3].problem == "must not match, but found \"k2j4h5g6f7\"")
    }
}
