import Foundation

/// A gitleaks (or Betterleaks) TOML configuration translated into Linger's terms: a rule file for
/// its custom rules and `.linger.yml` allow entries for its allowlists. Whatever cannot be
/// translated is listed in `notes`, with the reason; nothing is dropped silently.
public struct GitleaksImport: Sendable {
    /// Linger rule file text (`rules:`), to pass with `--rules`; empty when there are no custom rules.
    public var ruleFile = ""
    /// `.linger.yml` text with the `allow:` entries; empty when there are none.
    public var configFile = ""
    /// Ids of the rules written.
    public var imported: [String] = []
    /// Allow entries written.
    public var allowEntries = 0
    /// What was not translated, or translated differently, one line each.
    public var notes: [String] = []
    /// Whether the configuration extends gitleaks' default rules (`[extend] useDefault = true`):
    /// Linger's built-in rules stand for them; otherwise only the imported rules should run.
    public var extendsDefault = false

    public struct Failure: Error, CustomStringConvertible {
        public var file: String
        public var problem: String
        public var description: String { "\(file): \(problem)" }
    }

    /// Translates `text`, the TOML in `file`. `builtIn` are the rules imported ids must not clash with.
    public static func translate(toml text: String, file: String, builtIn: RuleSet) throws -> GitleaksImport {
        let document: [String: Any]
        do {
            document = try TOMLDocument.parse(text)
        } catch {
            throw Failure(file: file, problem: "not valid TOML: \(error)")
        }
        var result = GitleaksImport()
        let name = PathName.name(file)
        if document["title"] != nil { result.notes.append("`title`: Linger rule files have no title; not kept") }
        for key in document.keys.sorted() where !["title", "rules", "allowlist", "allowlists", "extend", "minVersion"].contains(key) {
            result.notes.append("`\(key)`: not a gitleaks setting Linger knows; ignored")
        }
        var allow: [String] = []
        if let extend = document["extend"] as? [String: Any] {
            result.extendsDefault = extend["useDefault"] as? Bool ?? false
            if let path = extend["path"] as? String {
                result.notes.append(
                    "[extend] path = \"\(path)\": import that file too (`linger rules import \(path)`); it was not read")
            }
            let disabled = (extend["disabledRules"] as? [Any] ?? []).compactMap { $0 as? String }
            if !disabled.isEmpty {
                allow.append(
                    entry(
                        ["rules": disabled],
                        reason: "disabled in \(name) ([extend] disabledRules)"))
                result.allowEntries += 1
            }
        }
        var rules: [String] = []
        let existing = Set(builtIn.rules.map(\.id))
        var used = Set<String>()
        for (index, value) in (document["rules"] as? [Any] ?? []).enumerated() {
            guard let table = value as? [String: Any] else {
                result.notes.append("rules[\(index + 1)]: not a table; skipped")
                continue
            }
            let gitleaksID = table["id"] as? String ?? "rule-\(index + 1)"
            guard let regex = table["regex"] as? String, !regex.isEmpty else {
                let why =
                    table["path"] != nil
                    ? "matches file paths only (a `path` and no `regex`); Linger reports secrets, not files — use an allow or ignore entry, or a pre-commit file check"
                    : "has no `regex`"
                result.notes.append("rule \(gitleaksID): not imported: it \(why)")
                continue
            }
            var id = Self.linger(id: gitleaksID)
            if existing.contains(id) || used.contains(id) {
                let renamed = "custom-" + id
                result.notes.append(
                    "rule \(gitleaksID): a built-in Linger rule has this id; imported as \(renamed) (run with --only-rules to use only the imported rules, as a gitleaks config that overrides a default rule does)"
                )
                id = renamed
            }
            var fields: [(String, String)] = [
                ("id", id),
                ("name", quoted(table["description"] as? String ?? gitleaksID)),
                ("family", id),
                ("description", quoted("Imported from \(name) (gitleaks rule \(gitleaksID)).")),
                ("pattern", quoted(regex)),
            ]
            if let value = table["secretGroup"], !((value as? Int).map { $0 >= 0 } ?? false) {
                result.notes.append("rule \(gitleaksID): not imported: `secretGroup` must be a group number, not \(value)")
                continue
            }
            if let value = table["entropy"], !(value is Double || value is Int) {
                result.notes.append("rule \(gitleaksID): not imported: `entropy` must be a number, not \(value)")
                continue
            }
            if let group = table["secretGroup"] as? Int, group > 0 {
                fields.append(("secret_group", String(group)))
            } else if let count = try? PCRE2Pattern(regex, jit: false).captureCount, count > 0 {
                // gitleaks takes the first capture group that matched something.
                fields.append(("secret_group", "[" + (1...min(count, 9)).map(String.init).joined(separator: ", ") + "]"))
            }
            let keywords = (table["keywords"] as? [Any] ?? []).compactMap { $0 as? String }
            if !keywords.isEmpty { fields.append(("keywords", "[" + keywords.map(quoted).joined(separator: ", ") + "]")) }
            if let entropy = (table["entropy"] as? Double) ?? (table["entropy"] as? Int).map(Double.init) {
                fields.append(("min_entropy", String(min(8, max(0, entropy)))))
            }
            fields.append(("confidence", "medium"))
            fields.append(("tags", "[NHI2]"))
            fields.append(("aliases", "[" + quoted("gitleaks:" + gitleaksID.lowercased()) + "]"))
            if let path = table["path"] as? String { fields.append(("path_pattern", quoted(path))) }
            fields.append(("imported_from", quoted(name)))
            // The TOML's own test strings, where a team keeps them beside the rule.
            let examples = ((table["examples"] ?? table["tests"]) as? [Any] ?? []).compactMap { $0 as? String }
            let negatives = ((table["negative_examples"] ?? table["negatives"]) as? [Any] ?? []).compactMap { $0 as? String }
            var ruleText = "  - " + fields.map { "\($0.0): \($0.1)" }.joined(separator: "\n    ") + "\n"
            if !negatives.isEmpty {
                ruleText += "    negative_examples: [" + negatives.map(quoted).joined(separator: ", ") + "]\n"
            }
            for tag in table.keys.sorted() where !Self.ruleKeys.contains(tag) {
                result.notes.append("rule \(gitleaksID): `\(tag)` has no Linger counterpart; ignored")
            }
            if table["tags"] != nil {
                result.notes.append("rule \(gitleaksID): `tags` are free text in gitleaks; Linger tags name OWASP NHI risks, so it is tagged NHI2")
            }
            // Check the translation loads, and take each example's secret from the rule itself.
            do {
                let parsed = try RuleFileParser.parse("rules:\n" + ruleText, file: name, validatePatterns: true)
                if !examples.isEmpty, let rule = parsed.first {
                    let compiled = try CompiledRules(ruleSet: RuleSet(rules: [rule]), cache: nil)
                    let scanner = SecretScanner(rules: compiled, options: ScanOptions(), fingerprintKey: .standard)
                    var lines: [String] = []
                    for example in examples {
                        let found = try scanner.scan(bytes: Array(example.utf8), name: "example")
                        if let secret = found.findings.first?.secret {
                            lines.append("      - input: \(quoted(example))\n        secret: \(quoted(secret))")
                        } else {
                            result.notes.append("rule \(gitleaksID): example \(quoted(example)) does not match; left out")
                        }
                    }
                    if !lines.isEmpty { ruleText += "    examples:\n" + lines.joined(separator: "\n") + "\n" }
                }
                if examples.isEmpty {
                    result.notes.append("rule \(gitleaksID): no test strings in the TOML; imported without examples")
                }
            } catch {
                result.notes.append("rule \(gitleaksID): not imported: \(error)")
                continue
            }
            used.insert(id)
            rules.append(ruleText)
            result.imported.append(id)
            for list in allowlists(table, keyed: "allowlist") {
                let entries = translate(allowlist: list, rules: [id], label: "rule \(gitleaksID)", file: name, notes: &result.notes)
                allow += entries
                result.allowEntries += entries.count
            }
        }
        for list in allowlists(document, keyed: "allowlist") {
            let targets = (list["targetRules"] as? [Any] ?? []).compactMap { $0 as? String }
            let entries = translate(
                allowlist: list, rules: targets, label: "global allowlist", file: name, notes: &result.notes)
            allow += entries
            result.allowEntries += entries.count
        }
        if !rules.isEmpty {
            result.ruleFile = "# Imported from \(name) by `linger rules import`.\nrules:\n" + rules.joined()
        }
        if !allow.isEmpty {
            result.configFile = "# Imported from \(name) by `linger rules import`.\nallow:\n" + allow.joined()
        }
        return result
    }

