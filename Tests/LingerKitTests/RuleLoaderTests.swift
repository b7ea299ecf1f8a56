import Testing
import Foundation

@testable import LingerKit

@Suite struct RuleLoaderTests {
    let valid = """
        rules:
          - id: demo-token
            name: Demo token
            pattern: '(dmo_[a-z0-9]{10})'
            confidence: medium
            tags: [NHI2]
            examples:
              - input: 'key = dmo_k2j4h5g6f7'
                secret: dmo_k2j4h5g6f7
            negative_examples: ['dmo_short', 'nothing']
        """

    /// The built-in rules are loaded without pattern checks at start-up (a hook should not pay
    /// for them): here every file in Rules/ is loaded with them, as a user's rule file is.
    @Test func everyRuleFileInTheRepositoryPassesThePatternChecks() throws {
        let folder = Fixtures.packageRoot + "/Rules"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yml") }
        #expect(names.count >= 20)
        var count = 0
        for name in names {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            count += try RuleFileParser.parse(text, file: "Rules/" + name, validatePatterns: true).count
        }
        #expect(count == (try RuleSet.builtIn()).count)
    }

    /// A live check's host is fixed in the rule: not a template, no user part, https only.
    @Test func aValidationURLMustNameAFixedHost() {
        func problem(_ url: String) -> String? {
            let yaml = valid.replacingOccurrences(
                of: "    confidence: medium\n",
                with: "    confidence: medium\n    validation: {provider: demo, url: '\(url)', live: {status: [200]}, inactive: {status: [401]}}\n")
            return error(for: yaml)
        }
        #expect(problem("https://api.demo.invalid/v1/check?key={{secret}}") == nil)
        #expect(problem("https://api.demo.invalid:8443/{{id}}") == nil)
        #expect(problem("https://{{id}}.demo.invalid/v1")?.contains("host must be fixed, not a template") == true)
        #expect(problem("https://{{secret}}@api.demo.invalid/")?.contains("https:// URL with a fixed host") == true)
        #expect(problem("http://api.demo.invalid/")?.contains("https:// URL with a fixed host") == true)
        #expect(problem("https:///path")?.contains("https:// URL with a fixed host") == true)
        #expect(problem("https://user@api.demo.invalid/")?.contains("https:// URL with a fixed host") == true)
    }

    /// A scan reads the built-in rules without their examples (embedded apart): the same rules,
    /// field for field, less the examples; with them, every rule has both kinds.
    @Test func builtInRulesWithoutExamplesAreTheSameRules() throws {
        let full = try RuleSet.builtIn()
        let lean = try RuleSet.builtIn(withExamples: false)
        #expect(full.count == lean.count && full.count >= 300)
        for (a, b) in zip(full, lean) {
            #expect(a.id == b.id && a.pattern == b.pattern && a.secretGroup == b.secretGroup && a.keywords == b.keywords)
            #expect(a.filters == b.filters && a.checksum == b.checksum && (a.validation != nil) == (b.validation != nil))
            #expect(a.pathPattern == b.pathPattern && a.contentPattern == b.contentPattern && a.confidence == b.confidence)
            #expect(a.prefilter == b.prefilter && a.prefilterRun == b.prefilterRun)
            #expect(!a.examples.isEmpty && !a.negativeExamples.isEmpty, "\(a.id)")
            #expect(b.examples.isEmpty && b.negativeExamples.isEmpty)
        }
    }

    /// `prefilter_run`: a run length the encoded-content search traces, at most one byte after
    /// it that ends a run, no `prefilter` beside it, a pattern that keeps to one line and fits
    /// the look-ahead (vectorscan's width, when patterns are checked).
    @Test func aPrefilterRunIsChecked() {
        func problem(_ run: String, pattern: String = "([MNO][A-Za-z0-9]{23,25}\\.[A-Za-z0-9]{6})", extra: String = "") -> String? {
            error(for: valid.replacingOccurrences(
                of: "    pattern: '(dmo_[a-z0-9]{10})'\n",
                with: "    pattern: '\(pattern)'\n    prefilter_run: \(run)\n\(extra)"))
        }
        #expect(problem("{min_length: 24, followed_by: '.'}") == nil)
        #expect(problem("{min_length: 20}") == nil)
        for bad in [
            "{min_length: 19}", "{min_length: 5000}", "{min_length: 24, followed_by: 'a'}",
            "{min_length: 24, followed_by: '/'}", "{min_length: 24, followed_by: '..'}",
            "{min_length: 24, followed_by: ' '}", "{min_length: 24, other: 1}", "24", "{followed_by: '.'}",
        ] {
            #expect(problem(bad)?.contains("`prefilter_run` must be a mapping with `min_length`") == true, "\(bad)")
        }
        #expect(problem("{min_length: 24}", extra: "    prefilter: 'x'\n")?.contains("cannot both be given") == true)
        #expect(problem("{min_length: 24}", pattern: "(key\\s+[A-Za-z0-9]{24})")?.contains("must not match a line break") == true)
        #expect(problem("{min_length: 24}", pattern: "([A-Za-z0-9]{24}\\.[a-z]+)")?.contains("at most 256 bytes wide") == true)
        #expect(problem("{min_length: 24}", pattern: "([A-Za-z0-9]{24}\\.[a-z]{300})")?.contains("at most 256 bytes wide") == true)
    }

