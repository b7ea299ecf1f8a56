import Foundation
import Testing

@testable import LingerKit

@Suite struct SuppressionTests {
    static let now = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01

    static func scan(_ files: [(String, String)]) throws -> ScanResult {
        try Fixtures.scanner().scan(blobs: files.map { ($0.0, Array($0.1.utf8)) })
    }

    @Test func ignoreFileEntriesByFingerprintAndPathWithReasonsAndExpiry() throws {
        let kept = Fixtures.githubToken(seed: 301)
        let ignored = Fixtures.githubToken(seed: 302)
        let expired = Fixtures.githubToken(seed: 303)
        var result = try Self.scan([
            ("app.env", "A=\(kept)\nB=\(ignored)\nC=\(expired)\n"),
            ("tests/fixtures/keys.env", "T=\(Fixtures.githubToken(seed: 304))\n"),
            ("docs/guide.md", "token: \(Fixtures.githubToken(seed: 305))\n"),
        ])
        let fingerprints = Dictionary(uniqueKeysWithValues: result.findings.map { ($0.secret, $0.fingerprint) })
        let ignore = try IgnoreFile.parse(
            """
            # accepted
            \(fingerprints[ignored]!.prefix(20))   # rotated; history kept for the audit
            \(fingerprints[expired]!)  until 2026-11-15  # was a fixture until the migration
            path tests/fixtures/            # fake keys for the suite
            path *.md
            path vendor/**                  # nothing there
            0123456789abcdef0123
            """, file: "/repo/.lingerignore")
        Suppressor(ignore: ignore, now: Self.now).apply(to: &result)
        #expect(Set(result.findings.map(\.secret)) == [kept, expired])
        let outcome = try #require(result.suppression)
        #expect(
            outcome.suppressed.map(\.by.source).sorted() == [".lingerignore:2", ".lingerignore:4", ".lingerignore:5"])
        #expect(
            outcome.suppressed.first { $0.finding.secret == ignored }?.by.reason
                == "rotated; history kept for the audit")
        #expect(outcome.expired.map(\.source) == [".lingerignore:3"])
        #expect(outcome.unused.map(\.text) == ["fingerprint 0123456789abcdef0123", "path vendor/**"])
    }

    /// `path dist/app.zip` covers what is inside the archive, nested archives included; a path
    /// that only starts like the archive's does not.
    @Test func aPathEntryCoversTheArchiveItNames() throws {
        let env = Array("GITHUB_TOKEN=\(Fixtures.githubToken(seed: 306))\n".utf8)
        let inner = ArchiveMaker.zip([.init(name: "config/.env", data: env)])
        let outer = ArchiveMaker.zip([.init(name: "lib/inner.jar", data: inner, deflated: false)])
        let scanner = Fixtures.scanner()
        for (glob, suppressed) in [
            ("dist/app.zip", true), ("dist/*.zip", true), ("dist/app.zip!lib/inner.jar", true), ("dist/app", false),
            ("dist/app.zip!lib/other.jar", false),
        ] {
            var result = try scanner.scan(blobs: [("dist/app.zip", outer)])
            #expect(result.findings.map(\.path) == ["dist/app.zip!lib/inner.jar!config/.env"])
            let ignore = try IgnoreFile.parse("path \(glob)\n", file: "/repo/.lingerignore")
            Suppressor(ignore: ignore, now: Self.now).apply(to: &result)
            #expect(result.findings.isEmpty == suppressed, "path \(glob)")
        }
        // Damage inside an ignored archive is not reported and leaves the scan complete.
        var damaged = try scanner.scan(blobs: [("dist/app.zip", Array(outer.prefix(outer.count - 30)))])
        #expect(damaged.isIncomplete)
        Suppressor(ignore: try IgnoreFile.parse("path dist/\n", file: "/repo/.lingerignore"), now: Self.now)
            .apply(to: &damaged)
        #expect(damaged.skipped.isEmpty && !damaged.isIncomplete && damaged.findings.isEmpty)
    }

    @Test func brokenIgnoreLinesNameTheLine() {
        #expect(throws: ConfigError.invalid(file: "i", key: "line 2", problem: "`until` takes a date (2027-03-01)")) {
            try IgnoreFile.parse("path a/**\nabcdef0123456789abcd until soon\n", file: "i")
        }
        #expect(throws: ConfigError.self) { try IgnoreFile.parse("ghp_notafingerprint\n", file: "i") }
    }

    @Test func allowListsByRulePathAndSecretPattern() throws {
        let config = try LingerConfig.parse(
            """
            allow:
              - rules: [generic-password]
                paths: ["docs/**"]
                reason: documentation examples
              - secrets: ["^ghp_LingerDemo"]
              - rules: [github-pat]
                paths: ["never/**"]
            """, file: ".linger.yml")
        var result = try Self.scan([
            ("docs/setup.md", "db_password = \"Kq7#vR2m!xT9\"\n"),
            ("app/settings.py", "db_password = \"Kq7#vR2m!xT9\"\n"),
            ("app/demo.env", "T=\(Fixtures.githubToken(prefix: "ghp_", seed: 306))\n"),
        ])
        #expect(result.findings.count == 3)
        Suppressor(allow: config.allow, now: Self.now).apply(to: &result)
        #expect(result.findings.map(\.path).sorted() == ["app/demo.env", "app/settings.py"])
        #expect(result.suppression?.suppressed.first?.by.reason == "documentation examples")
        #expect(result.suppression?.unused.map(\.source) == [".linger.yml allow[2]", ".linger.yml allow[3]"])
        #expect(throws: ConfigError.self) { try LingerConfig.parse("allow:\n  - reason: everything\n", file: "c") }
        #expect(throws: ConfigError.self) { try LingerConfig.parse("allow:\n  - secrets: ['(']\n", file: "c") }
    }
}
