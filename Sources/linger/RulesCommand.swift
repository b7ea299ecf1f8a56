import ArgumentParser
import Foundation
import LingerKit

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules", abstract: "List the rule catalogue, or check every rule against its examples.",
        subcommands: [List.self, Check.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules: id, confidence, tags and name.")
        @OptionGroup var ruleOptions: RuleOptions
        @Option(help: "Output format: text or json.") var format: ListFormat = .text

        enum ListFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() throws {
            let rules: [Rule]
            do {
                rules = try RuleSet.assemble(extra: ruleOptions.extraRules, replacement: ruleOptions.onlyRules).rules
            } catch {
                fail(String(describing: error))
            }
            switch format {
            case .text:
                let width = rules.map(\.id.count).max() ?? 0
                for rule in rules {
                    let id = rule.id.padding(toLength: width, withPad: " ", startingAt: 0)
                    let confidence = rule.confidence.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
                    print(
                        "\(id)  \(confidence)  \(rule.tags.joined(separator: ",").padding(toLength: 9, withPad: " ", startingAt: 0))  \(rule.name)"
                    )
                }
                print("\(rules.count) rules")
            case .json:
                struct Entry: Encodable {
                    var id, name, confidence, source: String
                    var tags, keywords: [String]
                    var checksum: String?
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let entries = rules.map {
                    Entry(
                        id: $0.id, name: $0.name, confidence: $0.confidence.rawValue, source: $0.source, tags: $0.tags,
                        keywords: $0.keywords, checksum: $0.checksum?.rawValue)
                }
                FileHandleOutput.standardOutput.write(try encoder.encode(entries))
                print()
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every rule's examples and negative examples; exit 1 if any fails.",
            discussion:
                "Each example is also tried after a multi-byte prefix, with CRLF line endings, and behind a linger:allow comment (which must silence it)."
        )
        @OptionGroup var ruleOptions: RuleOptions

        func run() throws {
            let rules = ruleOptions.compiledRules()
            let failures: [RuleExampleFailure]
            do {
                failures = try RuleChecker(rules: rules).check()
            } catch {
                fail(String(describing: error))
            }
            for failure in failures { FileHandleOutput.standardError.write("\(failure)\n") }
            let count = rules.ruleSet.rules.count
            let examples = rules.ruleSet.rules.reduce(0) { $0 + $1.examples.count + $1.negativeExamples.count }
            if failures.isEmpty {
                print("\(count) rules, \(examples) examples: all pass")
            } else {
                print(
                    "\(count) rules, \(examples) examples: \(failures.count) failure\(failures.count == 1 ? "" : "s")")
                throw ExitCode(ExitStatus.findings)
            }
        }
    }
}
