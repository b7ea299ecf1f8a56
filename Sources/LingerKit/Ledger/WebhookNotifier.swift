import Foundation

/// The result of delivering a notification to a webhook.
public struct WebhookDelivery: Sendable, Equatable {
    public var delivered: Bool
    public var attempts: Int
    /// The last answer or error, for the ledger.
    public var detail: String
}

/// Posts a notification's summary to a webhook: JSON with fingerprints, rules and places, never a
/// secret's value. Retries network errors, 429 and 5xx with exponential backoff; any other answer
/// is final.
public struct WebhookNotifier: Sendable {
    public var url: URL
    public var client: HTTPClient
    public var attempts: Int
    /// The wait before the second attempt; it doubles for each one after.
    public var backoff: TimeInterval

    public init(url: URL, client: HTTPClient = HTTPClient(), attempts: Int = 3, backoff: TimeInterval = 1) {
        self.url = url
        self.client = client
        self.attempts = max(1, attempts)
        self.backoff = backoff
    }

    public func deliver(_ payload: Data) -> WebhookDelivery {
        var detail = ""
        for attempt in 1...attempts {
            if attempt > 1 { Thread.sleep(forTimeInterval: backoff * pow(2, Double(attempt - 2))) }
            do {
                let response = try client.send(
                    "POST", url,
                    headers: ["Content-Type": "application/json", "User-Agent": "linger/\(Linger.version)"],
                    body: payload)
                detail = "HTTP \(response.status)"
                if (200..<300).contains(response.status) {
                    return WebhookDelivery(delivered: true, attempts: attempt, detail: detail)
                }
                if response.status != 429 && response.status < 500 {
                    return WebhookDelivery(delivered: false, attempts: attempt, detail: detail)
                }
            } catch let failure as HTTPFailure {
                if case .refusedURL = failure {
                    return WebhookDelivery(delivered: false, attempts: attempt, detail: failure.description)
                }
                detail = failure.description
            } catch {
                detail = "\(error)"
            }
        }
        return WebhookDelivery(delivered: false, attempts: attempts, detail: "\(detail) after \(attempts) attempts")
    }

    /// The redacted summary a webhook receives.
    public static func payload(
        secrets: [LedgerSecret], occurrences: [String: [LedgerOccurrence]], channel: String, recipient: String?,
        note: String?, at now: Date
    ) throws -> Data {
        struct Place: Encodable {
            var repository: String
            var path: String
            var line: Int
            var commit: String?
        }
        struct Item: Encodable {
            var fingerprint: String
            var rule: String
            var ruleName: String
            var confidence: String
            var secret: String
            var firstSeen: Date
            var places: [Place]
        }
        struct Payload: Encodable {
            var event = "linger.secrets.notified"
            var time: Date
            var channel: String
            var recipient: String?
            var note: String?
            var secrets: [Item]
        }
        let items = secrets.map { secret in
            Item(
                fingerprint: secret.fingerprint, rule: secret.ruleID, ruleName: secret.ruleName,
                confidence: secret.confidence.rawValue, secret: secret.hint, firstSeen: secret.firstSeen,
                places: (occurrences[secret.fingerprint] ?? []).prefix(20).map {
                    Place(repository: $0.repository, path: $0.path, line: $0.line, commit: $0.commit)
                })
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(
            Payload(time: now, channel: channel, recipient: recipient, note: note, secrets: items))
    }
}
