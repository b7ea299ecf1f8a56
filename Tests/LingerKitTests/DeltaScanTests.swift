import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// Delta-aware history sweeps must report exactly what scanning every blob whole reports: the
/// differential test builds histories from a seed — files edited commit after commit, secrets
/// planted, moved, cut, duplicated and removed near the edits — packs them with deep delta chains,
/// and compares the two modes finding by finding.
@Suite struct DeltaScanTests {
    /// Lines of a made-up source file, some holding secrets (fake, generated here from the seed).
    struct LineMaker {
        var generator: SeededGenerator
        var serial: UInt64 = 0

        mutating func random(_ count: Int, from alphabet: String) -> String {
            let characters = Array(alphabet)
            return String((0..<count).map { _ in characters[Int(generator.next() % UInt64(characters.count))] })
        }

        mutating func filler() -> String {
            let words = ["value", "count", "index", "buffer", "result", "offset", "name", "handle", "state", "items"]
            let word = { (g: inout SeededGenerator) in words[Int(g.next() % UInt64(words.count))] }
            switch generator.next() % 8 {
            case 6: return "# linger:allow"
            case 7: return "kind: Secret"
            case 0: return "    let \(word(&generator)) = \(word(&generator)).\(word(&generator))(\(generator.next() % 1000))"
            case 1: return "// \(word(&generator)) \(word(&generator)) \(word(&generator)) and \(word(&generator))"
            case 2: return "    if \(word(&generator)) > \(generator.next() % 100) { return \(word(&generator)) }"
            case 3: return ""
            case 4: return "  \(word(&generator))_\(word(&generator)): \(generator.next() % 65536)"
            default: return "    checksum = \"\(random(40, from: "0123456789abcdef"))\""
            }
        }

        mutating func secret() -> String {
            serial += 1
            let alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            switch generator.next() % 12 {
            case 0: return "GITHUB_TOKEN=\(Fixtures.githubToken(seed: generator.next()))"
            case 1: return "    password = \"\(random(18, from: alphanumeric))\""
            case 2: return "  api_key: \(random(32, from: alphanumeric))"
            case 3:
                // base64 of an assignment: found by decoding.
                let inner = "db_password=\(random(16, from: alphanumeric))"
                return "  blob: \(Data(inner.utf8).base64EncodedString())"
            case 4:
                // Two secrets on one line: each one's context masks the other.
                return "auth = { token: \"\(Fixtures.githubToken(seed: generator.next()))\", password: \"\(random(14, from: alphanumeric))\" }"
            case 5: return "    password = \"\(random(18, from: alphanumeric))\"  # linger:allow"
            case 6:
                // A value on the line after its name.
                return "\"secret_key\":\n    \"\(random(30, from: alphanumeric))\""
            case 7: return "aws_secret_access_key = \(random(40, from: alphanumeric + "/+"))"
            case 9:
                // A Kubernetes-style value inside base64: the Secret rule asks about the decoded text.
                let inner = "  api: \(Data(random(18, from: alphanumeric).utf8).base64EncodedString())\n"
                return "blob \(Data(inner.utf8).base64EncodedString())"
            case 10: return "data:\n  token: \(Data(random(20, from: alphanumeric).utf8).base64EncodedString())"
            default: return "slack: xoxb-\(generator.next() % 900_000_000_000 + 100_000_000_000)-\(generator.next() % 900_000_000_000 + 100_000_000_000)-\(random(24, from: alphanumeric))"
            }
        }

        /// Constructs whose matches span lines, one element per line, so that edits can change
        /// one line of them and leave the others (a match's start far from the change).
        mutating func spanningLines() -> [String] {
            serial += 1
            let alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            switch generator.next() % 5 {
            case 0:
                return ["machine host\(serial).linger.invalid", "  login user\(serial)", "", "  password \(random(14, from: alphanumeric))"]
            case 1:
                return [
                    "{", "  \"type\": \"service_account\",", "  \"project_id\": \"project-\(serial)\",",
                    "  \"client_email\": \"robot\(serial)@linger.invalid\",",
                    "  \"private_key_id\": \"\(random(40, from: "0123456789abcdef"))\"", "}",
                ]
            case 2:
                return [
                    "variable \"db_password_\(serial)\" {", "  type = string", "  sensitive = true",
                    "  default = \"\(random(16, from: alphanumeric))\"", "}",
                ]
            case 3:
                return ["headers = {", "  \"Authorization\":", "    \"Bearer \(random(40, from: alphanumeric))\"", "}"]
            default:
                let pair = "deploy:\(random(12, from: alphanumeric))"
                return ["{\"auths\": {\"registry.linger.invalid\": {", "  \"auth\":", "    \"\(Data(pair.utf8).base64EncodedString())\"", "}}}"]
            }
        }

