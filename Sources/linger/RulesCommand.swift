import ArgumentParser
import Foundation
import LingerKit

struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the rule catalogue, check every rule against its examples, or import a gitleaks config.",
        subcommands: [List.self, Check.self, Import.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Translate a gitleaks (or Betterleaks) TOML config into Linger rules and allow entries.",
            discussion: """
                Writes DIR/rules.yml (the custom rules: id, regex, secretGroup, entropy, keywords, \
                path) and DIR/linger.yml (allow entries from the per-rule and global allowlists, \
                and [extend] disabledRules), then lists everything it could not translate, and \
                why. Rule ids in allowlists may stay gitleaks' own: built-in rules carry them as \
                aliases. Use the result with `linger scan --rules DIR/rules.yml --config \
                DIR/linger.yml` (add --only-rules instead of --rules when the config does not \
                extend gitleaks' default rules), or merge linger.yml into .linger.yml.

                Exit codes: 0 written (notes or not); 2 the file cannot be read or is not TOML.
                """)

        @Argument(help: ArgumentHelp("The gitleaks config (.gitleaks.toml).", valueName: "file"))
        var file: String

        @Option(name: .customLong("to"), help: ArgumentHelp("The folder to write into.", valueName: "dir"))
        var directory = "linger-import"

        func run() throws {
            let outcome: GitleaksImport
            do {
                guard let data = FileManager.default.contents(atPath: file) else {
                    fail("\(file): no such file, or not readable")
                }
                outcome = try GitleaksImport.translate(
                    toml: String(decoding: data, as: UTF8.self), file: file, builtIn: try RuleSet(rules: RuleSet.builtIn()))
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                if !outcome.ruleFile.isEmpty {
                    try FileHandleOutput.writeFile(Data(outcome.ruleFile.utf8), to: directory + "/rules.yml")
                }
                if !outcome.configFile.isEmpty {
                    try FileHandleOutput.writeFile(Data(outcome.configFile.utf8), to: directory + "/linger.yml")
                }
            } catch {
                fail(String(describing: error))
            }
            var out = "Imported \(HygieneTextReport.plural(outcome.imported.count, "rule")) into \(directory)/rules.yml"
            out += " and \(HygieneTextReport.plural(outcome.allowEntries, "allow entry", plural: "allow entries")) into \(directory)/linger.yml.\n"
            for note in outcome.notes { out += "  note: \(note)\n" }
            let rulesFlag = outcome.extendsDefault ? "--rules" : "--only-rules"
            var use = "linger scan"
            if !outcome.ruleFile.isEmpty { use += " \(rulesFlag) \(directory)/rules.yml" }
            if !outcome.configFile.isEmpty { use += " --config \(directory)/linger.yml" }
            out += "Use: \(use) .\n"
            if !outcome.extendsDefault && !outcome.ruleFile.isEmpty {
                out += "(The config does not extend gitleaks' default rules, so only the imported rules run; drop --only-rules for --rules to add Linger's built-in rules.)\n"
            }
            FileHandleOutput.standardOutput.write(TerminalText.neutralise(out))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the rules: id, confidence, tags and name.")
        @OptionGroup var ruleOptions: RuleOptions
        @Option(help: "Output format: text or json.") var format: ListFormat = .text

        enum ListFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

        func run() throws {
            let rules: [Rule]
            if ruleOptions.extraRules.isEmpty && ruleOptions.onlyRules.isEmpty {
                do {
                    rules = try RuleSet.assemble(extra: [], replacement: []).rules
                } catch {
                    fail(String(describing: error))
                }
            } else {
                // A rule file's patterns are checked with vectorscan when their database is
                // compiled (or read from the cache, compiled from the same patterns before).
                rules = ruleOptions.compiledRules().ruleSet.rules
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
            commandName: "check",
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
            for failure in failures { FileHandleOutput.standardError.write(TerminalText.neutralise("\(failure)") + "\n") }
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
