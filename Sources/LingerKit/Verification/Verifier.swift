import Foundation
import Synchronization

/// What a live check found.
public struct VerificationOutcome: Sendable, Equatable, Codable {
    public var verdict: Verdict
    /// What the provider answered, in words (never the secret).
    public var evidence: String
    public var status: Int?
    /// Who the secret acts as, when the provider says.
    public var identity: String?
    public var scopes: String?
    public var provider: String
}

/// Settings for live checks: where providers are (enterprise hosts, or a test server on
/// 127.0.0.1), time limits and politeness.
public struct VerificationSettings: Sendable {
    /// Provider name → base URL replacing the scheme, host and port of the rule's URL (its path is
    /// kept and appended). From `.linger.yml`, never from scanned content.
    public var baseURLs: [String: String] = [:]
    public var timeout: TimeInterval = 10
    /// Requests in flight to one host at once.
    public var perHostConcurrency = 2
    /// Least time between two requests to one host.
    public var minimumInterval: TimeInterval = 0.1

    public init() {}
}

/// Asks providers whether secrets still work. Requests go to the host fixed in the rule (or the
/// configured override), over HTTPS with certificate verification; each distinct secret is checked
/// once per run; network errors, 429 and 5xx are `unknown`, never `inactive`.
public final class Verifier: @unchecked Sendable {
    public let settings: VerificationSettings
    let client: HTTPClient
    /// Per host: how many requests may be in flight, and when the last one was sent; per secret,
    /// the outcome of its check this run.
    private struct Shared {
        var hostGates: [String: DispatchSemaphore] = [:]
        var lastRequest: [String: Date] = [:]
        var cache: [String: VerificationOutcome] = [:]
    }
    private let shared = Mutex(Shared())
    private let now: () -> Date

    public init(settings: VerificationSettings = VerificationSettings(), now: @escaping () -> Date = Date.init) {
        self.settings = settings
        self.client = HTTPClient(timeout: settings.timeout)
        self.now = now
    }