    static let ruleKeys: Set<String> = [
        "id", "description", "regex", "secretGroup", "entropy", "keywords", "path", "tags", "allowlist", "allowlists",
        "examples", "tests", "negative_examples", "negatives",
    ]

    /// A gitleaks id as a Linger id: lower case, letters, digits, dots and dashes.
    static func linger(id: String) -> String {
        var out = String(id.lowercased().map { $0.isLetter && $0.isASCII || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "-" })
        while out.hasPrefix("-") || out.hasPrefix(".") { out.removeFirst() }
        return out.isEmpty ? "imported-rule" : out
    }

    /// The allowlists a table holds: the single `[allowlist]` (older gitleaks) and every `[[allowlists]]`.
    static func allowlists(_ table: [String: Any], keyed key: String) -> [[String: Any]] {
        var lists: [[String: Any]] = []
        if let single = table[key] as? [String: Any] { lists.append(single) }
        lists += (table[key + "s"] as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        return lists
    }

    /// One gitleaks allowlist as Linger allow entries. gitleaks allows a finding when any of the
    /// list's criteria holds (`condition = "OR"`, its default) or all of them (`"AND"`); a Linger
    /// entry needs all of its fields, so an OR list becomes one entry per criterion.
    static func translate(
        allowlist: [String: Any], rules: [String], label: String, file: String, notes: inout [String]
    ) -> [String] {
        func strings(_ key: String) -> [String] { (allowlist[key] as? [Any] ?? []).compactMap { $0 as? String } }
        let reason = "gitleaks allowlist (\(label))" + ((allowlist["description"] as? String).map { ": \($0)" } ?? "")
        let isAnd = (allowlist["condition"] as? String)?.uppercased() == "AND"
        var criteria: [(String, [String])] = []
        if !strings("paths").isEmpty { criteria.append(("path_patterns", strings("paths"))) }
        if !strings("commits").isEmpty { criteria.append(("commits", strings("commits"))) }
        if !strings("stopwords").isEmpty { criteria.append(("stopwords", strings("stopwords"))) }
        if !strings("regexes").isEmpty {
            let target = (allowlist["regexTarget"] as? String ?? "secret").lowercased()
            if target == "secret" {
                criteria.append(("secrets", strings("regexes")))
            } else if isAnd {
                // Keeping the rest of an AND list would allow more than gitleaks does.
                notes.append(
                    "\(label): not imported: its regexes match the whole \(target) (regexTarget = \"\(target)\"), which Linger allow entries cannot test, and the list's criteria must all hold (condition = \"AND\")"
                )
                return []
            } else {
                notes.append(
                    "\(label): regexes with regexTarget = \"\(target)\" are not imported: Linger allow entries match the secret (`secrets:`) or the path, not the whole \(target)"
                )
            }
        }
        for key in allowlist.keys.sorted()
        where !["description", "condition", "paths", "commits", "stopwords", "regexes", "regexTarget", "targetRules"]
            .contains(key)
        {
            notes.append("\(label): `\(key)` has no Linger counterpart; ignored")
        }
        guard !criteria.isEmpty else {
            notes.append("\(label): no criterion Linger can apply; not imported")
            return []
        }
        let base: [String: [String]] = rules.isEmpty ? [:] : ["rules": rules]
        if isAnd {
            var fields = base
            for (key, values) in criteria { fields[key] = values }
            return [entry(fields, reason: reason)]
        }
        return criteria.map { key, values in
            var fields = base
            fields[key] = values
            return entry(fields, reason: reason)
        }
    }

    static func entry(_ fields: [String: [String]], reason: String) -> String {
        let order = ["rules", "paths", "path_patterns", "secrets", "stopwords", "commits"]
        let lines = order.compactMap { key in
            fields[key].map { "\(key): [" + $0.map(quoted).joined(separator: ", ") + "]" }
        }
        return "  - " + (lines + ["reason: \(quoted(reason))"]).joined(separator: "\n    ") + "\n"
    }

    /// A YAML single-quoted scalar (nothing is an escape inside, a quote is doubled), or a
    /// double-quoted one with escapes when the text holds control characters.
    static func quoted(_ text: String) -> String {
        let plain = text.replacingOccurrences(of: "\n", with: " ")
        if plain.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || ($0.value >= 0x80 && $0.value < 0xA0) }) {
            var out = "\""
            for scalar in plain.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0) {
                        out += String(format: "\\x%02X", scalar.value)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
        return "'" + plain.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