        mutating func line() -> String { generator.next() % 7 == 0 ? secret() : filler() }
    }

    /// Writes a history of `commits` commits over a few files and repacks it with long chains.
    static func makeHistory(seed: UInt64, commits: Int) throws -> TestRepository {
        let repository = try TestRepository()
        var maker = LineMaker(generator: SeededGenerator(seed: seed))
        let names = ["src/app.swift", "config/settings.yml", "docs/notes.md", "lib/long.c", "deploy/env.sh"]
        let sizes = [500, 300, 120, 900, 400]
        var files = sizes.map { size in
            (0..<size).flatMap { _ in maker.generator.next() % 40 == 0 ? maker.spanningLines() : [maker.line()] }
        }
        for commit in 0..<commits {
            let edits = 1 + Int(maker.generator.next() % 4)
            let touched = Int(maker.generator.next() % UInt64(names.count))
            for _ in 0..<edits {
                var lines = files[touched]
                let at = lines.isEmpty ? 0 : Int(maker.generator.next() % UInt64(lines.count))
                switch maker.generator.next() % 8 {
                case 0: lines.insert(maker.line(), at: at)
                case 1: lines.insert(contentsOf: maker.spanningLines(), at: at)
                case 2: lines.insert(maker.secret(), at: at)
                case 3: if !lines.isEmpty { lines.remove(at: at) }
                case 4:
                    // Change one character: may break (or make) a secret.
                    if !lines[at].isEmpty {
                        var characters = Array(lines[at])
                        let position = Int(maker.generator.next() % UInt64(characters.count))
                        characters[position] = Array("xQ7=_ \"")[Int(maker.generator.next() % 7)]
                        lines[at] = String(characters)
                    }
                case 5:
                    // Move a block elsewhere.
                    let length = min(lines.count - at, 1 + Int(maker.generator.next() % 12))
                    let block = Array(lines[at..<(at + length)])
                    lines.removeSubrange(at..<(at + length))
                    let to = lines.isEmpty ? 0 : Int(maker.generator.next() % UInt64(lines.count + 1))
                    lines.insert(contentsOf: block, at: to)
                case 6:
                    // Duplicate a block.
                    let length = min(lines.count - at, 1 + Int(maker.generator.next() % 20))
                    lines.insert(contentsOf: Array(lines[at..<(at + length)]), at: min(lines.count, at + length + 3))
                default:
                    // Join two lines, or split one: secrets cut across lines.
                    if at + 1 < lines.count {
                        if maker.generator.next() % 2 == 0 {
                            lines[at] += lines.remove(at: at + 1)
                        } else if lines[at].count > 4 {
                            let cut = lines[at].index(lines[at].startIndex, offsetBy: lines[at].count / 2)
                            let tail = String(lines[at][cut...])
                            lines[at] = String(lines[at][..<cut])
                            lines.insert(tail, at: at + 1)
                        }
                    }
                }
                files[touched] = lines
            }
            for (name, lines) in zip(names, files) {
                _ = try repository.directory.write(name, lines.joined(separator: "\n") + "\n")
            }
            try repository.git(["add", "-A"])
            try repository.git(["commit", "-q", "--allow-empty", "-m", "commit \(commit)"])
        }
        try repository.git(["repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=50"])
        return repository
    }

    static func sweep(_ path: String, deltaAware: Bool) throws -> ScanResult {
        var options = ScanOptions()
        options.jobs = 2
        options.deltaAware = deltaAware
        return try SecretScanner(rules: Fixtures.builtInRules, options: options).scan(
            repository: path, mode: .history(includeUnreachable: false))
    }

    /// Every finding as text: all of it, not only (fingerprint, blob, path, line).
    static func records(_ result: ScanResult) -> [String] {
        result.findings.map { "\($0)" }.sorted()
    }