    /// Checks every finding whose rule has a validation block, setting its verdict and evidence.
    /// Findings already shown inactive (an expired JWT) are not sent; the provider's answer is
    /// recorded as evidence, and `Verdict.judge` weighs it first.
    public func verify(_ result: inout ScanResult) {
        guard !result.findings.isEmpty else { return }
        // The findings' rules alone: copying all of them into the table was most of the check.
        let found = Set(result.findings.map(\.ruleID))
        let all = result.rules
        let rules = Dictionary(
            all.indices.lazy.filter { found.contains(all[$0].id) }.map { (all[$0].id, all[$0]) },
            uniquingKeysWith: { first, _ in first })
        var jobs: [(index: Int, rule: Rule, secret: String, id: String?, key: String)] = []
        for (index, finding) in result.findings.enumerated() {
            guard let rule = rules[finding.ruleID], let validation = rule.validation else { continue }
            guard finding.verdict != .inactive else { continue }
            var id: String?
            if validation.kind == .awsSTS {
                // The key id written nearest the secret in the same file.
                id =
                    result.findings.filter { $0.ruleID == "aws-access-key-id" && $0.path == finding.path }
                    .min { abs($0.region.line - finding.region.line) < abs($1.region.line - finding.region.line) }?
                    .secret
            }
            jobs.append((index, rule, finding.secret, id, finding.fingerprint + "|" + (id ?? "")))
        }
        guard !jobs.isEmpty else { return }
        let unique = Dictionary(jobs.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let keys = Array(unique.keys).sorted()
        let outcomes = OutcomeBox()
        DispatchQueue.concurrentPerform(iterations: min(8, keys.count)) { worker in
            var position = worker
            while position < keys.count {
                let job = unique[keys[position]]!
                outcomes.set(keys[position], check(rule: job.rule, secret: job.secret, id: job.id))
                position += min(8, keys.count)
            }
        }
        for job in jobs {
            guard let outcome = outcomes.get(job.key) else { continue }
            result.findings[job.index].verification = outcome
            switch outcome.verdict {
            case .live: result.findings[job.index].record(.providerAccepted(outcome.evidence))
            case .inactive: result.findings[job.index].record(.providerRejected(outcome.evidence))
            case .unknown, .unverified: result.findings[job.index].record(.checkFailed(outcome.evidence))
            }
        }
    }

    /// One live check (cached per secret for the run).
    public func check(rule: Rule, secret: String, id: String?) -> VerificationOutcome {
        guard let validation = rule.validation else {
            return VerificationOutcome(verdict: .unknown, evidence: "no live check for this rule", provider: "")
        }
        let cacheKey = rule.family + "|" + secret + "|" + (id ?? "")
        if let cached = shared.withLock({ $0.cache[cacheKey] }) { return cached }
        let outcome = perform(validation, secret: secret, id: id)
        shared.withLock { $0.cache[cacheKey] = outcome }
        return outcome
    }

    private func perform(_ validation: Validation, secret: String, id: String?) -> VerificationOutcome {
        let name = validation.provider
        func unknown(_ why: String, status: Int? = nil) -> VerificationOutcome {
            VerificationOutcome(verdict: .unknown, evidence: "\(name): \(why)", status: status, provider: name)
        }
        if validation.kind == .awsSTS && (id ?? "").isEmpty {
            return unknown("no access key id beside the secret to sign with")
        }
        guard let url = target(validation, secret: secret, id: id) else {
            return unknown("the request could not be formed")
        }
        var headers = validation.headers.mapValues { Validation.fill($0, secret: secret, id: id, urlEncoded: false) }
        var body = validation.body.map { Validation.fill($0, secret: secret, id: id, urlEncoded: false) }
        if validation.kind == .awsSTS, let id {
            body = "Action=GetCallerIdentity&Version=2011-06-15"
            headers = AWSSignature.sign(
                url: url, body: body ?? "", accessKeyID: id, secretKey: secret, date: now(), region: "us-east-1",
                service: "sts")
        }
        let host = url.host ?? ""
        let concurrency = settings.perHostConcurrency
        let gate = shared.withLock { shared in
            if let gate = shared.hostGates[host] { return gate }
            let gate = DispatchSemaphore(value: concurrency)
            shared.hostGates[host] = gate
            return gate
        }
        gate.wait()
        defer { gate.signal() }
        // Politeness: a minimum interval between requests to one host.
        let interval = settings.minimumInterval
        let wait = shared.withLock { shared in
            let earliest = (shared.lastRequest[host] ?? .distantPast).addingTimeInterval(interval)
            shared.lastRequest[host] = max(Date(), earliest)
            return earliest.timeIntervalSinceNow
        }
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        let response: HTTPResponse
        do {
            response = try client.send(validation.method, url, headers: headers, body: body.map { Data($0.utf8) })
        } catch {
            return unknown("\(error)")
        }
        if response.status == 429 { return unknown("rate limited (HTTP 429)", status: 429) }
        if response.status >= 500 {
            return unknown("provider error (HTTP \(response.status))", status: response.status)
        }
        var identity = validation.identity.flatMap { Validation.jsonValue($0, in: response.body) }
        if validation.kind == .awsSTS, let arn = Self.xmlValue("Arn", in: response.body) { identity = arn }
        let scopes = validation.scopesHeader.flatMap { response.headers[$0.lowercased()] }
        if validation.inactive.matches(response) {
            return VerificationOutcome(
                verdict: .inactive, evidence: "\(name) rejected it (HTTP \(response.status))", status: response.status,
                identity: nil, scopes: nil, provider: name)
        }
        if validation.live.matches(response) {
            var evidence = "\(name) accepted it (HTTP \(response.status))"
            if let identity { evidence += "; acts as \(identity)" }
            if let scopes, !scopes.isEmpty { evidence += "; scopes \(scopes)" }
            return VerificationOutcome(
                verdict: .live, evidence: evidence, status: response.status, identity: identity, scopes: scopes,
                provider: name)
        }
        return unknown("unexpected answer (HTTP \(response.status))", status: response.status)
    }

    /// The request URL: the rule's, with the configured base URL in place of its scheme and host.
    func target(_ validation: Validation, secret: String, id: String?) -> URL? {
        var text = Validation.fill(validation.url, secret: secret, id: id, urlEncoded: true)
        if text.contains("{{secret_path}}") {
            // The path of a secret that is itself a URL (webhooks), on the rule's fixed host.
            guard let path = URL(string: secret)?.path, path.hasPrefix("/") else { return nil }
            text = text.replacingOccurrences(of: "/{{secret_path}}", with: path)
        }
        guard var components = URLComponents(string: text) else { return nil }
        if let base = settings.baseURLs[validation.provider], let override = URLComponents(string: base) {
            components.scheme = override.scheme
            components.host = override.host
            components.port = override.port
            let prefix = override.path.hasSuffix("/") ? String(override.path.dropLast()) : override.path
            components.percentEncodedPath = prefix + components.percentEncodedPath
        }
        return components.url
    }

    static func xmlValue(_ element: String, in body: Data) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let start = text.range(of: "<\(element)>"),
            let end = text.range(of: "</\(element)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }

    private final class OutcomeBox: Sendable {
        private let values = Mutex([String: VerificationOutcome]())
        func set(_ key: String, _ value: VerificationOutcome) { values.withLock { $0[key] = value } }
        func get(_ key: String) -> VerificationOutcome? { values.withLock { $0[key] } }
    }
}

/// AWS Signature Version 4 for one request (the STS identity check).
enum AWSSignature {
    static func sign(
        url: URL, body: String, accessKeyID: String, secretKey: String, date: Date, region: String, service: String
    ) -> [String: String] {
        let amzDate = Timestamp.compact(date)
        let day = String(amzDate.prefix(8))
        let contentType = "application/x-www-form-urlencoded; charset=utf-8"
        let host = url.port.map { "\(url.host ?? ""):\($0)" } ?? (url.host ?? "")
        let path = url.path.isEmpty ? "/" : url.path
        let canonical = [
            "POST", path, url.query ?? "", "content-type:\(contentType)", "host:\(host)", "x-amz-date:\(amzDate)", "",
            "content-type;host;x-amz-date", Digest.hex(Digest.sha256(Array(body.utf8))),
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = ["AWS4-HMAC-SHA256", amzDate, scope, Digest.hex(Digest.sha256(Array(canonical.utf8)))]
            .joined(separator: "\n")
        var key = Digest.hmacSHA256(key: Array("AWS4\(secretKey)".utf8), message: Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = Digest.hmacSHA256(key: key, message: Array(part.utf8)) }
        let signature = Digest.hex(Digest.hmacSHA256(key: key, message: Array(toSign.utf8)))
        return [
            "Content-Type": contentType, "X-Amz-Date": amzDate,
            "Authorization":
                "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=content-type;host;x-amz-date, Signature=\(signature)",
        ]
    }
}
