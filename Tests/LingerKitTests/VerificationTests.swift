import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// Live checks against a loopback server that imitates each provider's endpoint: a valid token
/// gets the provider's success answer with an identity, a revoked one its rejection, a rate-limited
/// one 429, a broken provider 5xx, a slow one no answer in time.
@Suite(.serialized) struct VerificationTests {
    enum Mode: String { case live, revoked, limited, broken, slow }

    /// How each provider answers, as its documentation describes: (success, rejection).
    static let imitations: [String: (live: LoopbackHTTPServer.Reply, revoked: LoopbackHTTPServer.Reply)] = [
        "github": (
            .init(status: 200, body: #"{"login":"octo-dev"}"#, headers: ["X-OAuth-Scopes": "repo, read:org"]),
            .init(status: 401, body: #"{"message":"Bad credentials"}"#)
        ),
        "gitlab": (.init(status: 200, body: #"{"name":"ci-token","scopes":["api"]}"#), .init(status: 401)),
        "slack": (
            .init(status: 200, body: #"{"ok":true,"user":"deploy-bot","team":"Acme"}"#),
            .init(status: 200, body: #"{"ok":false,"error":"invalid_auth"}"#)
        ),
        "slack-webhook": (.init(status: 400, body: "invalid_payload"), .init(status: 404, body: "no_service")),
        "stripe": (.init(status: 200, body: #"{"object":"balance"}"#), .init(status: 401)),
        "openai": (.init(status: 200, body: #"{"data":[]}"#), .init(status: 401)),
        "anthropic": (.init(status: 200, body: #"{"data":[]}"#), .init(status: 401)),
        "aws": (
            .init(
                status: 200,
                body:
                    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>"
            ),
            .init(status: 403, body: "<Error><Code>InvalidClientTokenId</Code></Error>")
        ),
        "google-maps": (
            .init(status: 200, body: #"{"status":"OK","results":[]}"#),
            .init(
                status: 200, body: #"{"status":"REQUEST_DENIED","error_message":"The provided API key is invalid. "}"#)
        ),
        "sendgrid": (.init(status: 200, body: #"{"scopes":["mail.send"]}"#), .init(status: 401)),
        "npm": (.init(status: 200, body: #"{"username":"release-bot"}"#), .init(status: 401)),
        "pypi": (
            .init(status: 400, body: "Invalid or non-existent file"), .init(status: 403, body: "Invalid API Token")
        ),
        "huggingface": (.init(status: 200, body: #"{"name":"ml-team"}"#), .init(status: 401)),
        "datadog": (
            .init(status: 200, body: #"{"valid":true}"#), .init(status: 403, body: #"{"errors":["Forbidden"]}"#)
        ),
        "discord": (.init(status: 200, body: #"{"name":"alerts"}"#), .init(status: 401)),
        "telegram": (
            .init(status: 200, body: #"{"ok":true,"result":{"username":"acme_bot"}}"#),
            .init(status: 401, body: #"{"ok":false}"#)
        ),
        "mailgun": (.init(status: 200, body: #"{"items":[]}"#), .init(status: 401)),
        "digitalocean": (.init(status: 200, body: #"{"account":{"email":"ops@example.invalid"}}"#), .init(status: 401)),
        "heroku": (.init(status: 200, body: #"{"email":"ops@example.invalid"}"#), .init(status: 401)),
        "groq": (.init(status: 200, body: #"{"data":[]}"#), .init(status: 401)),
        "linear": (.init(status: 200, body: #"{"data":{"viewer":{"name":"Dev One"}}}"#), .init(status: 401)),
        "notion": (.init(status: 200, body: #"{"name":"Sync bot"}"#), .init(status: 401)),
        "cloudflare": (.init(status: 200, body: #"{"result":{"id":"tok-1","status":"active"}}"#), .init(status: 401)),
    ]

    final class Behaviour: @unchecked Sendable {
        private let lock = NSLock()
        private var value: (Mode, String) = (.live, "")
        var current: (Mode, String) {
            get { lock.lock(); defer { lock.unlock() }; return value }
            set { lock.lock(); value = newValue; lock.unlock() }
        }
    }

    static func server(_ behaviour: Behaviour) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { _ in
            let (mode, provider) = behaviour.current
            guard let imitation = imitations[provider] else { return .init(status: 404) }
            switch mode {
            case .live: return imitation.live
            case .revoked: return imitation.revoked
            case .limited: return .init(status: 429, headers: ["Retry-After": "30"])
            case .broken: return .init(status: 503)
            case .slow: return .init(status: 200, body: "{}", delay: 2)
            }
        }
    }

    static var validatedRules: [Rule] { Fixtures.builtInRules.ruleSet.rules.filter { $0.validation != nil } }

    func verifier(_ server: LoopbackHTTPServer) -> Verifier {
        var settings = VerificationSettings()
        for rule in Self.validatedRules { settings.baseURLs[rule.validation!.provider] = server.baseURL }
        settings.timeout = 1
        settings.minimumInterval = 0
        return Verifier(settings: settings)
    }

    @Test func atLeastTwentyProvidersEachDocumented() {
        let providers = Set(Self.validatedRules.map { $0.validation!.provider })
        #expect(providers.count >= 20)
        #expect(Self.validatedRules.allSatisfy { $0.validation?.reveals?.isEmpty == false })
        #expect(Set(Self.imitations.keys).isSuperset(of: providers))
    }

    @Test func everyValidatorSaysLiveInactiveAndUnknown() throws {
        let behaviour = Behaviour()
        let server = try Self.server(behaviour)
        defer { server.stop() }
        for rule in Self.validatedRules {
            let provider = rule.validation!.provider
            let secret = rule.examples[0].secret
            let id = rule.validation!.kind == .awsSTS ? "AKIADB72UYXMWO7NAP66" : nil
            for (mode, expected) in [
                (Mode.live, Verdict.live), (.revoked, .inactive), (.limited, .unknown), (.broken, .unknown),
            ] {
                behaviour.current = (mode, provider)
                // A fresh verifier each time: a run checks a secret once.
                let outcome = verifier(server).check(rule: rule, secret: secret, id: id)
                #expect(outcome.verdict == expected, "\(rule.id) \(mode): \(outcome.evidence)")
                if mode == .live, let field = rule.validation!.identity {
                    #expect(outcome.identity != nil, "\(rule.id): identity \(field)")
                }
            }
            // The request carried the secret where the provider expects it, and nothing else leaked.
            let request = try #require(server.requests.last)
            let carried =
                request.headers.values.joined(separator: " ") + " " + (request.path.removingPercentEncoding ?? "") + " "
                + String(decoding: request.body, as: UTF8.self)
            let decodedBasic = request.headers["authorization"].flatMap { header -> String? in
                guard header.hasPrefix("Basic ") else { return nil }
                return Data(base64Encoded: String(header.dropFirst(6))).map { String(decoding: $0, as: UTF8.self) }
            }
            let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
            let secretPath = URL(string: secret)?.path ?? "\u{0}"
            #expect(
                carried.contains(secret) || carried.contains(encoded) || decodedBasic?.contains(secret) == true
                    || request.path == secretPath || rule.validation!.kind == .awsSTS,
                "\(rule.id) did not send its secret")
        }
    }

    @Test func slowProvidersAreUnknownNotInactive() throws {
        let behaviour = Behaviour()
        let server = try Self.server(behaviour)
        defer { server.stop() }
        let rule = try #require(Self.validatedRules.first { $0.id == "github-pat" })
        behaviour.current = (.slow, "github")
        let outcome = verifier(server).check(rule: rule, secret: rule.examples[0].secret, id: nil)
        #expect(outcome.verdict == .unknown)
        #expect(outcome.evidence.contains("no answer within 1 s"))
    }

    @Test func awsChecksAreSignedAndNeedTheKeyID() throws {
        let behaviour = Behaviour()
        let server = try Self.server(behaviour)
        defer { server.stop() }
        let rule = try #require(Self.validatedRules.first { $0.id == "aws-secret-access-key" })
        behaviour.current = (.live, "aws")
        let outcome = verifier(server).check(rule: rule, secret: rule.examples[0].secret, id: "AKIADB72UYXMWO7NAP66")
        #expect(outcome.identity == "arn:aws:iam::123456789012:user/ci")
        let request = try #require(server.requests.last)
        #expect(request.method == "POST")
        #expect(String(decoding: request.body, as: UTF8.self) == "Action=GetCallerIdentity&Version=2011-06-15")
        let authorization = try #require(request.headers["authorization"])
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIADB72UYXMWO7NAP66/"))
        #expect(
            authorization.contains(
                "/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="))
        #expect(authorization.suffix(64).allSatisfy { $0.isHexDigit })
        #expect(!authorization.contains(rule.examples[0].secret))
        // Without a key id beside it, the secret cannot be checked: unknown, and nothing is sent.
        let before = server.requests.count
        #expect(verifier(server).check(rule: rule, secret: rule.examples[0].secret, id: nil).verdict == .unknown)
        #expect(server.requests.count == before)
    }

    @Test func aScanChecksEachSecretOnceAndRecordsTheEvidence() throws {
        let behaviour = Behaviour()
        let server = try Self.server(behaviour)
        defer { server.stop() }
        behaviour.current = (.live, "github")
        let token = Fixtures.githubToken(seed: 808)
        var result = try Fixtures.scanner().scan(blobs: [
            ("a.env", Array("T=\(token)\n".utf8)), ("b.env", Array("T=\(token)\nU=\(token)\n".utf8)),
        ])
        #expect(result.findings.count == 3)
        let before = server.requests.count
        verifier(server).verify(&result)
        #expect(server.requests.count == before + 1)
        #expect(result.findings.allSatisfy { $0.verdict == .live })
        #expect(
            result.findings[0].verdictEvidence
                == "github accepted it (HTTP 200); acts as octo-dev; scopes repo, read:org")
        #expect(result.findings[0].verification?.identity == "octo-dev")
        // The JSON report carries the evidence, never the secret.
        let json = String(decoding: try JSONReport().render(result, options: ReportOptions()), as: UTF8.self)
        #expect(json.contains("\"provider\" : \"github\"") && !json.contains(token))
    }

    @Test func hostsAreFixedInRulesAndOverridesAreHTTPSOrLoopback() throws {
        func rule(_ url: String) throws -> [Rule] {
            try RuleFileParser.parse(
                """
                rules:
                  - id: t
                    name: T
                    pattern: 'tk_([a-z0-9]{20})'
                    tags: [NHI2]
                    confidence: high
                    examples: [{input: 'tk_abcdefghij0123456789', secret: abcdefghij0123456789}]
                    negative_examples: ['tk_short']
                    validation:
                      provider: t
                      url: '\(url)'
                      live: {status: [200]}
                      inactive: {status: [401]}
                """, file: "t.yml", validatePatterns: false)
        }
        #expect(throws: RuleError.self) { try rule("https://{{secret}}.example.com/v1") }
        #expect(throws: RuleError.self) { try rule("http://api.example.com/v1") }
        #expect(try rule("https://api.example.com/v1?key={{secret}}").first?.validation?.provider == "t")
        #expect(throws: ConfigError.self) {
            try LingerConfig.parse("verification:\n  base_urls: {github: 'http://ghe.example.invalid'}\n", file: "c")
        }
        let config = try LingerConfig.parse(
            "verification:\n  base_urls: {github: 'https://ghe.example.invalid/api/v3'}\n  timeout: 5s\n", file: "c")
        #expect(config.verification.timeout == 5)
        let github = try #require(Self.validatedRules.first { $0.id == "github-pat" })
        let target = Verifier(settings: config.verification).target(github.validation!, secret: "x", id: nil)
        #expect(target?.absoluteString == "https://ghe.example.invalid/api/v3/user")
    }
}

/// Revocation through each rule's endpoint, against loopback imitations of the providers.
@Suite struct RevocationTests {
    func rule(_ id: String) throws -> Rule { try #require(try RuleSet.builtIn().first { $0.id == id }) }

    @Test func slackAuthRevokeIsConfirmedOnlyByItsAnswer() throws {
        let server = try LoopbackHTTPServer { request in
            guard request.path == "/api/auth.revoke", request.headers["authorization"] == "Bearer xoxb-fake-1" else {
                return .init(status: 200, body: #"{"ok":false,"error":"invalid_auth"}"#)
            }
            return .init(status: 200, body: #"{"ok":true,"revoked":true}"#)
        }
        defer { server.stop() }
        var settings = VerificationSettings()
        settings.baseURLs["slack"] = server.baseURL
        let revoker = Revoker(settings: settings)
        let slack = try rule("slack-bot-token")
        #expect(revoker.revoke("xoxb-fake-1", rule: slack).confirmed)
        let refused = revoker.revoke("xoxb-fake-2", rule: slack)
        #expect(!refused.confirmed)
        #expect(refused.evidence == "slack did not confirm the revocation (HTTP 200)")
    }

    @Test func githubRevocationAndRulesWithout() throws {
        let server = try LoopbackHTTPServer { request in
            request.path == "/credentials/revoke" ? .init(status: 202) : .init(status: 404)
        }
        defer { server.stop() }
        var settings = VerificationSettings()
        settings.baseURLs["github"] = server.baseURL
        #expect(Revoker(settings: settings).revoke("ghp_fake", rule: try rule("github-fine-grained-pat")).confirmed)
        let none = Revoker(settings: settings).revoke("AKIAFAKE", rule: try rule("aws-access-key-id"))
        #expect(!none.confirmed)
        #expect(none.evidence.contains("no public revocation endpoint; rotate it at https://console.aws.amazon.com"))
    }
}