    @Test(arguments: [UInt64(20_261_203), 7, 99])
    func deltaAwareSweepReportsExactlyWhatScanningEveryBlobWholeReports(seed: UInt64) throws {
        let repository = try Self.makeHistory(seed: seed, commits: 90)
        let packs = try repository.git(["count-objects", "-v"])
        #expect(packs.contains("packs: 1"))
        let whole = try Self.sweep(repository.path, deltaAware: false)
        let delta = try Self.sweep(repository.path, deltaAware: true)
        #expect(!whole.findings.isEmpty)
        let keys = { (result: ScanResult) in
            Set(result.findings.map { "\($0.fingerprint) \($0.provenance?.blobID ?? "") \($0.path) \($0.region.line)" })
        }
        #expect(keys(delta).subtracting(keys(whole)).sorted() == [])
        #expect(keys(whole).subtracting(keys(delta)).sorted() == [])
        #expect(Self.records(delta) == Self.records(whole))
        #expect(delta.statistics.filesScanned == whole.statistics.filesScanned)
        #expect(delta.statistics.bytesScanned == whole.statistics.bytesScanned)
        #expect(delta.skipped.map(\.path) == whole.skipped.map(\.path))
        // The delta path was taken for most blobs, and scanned a small part of their bytes.
        #expect(whole.statistics.blobsByDelta == 0)
        #expect(delta.statistics.blobsByDelta * 8 > delta.statistics.filesScanned, "\(delta.statistics)")
        #expect(delta.statistics.deltaBytesScanned * 2 < delta.statistics.bytesScanned, "\(delta.statistics)")
    }

    /// Two rules for one secret: a high-confidence one restricted to `*.store` files and a
    /// low-confidence one anywhere (which the first overrides where both match).
    static let pathRules = """
        rules:
          - id: store-secret
            name: Secret in a store file
            family: house-secret
            pattern: 'store_secret=([A-Za-z0-9]{20})'
            secret_group: 1
            confidence: high
            path_pattern: '\\.store$'
            tags: [NHI2]
            examples:
              - input: 'store_secret=Q7xLm2Vp9RtK4wZs8BnY'
                secret: 'Q7xLm2Vp9RtK4wZs8BnY'
            negative_examples:
              - 'store_secret=short'
          - id: any-secret
            name: Secret anywhere
            family: house-secret
            pattern: 'secret=([A-Za-z0-9]{20})'
            secret_group: 1
            confidence: low
            tags: [NHI2]
            examples:
              - input: 'secret=Q7xLm2Vp9RtK4wZs8BnY'
                secret: 'Q7xLm2Vp9RtK4wZs8BnY'
            negative_examples:
              - 'secret=short'
        """