    func error(for yaml: String) -> String? {
        do {
            _ = try RuleFileParser.parse(yaml, file: "Rules/demo.yml", validatePatterns: true)
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test func validFileLoadsWithDefaults() throws {
        let rules = try RuleFileParser.parse(valid, file: "Rules/demo.yml", validatePatterns: true)
        #expect(rules.count == 1)
        #expect(rules[0].family == "demo-token")
        #expect(rules[0].filters == SecretFilter.defaults)
        #expect(rules[0].confidence == .medium)
        #expect(rules[0].examples == [RuleExample(input: "key = dmo_k2j4h5g6f7", secret: "dmo_k2j4h5g6f7")])
    }

    @Test func brokenPatternNamesFileRuleAndOffset() {
        let yaml = valid.replacingOccurrences(of: "'(dmo_[a-z0-9]{10})'", with: "'(dmo_[a-z0-9]{10}'")
        #expect(
            error(for: yaml)
                == "Rules/demo.yml: rule \"demo-token\": pattern does not compile at offset 17: missing closing parenthesis"
        )
    }

    @Test func unknownKeyIsRejected() {
        let yaml = valid.replacingOccurrences(of: "    confidence: medium", with: "    confidance: medium")
        #expect(error(for: yaml)?.hasPrefix("Rules/demo.yml: rule \"demo-token\": unknown key `confidance`") == true)
    }

    @Test func badConfidenceAndTagsAreRejected() {
        #expect(
            error(for: valid.replacingOccurrences(of: "medium", with: "certain"))
                == "Rules/demo.yml: rule \"demo-token\": `confidence` must be low, medium or high, not \"certain\"")
        #expect(
            error(for: valid.replacingOccurrences(of: "[NHI2]", with: "[NHI11]"))
                == "Rules/demo.yml: rule \"demo-token\": tag \"NHI11\" is not an OWASP NHI Top 10 id (NHI1 … NHI10)")
    }

    @Test func missingSecretGroupIsRejected() {
        let yaml = valid.replacingOccurrences(
            of: "    confidence: medium", with: "    secret_group: 3\n    confidence: medium")
        #expect(
            error(for: yaml)
                == "Rules/demo.yml: rule \"demo-token\": `secret_group` 3 does not exist: the pattern has 1 groups")
    }

    @Test func rulesWithoutExamplesAreRejected() {
        let yaml = """
            rules:
              - id: bare
                name: Bare
                pattern: 'x'
                confidence: low
                tags: [NHI2]
                negative_examples: ['y']
            """
        #expect(
            error(for: yaml)
                == "Rules/demo.yml: rule \"bare\": needs at least one entry in `examples` (input and expected secret)")
    }

    @Test func malformedYAMLNamesTheFile() {
        let message = error(for: "rules:\n  - id: x\n   name: y\n")
        #expect(message?.hasPrefix("Rules/demo.yml: not valid YAML:") == true)
        #expect(
            error(for: "just text")
                == "Rules/demo.yml: not valid YAML: expected a mapping with a `rules:` list at the top")
    }

    @Test func duplicateIDsAcrossFilesAreRejected() throws {
        let first = try RuleFileParser.parse(valid, file: "a.yml", validatePatterns: false)
        let second = try RuleFileParser.parse(valid, file: "b.yml", validatePatterns: false)
        #expect(throws: RuleError.duplicateID(id: "demo-token", file: "b.yml", firstFile: "a.yml")) {
            try RuleSet(rules: first + second)
        }
    }

    @Test func directoryLoadingAddsToBuiltInsOrReplacesThem() throws {
        let directory = try TemporaryDirectory()
        try directory.write("demo.yml", valid)
        try directory.write("notes.txt", "not a rule file")
        let added = try RuleSet.assemble(extra: [directory.path])
        let builtInCount = try RuleSet.builtIn().count
        #expect(added.rules.count == builtInCount + 1)
        let replaced = try RuleSet.assemble(replacement: [directory.path])
        #expect(replaced.rules.map(\.id) == ["demo-token"])
        let empty = try TemporaryDirectory()
        #expect(throws: RuleError.noRuleFiles(directory: empty.path)) { try RuleSet.load(directory: empty.path) }
    }

    /// The embedded rule files are read with PlainJSON (plain Swift values, no bridging): it must
    /// give what Foundation's reader gives for every one of them, and refuse malformed text.
    @Test func plainJSONReadsTheEmbeddedRulesAsFoundationDoes() throws {
        var files = 0
        for (name, text) in EmbeddedRules.json {
            let bytes = text.withUTF8Buffer { Array($0) }
            let plain = try PlainJSON.parse(bytes)
            let foundation = try JSONSerialization.jsonObject(with: Data(bytes))
            if name.hasSuffix(".examples.json") {
                #expect(NSArray(array: try #require(plain as? [Any])).isEqual(foundation), "\(name)")
            } else {
                #expect(NSDictionary(dictionary: try #require(plain as? [String: Any])).isEqual(foundation), "\(name)")
            }
            files += 1
        }
        #expect(files > 20)
        let escaped = try PlainJSON.parse(Array(#"{"a":["x\"\\\/\n\u00e9\ud83d\ude00",1,-2.5e1,true,false,null]}"#.utf8))
        let list = try #require((escaped as? [String: Any])?["a"] as? [Any])
        #expect(list[0] as? String == "x\"\\/\n\u{e9}\u{1F600}")
        #expect(list[1] as? Int == 1)
        #expect(list[2] as? Double == -25)
        #expect(list[3] as? Bool == true && list[4] as? Bool == false)
        #expect(list[5] as? PlainJSON.Null == PlainJSON.null)
        for bad in [#"{"a":1"#, #"{"a" 1}"#, #"["a",]x"#, #""\ud800""#, "\"a\u{1}\"", #"{"a":tru}"#, "", #"[1] 2"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600)]
        {
            #expect(throws: PlainJSON.Malformed.self, "\(bad.prefix(20))") { try PlainJSON.parse(Array(bad.utf8)) }
        }
    }
}
