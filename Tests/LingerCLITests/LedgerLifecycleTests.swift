import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// The ledger end to end, through the `linger` binary: scan, notify, recheck day by day while some
/// secrets are rotated (a JWT expires, a key is revoked), status, baselines.
@Suite(.serialized) struct LedgerLifecycleTests {
    static let day0 = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01T00:00:00Z

    static func time(_ days: Double) -> String {
        ISO8601DateFormatter().string(from: day0.addingTimeInterval(days * 86_400))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// An HS256 token signed with a guessable key, expiring `days` after day 0.
    static func jwt(subject: String, key: String, expiresAfter days: Double) -> String {
        let header = base64URL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let iat = Int(day0.timeIntervalSince1970) - 3600
        let exp = Int(day0.timeIntervalSince1970 + days * 86_400)
        let claims = base64URL(
            Array(
                #"{"iss":"https://idp.linger.invalid","aud":"api","sub":"\#(subject)","iat":\#(iat),"exp":\#(exp)}"#
                    .utf8))
        let signature = Digest.hmac(.sha256, key: Array(key.utf8), message: Array("\(header).\(claims)".utf8))
        return "\(header).\(claims).\(base64URL(signature))"
    }

    static func githubToken(seed: UInt64) -> String {
        var state = seed
        let random = String(
            (0..<30).map { _ -> Character in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Character(UnicodeScalar(Base62.alphabet[Int((state >> 33) % 62)]))
            })
        return "ghp_" + random + Base62.encode(CRC32.checksum(Array(random.utf8)), width: 6)
    }

    func linger(_ arguments: [String], in directory: String) throws -> LingerRun {
        try CLI.run(arguments, in: directory)
    }

    func json(_ run: LingerRun) throws -> [String: Any] { try CLI.json(run.stdout) }

    /// rule → verdict for a recheck's JSON output.
    func verdicts(_ run: LingerRun) throws -> [String: String] {
        let checks = try #require(try json(run)["checks"] as? [[String: Any]])
        var result: [String: String] = [:]
        for check in checks {
            let subject =
                (check["rule"] as? String ?? "") + ":" + String((check["fingerprint"] as? String ?? "").prefix(6))
            result[subject] = check["verdict"] as? String
        }
        return result
    }

    @Test func aSecretsLifeFromDiscoveryToRotationWithExactReportsAndExitCodes() throws {
        let repo = try Scratch()
        try sh(["git", "init", "-q", "-b", "main"], in: repo.path)
        let token = Self.githubToken(seed: 7)
        let shortLived = Self.jwt(subject: "short", key: "secret", expiresAfter: 3)
        let longLived = Self.jwt(subject: "long", key: "password", expiresAfter: 365)
        try repo.write("config/app.env", Data("GITHUB_TOKEN=\(token)\n".utf8))
        try repo.write("auth/session.http", Data("GET /me\nAuthorization: Bearer \(shortLived)\n".utf8))
        try repo.write("auth/service.txt", Data("service token: \(longLived)\n".utf8))
        try FileManager.default.createDirectory(atPath: repo.path + "/keys", withIntermediateDirectories: true)
        try sh(
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "keys/deploy.pem"],
            in: repo.path)
        try sh(["git", "add", "-A"], in: repo.path)
        try sh(["git", "commit", "-q", "-m", "initial"], in: repo.path)

        // Day 0: the sweep records four secrets; the JWTs, signed with guessable keys, are live
        // (exit 3); the key is readable but nothing confirms it is in use (unverified).
        let scan = try linger(
            ["scan", "--git", ".", "--ledger", "--now", Self.time(0), "--format", "json"], in: repo.path)
        #expect(scan.status == 3)
        #expect(scan.stderr.contains("4 new secrets, 4 seen, 4 new places"))
        let findings = try #require(try json(scan)["findings"] as? [[String: Any]])
        #expect(
            findings.map { $0["rule"] as? String ?? "" }.sorted() == ["github-pat", "jwt", "jwt", "private-key-pkcs8"])
        let keyFingerprint = try #require(
            findings.first { $0["rule"] as? String == "private-key-pkcs8" }.flatMap {
                ($0["key"] as? [String: Any])?["public_key_sha256"] as? String
            })
        let ledgerFile = repo.path + "/.linger/ledger.sqlite"
        #expect(try FileManager.default.attributesOfItem(atPath: ledgerFile)[.posixPermissions] as? Int == 0o600)

        // Scanning the same history again changes nothing but last-seen.
        let again = try linger(
            ["scan", "--git", ".", "--ledger", "--now", Self.time(0.1), "--format", "json"], in: repo.path)
        #expect(again.stderr.contains("0 new secrets, 4 seen, 0 new places"))

        // Day 0: the owners are told.
        let notify = try linger(
            ["notify", "--all-new", "--recipient", "platform-team", "--now", Self.time(0)], in: repo.path)
        #expect(notify.status == 0)
        #expect(notify.stdout.hasPrefix("Recorded notification of 4 secrets via manual.\n"))
        // Which secrets, and where: one line each.
        #expect(notify.stdout.split(separator: "\n").count == 5)
        #expect(notify.stdout.contains("GitHub personal access token (classic) ghp_***"))
        #expect(
            try linger(["notify", "--all-new", "--now", Self.time(0)], in: repo.path).stdout
                == "No new secrets to notify.\n")

        // Day 1: everything still stands.
        var recheck = try linger(["recheck", "--now", Self.time(1), "--format", "json"], in: repo.path)
        #expect(recheck.status == 0)
        #expect(try verdicts(recheck).values.sorted() == ["live", "live", "unverified", "unverified"])

        // Day 2: the GitHub token is rotated by hand.
        let github = try #require(findings.first { $0["rule"] as? String == "github-pat" }?["fingerprint"] as? String)
        let resolve = try linger(
            ["resolve", String(github.prefix(10)), "--reason", "rotated", "--now", Self.time(2)], in: repo.path)
        #expect(resolve.stdout == "Resolved \(github.prefix(12)) (github-pat) as rotated.\n")

        // Day 3: the short-lived JWT has expired: inactive, and so resolved.
        recheck = try linger(["recheck", "--now", Self.time(3), "--format", "json"], in: repo.path)
        #expect(recheck.status == 0)
        let day3 = try #require(try json(recheck)["checks"] as? [[String: Any]])
        #expect(day3.count == 3)
        let expired = try #require(day3.first { $0["verdict"] as? String == "inactive" })
        #expect(expired["evidence"] as? String == "expired on 2026-12-04T00:00:00Z")
        #expect(expired["state"] as? String == "resolved")

        // Day 4: the key is listed as revoked.
        try repo.write(".linger.yml", Data("keys:\n  revoked:\n    - \(keyFingerprint)\n".utf8))
        recheck = try linger(["recheck", "--now", Self.time(4)], in: repo.path)
        #expect(recheck.status == 0)
        #expect(recheck.stdout.contains("INACTIVE  "))
        #expect(recheck.stdout.contains("private-key"))
        #expect(recheck.stdout.contains("revoked"))
        #expect(recheck.stdout.hasSuffix("No secret is past its deadline without confirmed rotation.\n"))

        // Day 5: the long-lived JWT is still live five days after notification: overdue, exit 1.
        recheck = try linger(["recheck", "--now", Self.time(5)], in: repo.path)
        #expect(recheck.status == 1)
        let lines = recheck.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "Rechecked 1 secret at 2026-12-06T00:00:00Z")
        #expect(lines[1].hasPrefix("  LIVE      "))
        #expect(
            lines[1].contains(
                "  jwt  eyJh***  5 days after notification (SLA 5)  OVERDUE (live: valid until 2027-12-01T00:00:00Z; verified with a recovered weak key)"
            ))
        #expect(lines[2] == "1 secret past the deadline not confirmed rotated (1 live).")
        // A longer deadline, and it is not overdue.
        #expect(try linger(["recheck", "--now", Self.time(5), "--sla", "7"], in: repo.path).status == 0)

        // The hygiene report at day 5.
        let status = try json(try linger(["status", "--now", Self.time(5), "--format", "json"], in: repo.path))
        #expect(status["open"] as? Int == 0)
        #expect(status["notified"] as? Int == 1)
        #expect(status["resolved"] as? Int == 3)
        #expect(status["overdue"] as? Int == 1)
        #expect(status["overdue_live"] as? Int == 1)
        #expect(status["overdue_unrotated"] as? Int == 1)
        #expect(status["median_days_to_rotation"] as? Double == 3)
        let shares = try #require(status["still_live"] as? [[String: Any]])
        #expect(
            shares.map { "\($0["day"] ?? "")=\($0["live"] ?? "")/\($0["notified"] ?? "")" } == [
                "1=2/4", "5=1/4", "30=0/0",
            ])
        #expect(shares.map { "\($0["day"] ?? "")=\($0["rotated"] ?? "")/\($0["unrotated"] ?? "")" } == ["1=0/4", "5=3/1", "30=0/0"])
        let text = try linger(["status", "--now", Self.time(5)], in: repo.path).stdout
        #expect(
            text.contains(
                "4 secrets: open 0, notified 1 (overdue 1: 1 not confirmed rotated, 1 live), resolved 3, false positive 0, accepted risk 0"
            ))
        #expect(text.contains("    1 day: live 2/4 (50%), not confirmed rotated 4/4 (100%), rotated 0/4 (0%)"))
        #expect(text.contains("    5 days: live 1/4 (25%), not confirmed rotated 1/4 (25%), rotated 3/4 (75%)"))
        #expect(text.contains("    30 days: n/a"))
        #expect(
            text.contains(
                "median days from notification to rotation (to the first check that found it inactive, or its resolution, whichever came first): 3.0"
            ))
        let html = try linger(
            ["status", "--now", Self.time(5), "--format", "html", "-o", "hygiene.html"], in: repo.path)
        #expect(html.status == 0)
        let page = try String(contentsOfFile: repo.path + "/hygiene.html", encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("50%") && !page.contains(longLived))
        #expect(
            try FileManager.default.attributesOfItem(atPath: repo.path + "/hygiene.html")[.posixPermissions] as? Int
                == 0o600)

        // Baselines: known secrets pass; a new one fails; the overdue live one still fails.
        #expect(try linger(["baseline", "-o", "baseline.json"], in: repo.path).status == 0)
        let newToken = Self.githubToken(seed: 8)
        try repo.write("config/new.env", Data("NEW_TOKEN=\(newToken)\n".utf8))
        try FileManager.default.removeItem(atPath: repo.path + "/keys/deploy.pem")
        var gate = try linger(
            ["scan", ".", "--baseline", "baseline.json", "--now", Self.time(5), "--format", "json"], in: repo.path)
        #expect(gate.status == 3)
        var report = try json(gate)
        #expect(
            (report["findings"] as? [[String: Any]])?.map { $0["path"] as? String ?? "" }.sorted() == [
                "auth/service.txt", "config/new.env",
            ])
        let baseline = try #require(report["baseline"] as? [String: Any])
        #expect(baseline["known"] as? Int == 2)
        #expect(baseline["overdue"] as? Int == 1)
        #expect(
            (baseline["unmatched"] as? [[String: Any]])?.map { $0["rule"] as? String ?? "" } == ["private-key-pkcs8"])
        gate = try linger(
            ["scan", ".", "--baseline", "baseline.json", "--sla", "30", "--now", Self.time(5), "--format", "json"],
            in: repo.path)
        #expect(gate.status == 1)
        report = try json(gate)
        #expect((report["findings"] as? [[String: Any]])?.map { $0["path"] as? String ?? "" } == ["config/new.env"])

        // New content holding the rotated token reopens it.
        try repo.write("config/copy.env", Data("OLD=\(token)\n".utf8))
        let reopened = try linger(["scan", ".", "--ledger", "--now", Self.time(6)], in: repo.path)
        #expect(reopened.stderr.contains("1 resolved secret(s) found again and reopened"))
    }

    @Test func notifyDeliversToAWebhookOrRecordsTheFailure() throws {
        let server = try LoopbackHTTPServer { request in
            .init(status: request.path == "/ok" ? 204 : 500)
        }
        defer { server.stop() }
        let repo = try Scratch()
        let token = Self.githubToken(seed: 11)
        try repo.write("app.env", Data("T=\(token)\n".utf8))
        #expect(try linger(["scan", ".", "--ledger", "--now", Self.time(0)], in: repo.path).status == 1)
        let failed = try linger(
            ["notify", "--all-new", "--webhook", server.baseURL + "/down", "--attempts", "2", "--backoff", "0.05"],
            in: repo.path)
        #expect(failed.status == 2)
        #expect(
            failed.stderr.contains(
                "webhook delivery failed (HTTP 500 after 2 attempts): recorded as failed; 1 secret not notified"))
        let delivered = try linger(
            ["notify", "--all-new", "--webhook", server.baseURL + "/ok", "--channel", "security-hook"], in: repo.path)
        #expect(delivered.status == 0)
        #expect(delivered.stdout.hasPrefix("Notified 1 secret via security-hook (HTTP 204).\n"))
        #expect(delivered.stdout.contains(" at "))
        let posted = try #require(server.requests.last)
        #expect(posted.method == "POST" && posted.headers["content-type"] == "application/json")
        #expect(!String(decoding: posted.body, as: UTF8.self).contains(token))

        // Slack and Teams shapes, to loopback stand-ins that refuse anything else.
        let slack = try LoopbackHTTPServer { request in
            guard let body = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
                let text = body["text"] as? String, !text.isEmpty,
                let blocks = body["blocks"] as? [[String: Any]], blocks.count <= 50,
                blocks.allSatisfy({ ["header", "section", "context"].contains($0["type"] as? String ?? "") }),
                (blocks.first?["text"] as? [String: Any])?["type"] as? String == "plain_text"
            else { return .init(status: 400, body: "invalid_blocks") }
            return .init(status: 200, body: "ok")
        }
        defer { slack.stop() }
        let teams = try LoopbackHTTPServer { request in
            guard let body = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
                body["@type"] as? String == "MessageCard", body["@context"] as? String == "https://schema.org/extensions",
                body["summary"] as? String != nil, let sections = body["sections"] as? [[String: Any]],
                sections.allSatisfy({ ($0["facts"] as? [[String: String]])?.isEmpty == false })
            else { return .init(status: 400, body: "Summary or Text is required.") }
            return .init(status: 200, body: "1")
        }
        defer { teams.stop() }
        try repo.write("more.env", Data("T=\(Self.githubToken(seed: 12))\nU=\(Self.githubToken(seed: 13))\n".utf8))
        #expect(try linger(["scan", ".", "--ledger", "--now", Self.time(1)], in: repo.path).status == 1)
        let toSlack = try linger(
            ["notify", "--fingerprint", String(try #require(try json(try linger(["status", "--format", "json"], in: repo.path))["secrets"] as? [[String: Any]]).compactMap { $0["fingerprint"] as? String }.first!.prefix(12)),
             "--webhook", slack.baseURL + "/services/T0/B0/x", "--webhook-format", "slack"], in: repo.path)
        #expect(toSlack.status == 0, "\(toSlack.stderr)")
        let toTeams = try linger(
            ["notify", "--all-new", "--webhook", teams.baseURL + "/webhookb2/x", "--webhook-format", "teams"], in: repo.path)
        #expect(toTeams.status == 0, "\(toTeams.stderr)")
        for body in (slack.requests + teams.requests).map({ String(decoding: $0.body, as: UTF8.self) }) {
            #expect(!body.contains(token))
        }
        // Plain HTTP to anywhere but loopback is refused before anything is sent.
        let refused = try linger(["notify", "--all-new", "--webhook", "http://hooks.example.invalid/x"], in: repo.path)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("only https://"))
    }

    @Test func liveChecksGoOnlyToTheConfiguredProviderAndFollowRevocation() throws {
        let revoked = RevocationFlag()
        let server = try LoopbackHTTPServer { request in
            guard request.path == "/user" else { return .init(status: 404) }
            return revoked.value ? .init(status: 401) : .init(status: 200, body: #"{"login":"octo-dev"}"#)
        }
        defer { server.stop() }
        let repo = try Scratch()
        let token = Self.githubToken(seed: 21)
        try repo.write("app.env", Data("T=\(token)\n".utf8))
        // Where live checks go is the operator's choice (LINGER_CONFIG), never the repository's.
        let operatorFolder = try Scratch()
        try operatorFolder.write(
            "linger.yml", Data("verification:\n  base_urls: {github: '\(server.baseURL)'}\n  timeout: 2s\n".utf8))
        let verify = ["LINGER_NO_VERIFY": "0", "LINGER_CONFIG": operatorFolder.path + "/linger.yml"]
        // Day 0: GitHub (the loopback imitation) accepts the token: live, exit 3, recorded.
        var scan = try CLI.run(
            ["scan", ".", "--ledger", "--now", Self.time(0), "--format", "json"], environment: verify, in: repo.path)
        #expect(scan.status == 3)
        let finding = try #require((try json(scan)["findings"] as? [[String: Any]])?.first)
        #expect(finding["verdict"] as? String == "live")
        #expect(finding["verdict_evidence"] as? String == "github accepted it (HTTP 200); acts as octo-dev")
        #expect(server.requests.count == 1)
        // --no-verify: nothing is sent.
        scan = try CLI.run(["scan", ".", "--no-verify"], environment: verify, in: repo.path)
        #expect(scan.status == 1)
        #expect(server.requests.count == 1)
        // Day 1: notified; day 3: revoked at GitHub, and the recheck says so.
        #expect(
            try CLI.run(["notify", "--all-new", "--now", Self.time(1)], environment: verify, in: repo.path).status == 0)
        revoked.value = true
        let recheck = try CLI.run(
            ["recheck", "--now", Self.time(3), "--format", "json"], environment: verify, in: repo.path)
        #expect(recheck.status == 0)
        let check = try #require((try json(recheck)["checks"] as? [[String: Any]])?.first)
        #expect(check["verdict"] as? String == "inactive")
        #expect(check["method"] as? String == "http:github")
        #expect(check["state"] as? String == "resolved")
        #expect(server.requests.count == 2)
    }

    /// A repository's `.linger.yml` cannot send found secrets anywhere: not in a scan of its
    /// history, not in a recheck. It is told so, and the rest of its file still applies.
    @Test func aRepositoryFileCannotRedirectLiveChecks() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200, body: #"{"login":"attacker"}"#) }
        defer { server.stop() }
        let repo = try Scratch()
        let token = Self.githubToken(seed: 23)
        try repo.write("app.env", Data("T=\(token)\n".utf8))
        try repo.write(
            ".linger.yml",
            Data(
                """
                verification:
                  base_urls: {github: '\(server.baseURL)'}
                  timeout: 100000d
                jwt:
                  keys: [{hmac_env: AWS_SECRET_ACCESS_KEY}, {jwks: /etc/passwd}, {pem: ../../outside.pem}]
                sla: {days: 2}

                """.utf8))
        let verify = ["LINGER_NO_VERIFY": "0", "AWS_SECRET_ACCESS_KEY": "operator-secret"]
        let scan = try CLI.run(
            ["scan", ".", "--ledger", "--now", Self.time(0), "--format", "json"], environment: verify, in: repo.path)
        #expect(server.requests.isEmpty)
        #expect(scan.status != 3)
        #expect(scan.stderr.contains("`verification` ignored"))
        #expect(scan.stderr.contains("hmac_env AWS_SECRET_ACCESS_KEY ignored"))
        #expect(scan.stderr.contains("/etc/passwd ignored"))
        #expect(scan.stderr.contains("../../outside.pem ignored"))
        #expect((try json(scan)["findings"] as? [[String: Any]])?.count == 1)
        #expect(
            try CLI.run(["notify", "--all-new", "--now", Self.time(1)], environment: verify, in: repo.path).status == 0)
        let recheck = try CLI.run(["recheck", "--now", Self.time(3)], environment: verify, in: repo.path)
        #expect(server.requests.isEmpty, "\(recheck.stdout)\(recheck.stderr)")
        #expect(recheck.stderr.contains("`verification` ignored"))
    }

    /// The verdicts and the rotation gate mean what they say: a fixture key is not "live"; a
    /// secret nothing can check fails the gate once overdue ("rotation unconfirmed"), not only
    /// a confirmed-live one; a missing ledger is an error, not a pass.
    @Test func theRotationGateFailsOnUnconfirmedRotation() throws {
        let repo = try Scratch()
        try sh(["git", "init", "-q", "-b", "main"], in: repo.path)
        // No ledger yet: every verb but `scan --ledger` refuses, and says where it looked.
        let missing = try linger(["recheck"], in: repo.path)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no ledger at"), "\(missing.stderr)")
        #expect(try linger(["status"], in: repo.path).status == 2)
        #expect(!FileManager.default.fileExists(atPath: repo.path + "/.linger/ledger.sqlite"))

        // A readable private key, scanned without live checks: unverified, exit 1 — never 3.
        try sh(
            ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "fixture.pem"],
            in: repo.path)
        let keyScan = try linger(["scan", "fixture.pem", "--no-verify", "--format", "json"], in: repo.path)
        #expect(keyScan.status == 1)
        let key = try #require((try json(keyScan)["findings"] as? [[String: Any]])?.first)
        #expect(key["verdict"] as? String == "unverified")
        #expect(try linger(["scan", "fixture.pem", "--no-verify", "--fail-on", "live"], in: repo.path).status == 0)
        try FileManager.default.removeItem(atPath: repo.path + "/fixture.pem")

        // A password no provider can be asked about, notified on day 0.
        try repo.write("db.env", Data("db_password = \"Kq7#vR2m!xT9\"\n".utf8))
        #expect(try linger(["scan", ".", "--ledger", "--now", Self.time(0)], in: repo.path).status == 1)
        #expect(try linger(["notify", "--all-new", "--now", Self.time(0)], in: repo.path).status == 0)
        // Day 3: within the deadline.
        #expect(try linger(["recheck", "--now", Self.time(3)], in: repo.path).status == 0)
        // Day 6: overdue and not confirmed rotated: the gate fails, and says why.
        let day6 = try linger(["recheck", "--now", Self.time(6), "--format", "json"], in: repo.path)
        #expect(day6.status == 1)
        let check = try #require((try json(day6)["checks"] as? [[String: Any]])?.first)
        #expect(check["verdict"] as? String == "unverified")
        #expect((check["gate_reason"] as? String)?.hasPrefix("rotation unconfirmed: ") == true, "\(check)")
        #expect(try json(day6)["overdue_unrotated"] as? Int == 1)
        let text = try linger(["recheck", "--now", Self.time(6)], in: repo.path)
        #expect(text.stdout.contains("OVERDUE (rotation unconfirmed: no live check exists for this rule)"))
        #expect(text.stdout.contains("1 secret past the deadline not confirmed rotated (1 unverified)."))
        // The narrow gate, for teams that want it, passes; so does the wide one once resolved.
        #expect(try linger(["recheck", "--now", Self.time(6), "--only-live"], in: repo.path).status == 0)
        let fingerprint = try #require(check["fingerprint"] as? String)
        #expect(
            try linger(
                ["resolve", String(fingerprint.prefix(12)), "--reason", "rotated", "--now", Self.time(6)],
                in: repo.path
            ).status == 0)
        #expect(try linger(["recheck", "--now", Self.time(7)], in: repo.path).status == 0)
        // `ledger init` starts one on purpose elsewhere.
        let other = try Scratch()
        #expect(try linger(["ledger", "init"], in: other.path).status == 0)
        #expect(try linger(["status"], in: other.path).status == 0)
    }

    /// A ledger that cannot be written: the scan still prints its findings, then exits 2; a
    /// read-only ledger can still be read by `status`.
    @Test func aLedgerThatCannotBeWrittenLosesNoReportAndCanStillBeRead() throws {
        let repo = try Scratch()
        try repo.write("app.env", Data("T=\(Self.githubToken(seed: 31))\n".utf8))
        let ledgerFolder = try Scratch()
        let path = ledgerFolder.path + "/ledger.sqlite"
        #expect(try linger(["scan", ".", "--ledger-path", path], in: repo.path).status == 1)
        // A file where the ledger should be is not a database: recording fails, the report stands.
        let broken = ledgerFolder.path + "/broken.sqlite"
        try Data("not a database".utf8).write(to: URL(fileURLWithPath: broken))
        let failed = try linger(["scan", ".", "--ledger-path", broken, "--format", "json"], in: repo.path)
        #expect(failed.status == 2)
        #expect((try json(failed)["findings"] as? [[String: Any]])?.count == 1)
        #expect(failed.stderr.contains("not a Linger ledger"))
        // Read-only: status reads it.
        for file in try FileManager.default.contentsOfDirectory(atPath: ledgerFolder.path) {
            chmod(ledgerFolder.path + "/" + file, 0o400)
        }
        chmod(ledgerFolder.path, 0o500)
        defer { chmod(ledgerFolder.path, 0o700) }
        if getuid() != 0 {
            let status = try linger(["status", "--ledger-path", path, "--format", "json"], in: repo.path)
            #expect(status.status == 0, "\(status.stderr)")
            #expect((try json(status)["secrets"] as? [[String: Any]])?.count == 1)
        }
        // Root writes anyway, so the read-only path is driven directly.
        let readOnly = try LingerKit.Ledger(readingOnly: path)
        #expect(readOnly.isReadOnly)
        #expect(try readOnly.secrets().count == 1)
    }

    /// Every secret in status says where it lives and who should rotate it: the CODEOWNERS entry
    /// for its path (the last matching pattern wins), else the introducing commit's author; and
    /// `notify --group-by owner` sends one notification per owner.
    @Test func statusNamesPlacesAndOwners() throws {
        let repo = try Scratch()
        try sh(["git", "init", "-q", "-b", "main"], in: repo.path)
        try repo.write(".github/CODEOWNERS", Data("# owners\n*.env @app-team\n/config/ @platform-team\n".utf8))
        try repo.write("config/prod.env", Data("T=\(Self.githubToken(seed: 51))\n".utf8))
        try repo.write("service/local.env", Data("T=\(Self.githubToken(seed: 52))\n".utf8))
        try repo.write("notes/setup.txt", Data("token ghp: \(Self.githubToken(seed: 53))\n".utf8))
        try sh(["git", "add", "-A"], in: repo.path)
        try sh(["git", "commit", "-q", "-m", "settings"], in: repo.path)
        let head = try sh(["git", "rev-parse", "HEAD"], in: repo.path).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try linger(["scan", "--git", ".", "--ledger", "--now", Self.time(0)], in: repo.path).status == 1)
        let status = try json(try linger(["status", "--format", "json", "--now", Self.time(0)], in: repo.path))
        let secrets = try #require(status["secrets"] as? [[String: Any]])
        #expect(secrets.count == 3)
        var owners: [String: String] = [:]
        var fingerprints: [String: String] = [:]
        for secret in secrets {
            let place = try #require((secret["places"] as? [[String: Any]])?.first)
            let path = try #require(place["path"] as? String)
            #expect(place["commit"] as? String == head)
            #expect(place["author"] as? String == "Dev One <dev@linger.invalid>")
            owners[path] = "\(secret["owner"] as? String ?? "") (\(secret["owner_source"] as? String ?? ""))"
            fingerprints[path] = secret["fingerprint"] as? String
        }
        // A notification carries the owner and the introducing commit's author too.
        let hook = try LoopbackHTTPServer { _ in .init(status: 204) }
        defer { hook.stop() }
        let prod = try #require(fingerprints["config/prod.env"])
        let sent = try linger(
            ["notify", "--fingerprint", String(prod.prefix(12)), "--webhook", hook.baseURL + "/hook", "--now", Self.time(0)],
            in: repo.path)
        #expect(sent.status == 0, "\(sent.stderr)")
        let payload = try CLI.json(String(decoding: try #require(hook.requests.last).body, as: UTF8.self))
        let item = try #require((payload["secrets"] as? [[String: Any]])?.first)
        #expect(item["owner"] as? String == "@platform-team")
        #expect((item["places"] as? [[String: Any]])?.first?["author"] as? String == "Dev One <dev@linger.invalid>")
        #expect(owners["config/prod.env"] == "@platform-team (.github/CODEOWNERS)")
        #expect(owners["service/local.env"] == "@app-team (.github/CODEOWNERS)")
        #expect(owners["notes/setup.txt"] == "Dev One <dev@linger.invalid> (commit author)")
        let text = try linger(["status", "--now", Self.time(0)], in: repo.path).stdout
        #expect(text.isEmpty == false)
        let grouped = try linger(["notify", "--all-new", "--group-by", "owner", "--now", Self.time(0)], in: repo.path)
        #expect(grouped.status == 0, "\(grouped.stderr)")
        #expect(grouped.stdout.contains("Recorded notification of 1 secret to @app-team via manual."))
        #expect(grouped.stdout.contains("Recorded notification of 1 secret to Dev One <dev@linger.invalid> via manual."))
        let html = try linger(["status", "--format", "html", "--now", Self.time(0)], in: repo.path).stdout
        #expect(html.contains("@platform-team") && html.contains("id=\"f-live\"") && !html.contains("<script"))
    }

    /// `linger revoke` sends the re-read value to the rule's revocation endpoint (a loopback
    /// imitation of GitHub's credential revocation API here) and records the secret as revoked only
    /// once the provider confirms; status says what to do next for open secrets.
    @Test func revokeIsRecordedOnlyAfterTheProviderConfirms() throws {
        let confirm = RevocationFlag()
        let server = try LoopbackHTTPServer { request in
            guard request.method == "POST", request.path == "/credentials/revoke" else { return .init(status: 404) }
            return confirm.value ? .init(status: 202) : .init(status: 500)
        }
        defer { server.stop() }
        let operatorFolder = try Scratch()
        try operatorFolder.write("linger.yml", Data("verification:\n  base_urls: {github: '\(server.baseURL)'}\n".utf8))
        let environment = ["LINGER_CONFIG": operatorFolder.path + "/linger.yml"]
        let repo = try Scratch()
        let token = Self.githubToken(seed: 61)
        try repo.write("ci.env", Data("GH=\(token)\n".utf8))
        #expect(try CLI.run(["scan", ".", "--ledger", "--now", Self.time(0)], in: repo.path).status == 1)
        let listed = try json(try linger(["status", "--format", "json", "--now", Self.time(0)], in: repo.path))
        let secret = try #require((listed["secrets"] as? [[String: Any]])?.first)
        let fingerprint = try #require(secret["fingerprint"] as? String)
        let next = try #require(secret["next_step"] as? String)
        #expect(next.contains("https://github.com/settings/tokens"))
        #expect(next.contains("linger revoke \(fingerprint.prefix(12))"))

        // The provider fails: nothing is recorded.
        let failed = try CLI.run(["revoke", String(fingerprint.prefix(12))], environment: environment, in: repo.path)
        #expect(failed.status == 2)
        #expect(failed.stderr.contains("did not confirm the revocation (HTTP 500); nothing recorded"))
        let still = try json(try linger(["status", "--format", "json"], in: repo.path))
        #expect((still["secrets"] as? [[String: Any]])?.first?["state"] as? String == "open")
        // It confirms: recorded as revoked, and the value went only to the configured host.
        confirm.value = true
        let revoked = try CLI.run(["revoke", String(fingerprint.prefix(12))], environment: environment, in: repo.path)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.contains("recorded as resolved (revoked)"))
        let body = String(decoding: try #require(server.requests.last).body, as: UTF8.self)
        #expect(body == "{\"credentials\":[\"\(token)\"]}")
        let after = try json(try linger(["status", "--format", "json"], in: repo.path))
        let resolved = try #require((after["secrets"] as? [[String: Any]])?.first)
        #expect(resolved["state"] as? String == "resolved")
        #expect(resolved["resolution"] as? String == "revoked")
        // A kind of secret with no public endpoint says where to rotate it instead.
        try repo.write("db.env", Data("db_password = \"Kq7#vR2m!xT9\"\n".utf8))
        #expect(try CLI.run(["scan", ".", "--ledger", "--now", Self.time(1)], in: repo.path).status == 1)
        let password = try #require(
            (try json(try linger(["status", "--format", "json"], in: repo.path))["secrets"] as? [[String: Any]])?
                .first { $0["rule"] as? String != "github-pat" }?["fingerprint"] as? String)
        let none = try CLI.run(["revoke", String(password.prefix(12))], environment: environment, in: repo.path)
        #expect(none.status == 2)
        #expect(none.stderr.contains("no public revocation endpoint"))
    }

    @Test func twoScansWritingToOneLedgerAtOnceLoseNothing() throws {
        let ledger = try Scratch()
        let repos = try (0..<2).map { index -> Scratch in
            let repo = try Scratch()
            for file in 0..<30 {
                try repo.write(
                    "f\(file).env", Data("T=\(Self.githubToken(seed: UInt64(100 * index + file + 1000)))\n".utf8))
            }
            return repo
        }
        let path = ledger.path + "/shared.sqlite"
        let group = DispatchGroup()
        let statuses = StatusBox()
        for repo in repos {
            let repoPath = repo.path
            DispatchQueue.global().async(group: group) {
                let run = try? CLI.run(["scan", repoPath, "--ledger-path", path, "--format", "json"])
                statuses.add(run?.status ?? -1)
            }
        }
        group.wait()
        #expect(statuses.values.sorted() == [1, 1])
        let status = try json(try linger(["status", "--ledger-path", path, "--format", "json"], in: ledger.path))
        #expect(status["open"] as? Int == 60)
    }
}

final class RevocationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var value: Bool {
        get {
            lock.lock()
            defer { lock.unlock() }
            return flag
        }
        set {
            lock.lock()
            flag = newValue
            lock.unlock()
        }
    }
}

final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Int32] = []
    func add(_ value: Int32) {
        lock.lock()
        list.append(value)
        lock.unlock()
    }
    var values: [Int32] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}