    /// A history sweep matches blobs before it knows their paths, and runs the rules that have a
    /// `path_pattern` once it does: what it reports is what a scan of the files reports, down to
    /// which of two overlapping matches stands — also for a blob seen at two paths.
    @Test func aSweepAppliesPathRestrictedRulesAsAScanOfTheFilesDoes() throws {
        let rules = try CompiledRules(
            ruleSet: RuleSet(rules: RuleFileParser.parse(Self.pathRules, file: "house.yml", validatePatterns: true)),
            cache: nil)
        let repository = try TestRepository()
        let files = [
            "vault.store": "store_secret=Q7xLm2Vp9RtK4wZs8BnY\n",
            "notes.txt": "store_secret=Hk3Pq8Wz2Lm7Rt5Vx9Cb\n",
            "copy/vault.txt": "store_secret=Zc4Nd8Fg2Hj6Kl0Qw3Er\n",
            "copy/vault.store": "store_secret=Zc4Nd8Fg2Hj6Kl0Qw3Er\n",
        ]
        let folder = try TemporaryDirectory()
        for (name, text) in files {
            try repository.directory.write(name, text)
            try folder.write(name, text)
        }
        try repository.git(["add", "-A"])
        try repository.git(["commit", "-q", "-m", "one"])
        try repository.git(["repack", "-a", "-d", "-q"])
        let directory = try SecretScanner(rules: rules, options: ScanOptions()).scan(
            directory: DirectoryInput(root: folder.path))
        let inFiles = Set(directory.findings.map { "\($0.ruleID) \($0.secret)" })
        #expect(
            inFiles == [
                "store-secret Q7xLm2Vp9RtK4wZs8BnY", "any-secret Hk3Pq8Wz2Lm7Rt5Vx9Cb", "store-secret Zc4Nd8Fg2Hj6Kl0Qw3Er",
                "any-secret Zc4Nd8Fg2Hj6Kl0Qw3Er",
            ])
        for deltaAware in [true, false] {
            var options = ScanOptions()
            options.deltaAware = deltaAware
            let swept = try SecretScanner(rules: rules, options: options).scan(
                repository: repository.path, mode: .history(includeUnreachable: false))
            // The copy is one blob at two paths: the restricted rule holds at one of them.
            #expect(
                Set(swept.findings.map { "\($0.ruleID) \($0.secret)" })
                    == [
                        "store-secret Q7xLm2Vp9RtK4wZs8BnY", "any-secret Hk3Pq8Wz2Lm7Rt5Vx9Cb",
                        "store-secret Zc4Nd8Fg2Hj6Kl0Qw3Er",
                    ], "delta-aware: \(deltaAware)")
        }
    }

    @Test func deltaInstructionsAreAppliedAsGitWritesThem() throws {
        let base = Array("0123456789abcdefghij".utf8)
        // Base size 20, result size 12: copy 4 bytes from offset 10, insert "XYZ", copy 5 from 0.
        let delta: [UInt8] = [20, 12, 0x90 | 0x01, 10, 4, 3] + Array("XYZ".utf8) + [0x90, 5]
        let (result, operations) = try PackReader.apply(delta, to: base)
        #expect(String(decoding: result, as: UTF8.self) == "abcdXYZ01234")
        #expect(
            operations == [
                DeltaOperation(target: 0..<4, sourceStart: 10), DeltaOperation(target: 4..<7, sourceStart: nil),
                DeltaOperation(target: 7..<12, sourceStart: 0),
            ])
        // A copy past the base, a wrong base size, instruction 0 and a short result are errors.
        #expect(throws: PackReadError.self) { try PackReader.apply([20, 4, 0x90 | 0x01, 18, 4], to: base) }
        #expect(throws: PackReadError.self) { try PackReader.apply([21, 1, 1, 65], to: base) }
        #expect(throws: PackReadError.self) { try PackReader.apply([20, 1, 0], to: base) }
        #expect(throws: PackReadError.self) { try PackReader.apply([20, 5, 1, 65], to: base) }
        // Copies git splits, and consecutive inserts, are merged before changes are worked out.
        let merged = DeltaScan.coalesced([
            DeltaOperation(target: 0..<4, sourceStart: 100), DeltaOperation(target: 4..<8, sourceStart: 104),
            DeltaOperation(target: 8..<9, sourceStart: nil), DeltaOperation(target: 9..<10, sourceStart: nil),
            DeltaOperation(target: 10..<12, sourceStart: 0),
        ])
        #expect(
            merged == [
                DeltaOperation(target: 0..<8, sourceStart: 100), DeltaOperation(target: 8..<10, sourceStart: nil),
                DeltaOperation(target: 10..<12, sourceStart: 0),
            ])
    }

    @Test func aDamagedPackObjectIsReportedAsScanningEveryBlobWholeReportsIt() throws {
        let repository = try Self.makeHistory(seed: 5, commits: 20)
        // Damage the middle of the pack: the objects there no longer inflate.
        let pack = try FileManager.default.contentsOfDirectory(atPath: repository.path + "/.git/objects/pack")
            .first { $0.hasSuffix(".pack") }!
        let path = repository.path + "/.git/objects/pack/" + pack
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        for offset in stride(from: bytes.count / 2, to: bytes.count / 2 + 64, by: 1) { bytes[offset] ^= 0x5A }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let whole = try Self.sweep(repository.path, deltaAware: false)
        let delta = try Self.sweep(repository.path, deltaAware: true)
        #expect(Self.records(delta) == Self.records(whole))
        #expect(delta.isIncomplete == whole.isIncomplete)
        #expect(Set(delta.skipped.map(\.detail)) == Set(whole.skipped.map(\.detail)))
    }
}

