import Foundation
import Testing

@testable import LingerKit

/// Files whose format says "credential" (issue: credential stores), and JWT-looking text that
/// is not a token.
@Suite struct CredentialStoreTests {
    func scan(_ files: [String: String], explain: Bool = false) throws -> ScanResult {
        let folder = try TemporaryDirectory()
        for (name, text) in files { try folder.write(name, text) }
        return try Fixtures.scanner(explain: explain).scan(directory: DirectoryInput(root: folder.path))
    }

    func found(_ result: ScanResult) -> [String: [String]] {
        Dictionary(grouping: result.findings, by: \.path).mapValues { $0.map(\.ruleID).sorted() }
    }

    @Test func credentialStoreFormatsAreFound() throws {
        let result = try scan([
            "home/.netrc": "machine git.linger.invalid\n  login deploy\n  password hunter22\n",
            "home/.pgpass": "db.linger.invalid:5432:billing:app_user:Vq3#xL9pT2wz\n",
            "home/.docker/config.json": #"{"auths": {"registry.linger.invalid": {"auth": "ZGVwbG95OlZxM3hMOXBUMnd6UTc="}}}"#,
            "home/.npmrc": "//npm.linger.invalid/:_auth=\"Y2ktYm90OlJrOCNtVzJ2THE5elQ=\"\n",
            "home/.config/filezilla/sitemanager.xml":
                "<Server><Host>ftp.linger.invalid</Host><User>deploy</User><Pass encoding=\"base64\">VnF6eEw5cFQyd3pRN2s=</Pass></Server>\n",
            "etc/.htpasswd": "admin:$apr1$Fx9dK2Lm$Rq7m4Zp0aB3cD5eF6gH7i.\n",
            // The pgpass shape outside a pgpass file is not reported (path_pattern).
            "notes/times.txt": "db.linger.invalid:5432:billing:app_user:Vq3#xL9pT2wz\n",
        ])
        let byPath = found(result)
        #expect(byPath["home/.netrc"] == ["netrc-password"])
        #expect(byPath["home/.pgpass"] == ["pgpass-password"])
        #expect(byPath["home/.docker/config.json"] == ["docker-config-auth"])
        #expect(byPath["home/.npmrc"] == ["npm-legacy-auth"])
        #expect(byPath["home/.config/filezilla/sitemanager.xml"] == ["filezilla-password"])
        #expect(byPath["etc/.htpasswd"] == ["password-hash"])
        #expect(byPath["notes/times.txt"] == nil)
        // A hash is reported as what it is: low confidence, its own family, never "live".
        let hash = try #require(result.findings.first { $0.ruleID == "password-hash" })
        #expect(hash.confidence == .low)
        #expect(hash.verdict != .live)
        // The netrc password is short and plain: the format is the context.
        #expect(result.findings.first { $0.ruleID == "netrc-password" }?.secret == "hunter22")
    }

    @Test func jwtLookingTextThatDoesNotDecodeToJSONIsDroppedAndExplained() throws {
        let notJSON =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJsaW5nZXIiLCJleHAiOjE3NjQ0NjA4MDB9garbage0.c2lnbmF0dXJlLXN0YW5kLWlu"
        let real =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdmMtZmFrZSIsInJvbGUiOiJhZG1pbiIsImlhdCI6MTc2NDM3NDQwMH0.hJ1yDPzoZ6inYD7cQvaKYFkgm9In1tIp1Qv3514S7jU"
        let result = try scan(["app.js": "var a = \"\(notJSON)\";\nvar b = \"\(real)\";\n"], explain: true)
        #expect(result.findings.filter { $0.ruleID == "jwt" }.map(\.secret) == [real])
        #expect(result.dropped.contains { $0.ruleID == "jwt" && $0.reason.contains("does not decode to a JSON object") })
    }
}
