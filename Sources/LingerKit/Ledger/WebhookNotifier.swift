import Foundation

/// The shape of a webhook's body.
public enum WebhookFormat: String, Sendable, CaseIterable {
    /// Linger's own JSON (`event: linger.secrets.notified`), for scripts and relays.
    case json
    /// A Slack incoming-webhook message.
    case slack
    /// A Microsoft Teams message card.
    case teams
}

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

    /// The redacted summary a webhook receives, in the shape its receiver accepts: Linger's own
    /// JSON, a Slack incoming-webhook message (text and blocks), or a Teams message card. Never a
    /// secret's value: the redacted hint, the rule and the places.
    public static func payload(
        secrets: [LedgerSecret], occurrences: [String: [LedgerOccurrence]], channel: String, recipient: String?,
        note: String?, at now: Date, format: WebhookFormat = .json, owners: OwnerResolver? = nil
    ) throws -> Data {
        switch format {
        case .json:
            return try linger(
                secrets: secrets, occurrences: occurrences, channel: channel, recipient: recipient, note: note, at: now,
                owners: owners)
        case .slack:
            return try slack(secrets: secrets, occurrences: occurrences, recipient: recipient, note: note)
        case .teams:
            return try teams(secrets: secrets, occurrences: occurrences, recipient: recipient, note: note)
        }
    }

    /// One line per secret for chat messages: rule, hint, first place and how many more.
    public static func summaryLine(_ secret: LedgerSecret, _ places: [LedgerOccurrence], markdown: Bool) -> String {
        let code: (String) -> String = { markdown ? "`\($0)`" : $0 }
        var line = "\(markdown ? "*\(secret.ruleName)*" : secret.ruleName) \(code(secret.hint)) (\(String(secret.fingerprint.prefix(12))))"
        if let first = places.first {
            line += " at \(first.repository) \(code("\(first.path):\(first.line)"))"
            if let commit = first.commit { line += " (commit \(commit.prefix(12)))" }
            if places.count > 1 { line += ", and \(places.count - 1) more place\(places.count == 2 ? "" : "s")" }
        }
        return line
    }

    /// The line under a chat message: the sender's note, how many were left out, what to do next
    /// (`code` marks the command as code where the chat renders it).
    static func footer(total: Int, shown: Int, note: String?, code: String) -> String {
        var text = "Rotate each, then record it: \(code)linger resolve FINGERPRINT --reason rotated\(code)."
        if total > shown { text = "\(total - shown) more not shown. " + text }
        return (note.map { $0 + " " } ?? "") + text
    }

    static func heading(_ count: Int, recipient: String?) -> String {
        "Linger: \(count) leaked secret\(count == 1 ? "" : "s") to rotate" + (recipient.map { " (for \($0))" } ?? "")
    }

    /// A Slack incoming-webhook message: `text` (the fallback every client shows) and Block Kit
    /// blocks — a header, a section per secret (at most 45, Slack takes 50 blocks), a context.
    static func slack(
        secrets: [LedgerSecret], occurrences: [String: [LedgerOccurrence]], recipient: String?, note: String?
    ) throws -> Data {
        struct Text: Encodable {
            var type: String
            var text: String
        }
        struct Block: Encodable {
            var type: String
            var text: Text?
            var elements: [Text]?
        }
        struct Message: Encodable {
            var text: String
            var blocks: [Block]
        }
        let title = heading(secrets.count, recipient: recipient)
        var blocks = [Block(type: "header", text: Text(type: "plain_text", text: title), elements: nil)]
        for secret in secrets.prefix(45) {
            let line = summaryLine(secret, occurrences[secret.fingerprint] ?? [], markdown: true)
            blocks.append(Block(type: "section", text: Text(type: "mrkdwn", text: line), elements: nil))
        }
        let context = footer(total: secrets.count, shown: 45, note: note, code: "`")
        blocks.append(Block(type: "context", text: nil, elements: [Text(type: "mrkdwn", text: context)]))
        let encoder = JSONEncoder.linger(pretty: false)
        return try encoder.encode(Message(text: title, blocks: blocks))
    }

    /// A Microsoft Teams message card (what Teams incoming webhooks accept): a title, and a
    /// section of facts per secret (at most 10).
    static func teams(
        secrets: [LedgerSecret], occurrences: [String: [LedgerOccurrence]], recipient: String?, note: String?
    ) throws -> Data {
        struct Fact: Encodable {
            var name: String
            var value: String
        }
        struct Section: Encodable {
            var activityTitle: String
            var facts: [Fact]
        }
        struct Card: Encodable {
            var type = "MessageCard"
            var context = "https://schema.org/extensions"
            var summary: String
            var themeColor = "D93F0B"
            var title: String
            var text: String
            var sections: [Section]

            enum CodingKeys: String, CodingKey {
                case type = "@type", context = "@context", summary, themeColor, title, text, sections
            }
        }
        let title = heading(secrets.count, recipient: recipient)
        let sections = secrets.prefix(10).map { secret -> Section in
            let places = occurrences[secret.fingerprint] ?? []
            var facts = [
                Fact(name: "Rule", value: secret.ruleID), Fact(name: "Secret", value: secret.hint),
                Fact(name: "Fingerprint", value: String(secret.fingerprint.prefix(16))),
            ]
            if let first = places.first {
                facts.append(Fact(name: "Where", value: "\(first.repository) \(first.path):\(first.line)"))
                if let commit = first.commit { facts.append(Fact(name: "Commit", value: String(commit.prefix(12)))) }
                if places.count > 1 { facts.append(Fact(name: "Other places", value: String(places.count - 1))) }
            }
            return Section(activityTitle: secret.ruleName, facts: facts)
        }
        let text = footer(total: secrets.count, shown: 10, note: note, code: "")
        return try JSONEncoder.linger(pretty: false).encode(
            Card(summary: title, title: title, text: text, sections: Array(sections)))
    }

    /// Linger's own JSON: every secret with up to 20 places.
    static func linger(
        secrets: [LedgerSecret], occurrences: [String: [LedgerOccurrence]], channel: String, recipient: String?,
        note: String?, at now: Date, owners: OwnerResolver?
    ) throws -> Data {
        struct Place: Encodable {
            var repository: String
            var path: String
            var line: Int
            var commit: String?
            var author: String?
        }
        struct Item: Encodable {
            var fingerprint: String
            var rule: String
            var ruleName: String
            var confidence: String
            var secret: String
            var firstSeen: Date
            var places: [Place]
            var owner: String?
            var ownerSource: String?
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
            let places = (occurrences[secret.fingerprint] ?? []).sorted { $0.firstSeen < $1.firstSeen }
            let owner = places.first.flatMap { owners?.owner(of: $0) }
            return Item(
                fingerprint: secret.fingerprint, rule: secret.ruleID, ruleName: secret.ruleName,
                confidence: secret.confidence.rawValue, secret: secret.hint, firstSeen: secret.firstSeen,
                places: places.prefix(20).map { place in
                    Place(
                        repository: place.repository, path: place.path, line: place.line, commit: place.commit,
                        author: place.commit.flatMap { owners?.author(of: $0, at: place.location) })
                }, owner: owner?.owner, ownerSource: owner?.source)
        }
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(
            Payload(time: now, channel: channel, recipient: recipient, note: note, secrets: items))
    }
}