extension DeltaScanTests {
    /// A rule whose matches can span lines sets how far around each change a delta-aware sweep
    /// scans: every such rule declares a `max_length` of at most 1 KiB, so that reach stays small.
    @Test func rulesThatSpanLinesDeclareABoundedLength() {
        let rules = Fixtures.builtInRules
        var spanning = [String]()
        for (index, rule) in rules.ruleSet.rules.enumerated() where CompiledRules.mayMatchLineBreak(rule.pattern) {
            spanning.append(rule.id)
            if !CompiledRules.isManyLineConstruct(rule.pattern) { #expect((rules.lookback[index]) <= 1024, "\(rule.id): \(rules.lookback[index])") }
        }
        print("rules that may match a line break:", spanning.joined(separator: " "))
        #expect(rules.lineReach <= 1024)
        #expect(CompiledRules.mayMatchLineBreak("a\\s*b"))
        #expect(CompiledRules.mayMatchLineBreak("a[^}]{0,400}b"))
        #expect(CompiledRules.mayMatchLineBreak("(?s)a.b"))
        #expect(!CompiledRules.mayMatchLineBreak("a[^\\s\"']{8,}b"))
        #expect(!CompiledRules.mayMatchLineBreak("a[^\"\\r\\n]{8,}\\S+b"))
        #expect(!CompiledRules.mayMatchLineBreak("(?i)ab.c"))
        #expect(!CompiledRules.mayMatchLineBreak("(?<![A-Za-z0-9])token(?![^A-Za-z]\\s)[a-z]+"))
        #expect(CompiledRules.mayMatchLineBreak("(?<![A-Za-z0-9])token(?!x)\\s[a-z]+"))
        #expect(CompiledRules.mayMatchLineBreak("key[[:space:]]*=[[:space:]]*\"([a-z]+)\""))
        #expect(CompiledRules.mayMatchLineBreak("key\n=x"))
        #expect(CompiledRules.mayMatchLineBreak("key\\012=x"))
        #expect(CompiledRules.mayMatchLineBreak("key\\cJ=x"))
        #expect(CompiledRules.mayMatchLineBreak("key\\x{0a}=x"))
    }
}

extension DeltaScanTests {
    @Test func objectIDsReadAndWriteAsFortyHexDigits() throws {
        for hex in ["0123456789abcdef0123456789abcdef01234567", "ffffffffffffffffffffffffffffffffffffffff",
            "0000000000000000000000000000000000000000", "00000000000000010000000000000002000000ff"] {
            #expect(GitObjectID(hex: hex)?.description == hex)
        }
    }
}

extension DeltaScanTests {
    /// Two versions of one file, repacked so that one is a delta of the other; both modes must agree.
    static func twoVersions(_ first: String, _ second: String, name: String) throws -> (ScanResult, ScanResult) {
        let repository = try TestRepository()
        _ = try repository.directory.write(name, first)
        try repository.git(["add", "-A"])
        try repository.git(["commit", "-q", "-m", "one"])
        _ = try repository.directory.write(name, second)
        try repository.git(["commit", "-q", "-a", "-m", "two"])
        try repository.git(["repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=50"])
        return (try sweep(repository.path, deltaAware: true), try sweep(repository.path, deltaAware: false))
    }

    static let filler = (1...200).map { "# filler line \($0) lorem ipsum dolor sit amet" }

    /// Cases an outside review found: a `content_pattern` asked of decoded text; a candidate turned
    /// down for a `linger:allow` comment its match reaches only after a change lines above; a match
    /// spanning lines that a change above makes start elsewhere.
    @Test func changesLinesAwayFromAMatchThatSpanLinesAreSeen() throws {
        let inner = "  api: \(Data("Vq3xL9pT2wzQ7kRmHx8".utf8).base64EncodedString())\n"
        let blob = "blob \(Data(inner.utf8).base64EncodedString())"
        let cases: [(String, String, String)] = [
            (
                (["kind: Secret"] + Self.filler + ["# long tail comment ......................................"])
                    .joined(separator: "\n") + "\n",
                (["kind: Secret"] + Self.filler.prefix(50) + [blob] + Self.filler.suffix(150)).joined(separator: "\n") + "\n",
                "k.yaml"
            ),
            (
                ([
                    "variable \"db_password\" {", "  default = \"Qw3rTy7UiOp2AsDf\"", "}", "# one", "# two", "# linger:allow",
                    "# three", "variable \"api_token\" {", "  default = \"Xy7Qm2Lp9Rt4Vw8Z\"", "}",
                ] + Self.filler).joined(separator: "\n") + "\n",
                ([
                    "variable \"db_password\" {", "# one", "# two", "# linger:allow", "# three", "variable \"api_token\" {",
                    "  default = \"Xy7Qm2Lp9Rt4Vw8Z\"", "}",
                ] + Self.filler).joined(separator: "\n") + "\n",
                "main.tf"
            ),
            (
                ([
                    "{", "  \"type\": \"service_account\",", "  \"project_id\": \"p1\"", "}", "# linger:allow", "{",
                    "  \"type\": \"service_account\",", "  \"private_key_id\": \"69b7e11b293f132e1ddb1e5a91b479d47894979c\"", "}",
                ] + Self.filler + ["# long trailing line ............................................"])
                    .joined(separator: "\n") + "\n",
                ([
                    "{", "  \"type\": \"service_account\",", "  \"project_id\": \"p1\"",
                    "  \"private_key_id\": \"8dbc1c70d8cd33c0494711a822d1e7192cc654ef\",", "}", "# linger:allow", "{",
                    "  \"type\": \"service_account\",", "  \"private_key_id\": \"69b7e11b293f132e1ddb1e5a91b479d47894979c\"", "}",
                ] + Self.filler).joined(separator: "\n") + "\n",
                "sa.json"
            ),
        ]
        for (first, second, name) in cases {
            let (delta, whole) = try Self.twoVersions(first, second, name: name)
            #expect(Self.records(delta) == Self.records(whole), "\(name)")
        }
    }

    /// A Secret's `data:` counts only in its own YAML document: a `---` (with a ConfigMap header
    /// or none) put in lines above a value takes it out of the Secret, which a delta-aware sweep
    /// must not carry over from the version before, where it stood in the Secret; nor the reverse
    /// (the version with several documents as the base); nor may a value put into a ConfigMap
    /// beside a Secret be judged by the whole blob where a slice of it is scanned.
    @Test func secretDataIsJudgedInItsOwnYAMLDocumentByBothModes() throws {
        let values = ["early": "Vq3xL9pT2wzQ7kRmHx8", "late": "Zr8kLm2Qw9pXKq7vR2mT", "extra": "Hx8Qm2Lp9Rt4Vw8ZkT3n"]
        func line(_ name: String) -> String { "  \(name): \(Data(values[name]!.utf8).base64EncodedString())" }
        let head = ["apiVersion: v1", "kind: Secret", "metadata:", "  name: api", "data:", line("early")]
        let configMap = ["---", "apiVersion: v1", "kind: ConfigMap", "data:"]
        let tail = [line("late")] + Self.filler.prefix(60)
        // git makes the larger of two versions the base and the other a delta of it: the single
        // document is the larger, so that the one with a `---` is read as a delta of it.
        let single = head + Self.filler.prefix(30) + Self.filler.suffix(8) + Self.filler.prefix(30) + tail
        let split = head + Self.filler.prefix(30) + configMap + Self.filler.prefix(30) + tail
        let bare = head + Self.filler.prefix(30) + ["---"] + Self.filler.prefix(30) + tail
        let appended = head + Self.filler.prefix(60) + tail + configMap + [line("extra")]
        // Larger than `single`, so the base of its delta.
        let splitLarger = split + Self.filler.prefix(20)
        // A Secret with no data beside a ConfigMap; then a value put into the ConfigMap, and the
        // end cut so that this version is the smaller (the delta).
        let noData = Array(head.prefix(4)) + Self.filler.prefix(30) + configMap + Self.filler.prefix(60)
        let valueInConfigMap = Array(head.prefix(4)) + Self.filler.prefix(30) + configMap + Self.filler.prefix(10)
            + [line("extra")] + Self.filler.prefix(40)
        func text(_ lines: [String]) -> String { lines.joined(separator: "\n") + "\n" }
        // How many of the two versions report each value.
        for (first, second, expected) in [
            (single, split, ["early": 2, "late": 1]), (split, single, ["early": 2, "late": 1]),
            (single, bare, ["early": 2, "late": 1]), (single, appended, ["early": 2, "late": 2]),
            (splitLarger, single, ["early": 2, "late": 1]), (noData, valueInConfigMap, [:]),
        ] {
            let (delta, whole) = try Self.twoVersions(text(first), text(second), name: "k.yaml")
            #expect(Self.records(delta) == Self.records(whole))
            var counts = [String: Int]()
            for finding in whole.findings where finding.ruleID == "kubernetes-secret-data" {
                guard let name = values.first(where: { finding.secret == $0.value })?.key else { continue }
                counts[name, default: 0] += 1
            }
            #expect(counts == expected, "\(whole.findings.map { "\($0.ruleID) \($0.region.line) \($0.secret)" })")
        }
    }

    @Test func aDeltaDeclaringAHugeResultIsRefusedBeforeAnythingIsAllocated() {
        let base = Array("0123456789".utf8)
        // Base size 10, result size 2^40 (varint), then one copy.
        let delta: [UInt8] = [10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x90, 4]
        #expect(throws: PackReadError.self) { try PackReader.apply(delta, to: base, limit: 10 << 20) }
    }
}
