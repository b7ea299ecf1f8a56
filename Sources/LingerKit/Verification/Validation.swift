import Foundation

/// How a rule's secret is checked against its provider: a declarative HTTP request with response
/// matchers, or a named code validator where the request must be computed (AWS SigV4).
///
///     validation:
///       provider: github                      # the name `.linger.yml` overrides the base URL by
///       method: GET
///       url: https://api.github.com/user      # the host is fixed here, never taken from content
///       headers: { Authorization: "token {{secret}}" }
///       live: { status: [200] }
///       inactive: { status: [401] }
///       identity: login                       # JSON field that names who the secret acts as
///       scopes_header: X-OAuth-Scopes
///       reveals: the account the token acts as and its OAuth scopes
public struct Validation: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case http
        /// AWS `sts:GetCallerIdentity`, signed with SigV4: needs the key id beside the secret.
        case awsSTS
    }

    /// An outcome the response must satisfy: any of the statuses, and the JSON field (if given)
    /// equal to the value, and the body containing the text (if given).
    public struct Matcher: Sendable, Equatable {
        public var status: [Int] = []
        public var jsonField: String?
        public var jsonValue: String?
        public var bodyContains: String?

        func matches(_ response: HTTPResponse) -> Bool {
            if !status.isEmpty && !status.contains(response.status) { return false }
            if let field = jsonField {
                guard let value = Validation.jsonValue(field, in: response.body) else { return false }
                if let expected = jsonValue {
                    // Foundation on Linux may hand JSON booleans over as numbers.
                    let same =
                        value == expected || (expected == "true" && value == "1")
                        || (expected == "false" && value == "0")
                    if !same { return false }
                }
            }
            if let text = bodyContains, !String(decoding: response.body, as: UTF8.self).contains(text) { return false }
            return true
        }
    }

    public var provider: String
    public var kind: Kind = .http
    public var method = "GET"
    public var url: String
    public var headers: [String: String] = [:]
    public var body: String?
    public var live = Matcher()
    public var inactive = Matcher()
    /// A dotted JSON path naming who the secret acts as.
    public var identity: String?
    public var scopesHeader: String?
    /// What a check reveals (documentation).
    public var reveals: String?

    /// `{{secret}}` and `{{id}}` in a template, URL-encoded in a URL, as they are elsewhere.
    static func fill(_ template: String, secret: String, id: String?, urlEncoded: Bool) -> String {
        func encode(_ text: String) -> String {
            guard urlEncoded else { return text }
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        }
        var text = template.replacingOccurrences(of: "{{secret}}", with: encode(secret))
        text = text.replacingOccurrences(of: "{{id}}", with: encode(id ?? ""))
        // `{{basic:USER}}`: HTTP Basic credentials USER:secret, base64.
        while let start = text.range(of: "{{basic:"),
            let end = text.range(of: "}}", range: start.upperBound..<text.endIndex)
        {
            let user = String(text[start.upperBound..<end.lowerBound])
            text.replaceSubrange(
                start.lowerBound..<end.upperBound, with: Data("\(user):\(secret)".utf8).base64EncodedString())
        }
        return text
    }

    /// A value in a JSON document by dotted path (`user.login`), as text.
    static func jsonValue(_ path: String, in body: Data) -> String? {
        guard var value = try? JSONSerialization.jsonObject(with: body) else { return nil }
        for part in path.split(separator: ".") {
            guard let object = value as? [String: Any], let next = object[String(part)] else { return nil }
            value = next
        }
        if type(of: value) == Bool.self, let flag = value as? Bool { return flag ? "true" : "false" }
        switch value {
        case let text as String: return text
        case let number as Int: return String(number)
        case let number as NSNumber: return number.stringValue
        default: return nil
        }
    }

    /// A `validation:` block (outcomes `live` and `inactive`), or a `revocation:` block (outcome
    /// `confirmed`, kept in `live`): the same request shape, the same fixed-host rule.
    static func parse(
        _ value: Any, block: String = "validation", outcomes: [String] = ["live", "inactive"],
        fail: (String) -> RuleError
    ) throws -> Validation {
        guard let map = value as? [String: Any] else { throw fail("`\(block)` must be a mapping") }
        let known = (
            ["provider", "code", "method", "url", "headers", "body", "identity", "scopes_header", "reveals"] + outcomes
        ).sorted()
        if let unknown = YAMLKeys.firstUnknown(in: map, known: known) {
            throw fail("`\(block).\(unknown)`: \(YAMLKeys.problem(known: known))")
        }
        guard let provider = map["provider"] as? String, !provider.isEmpty else {
            throw fail("`\(block).provider` names the provider (used to override its base URL)")
        }
        // The host is what a scanned repository must never choose: `https://`, then a host name
        // (letters, digits, dots, hyphens, an optional port) written here, not a template, no
        // user part. Checked by hand: every built-in rule is read at every start.
        guard let url = map["url"] as? String, url.hasPrefix("https://") else {
            throw fail("`\(block).url` must be an https:// URL with a fixed host")
        }
        let hostPart = url.dropFirst("https://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if hostPart.contains("{{") && !hostPart.contains("@") {
            throw fail("`\(block).url`'s host must be fixed, not a template")
        }
        guard !hostPart.isEmpty, hostPart.first != ".", hostPart.first != ":",
            hostPart.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "."
                    || $0 == "-" || $0 == ":"
            })
        else {
            throw fail("`\(block).url` must be an https:// URL with a fixed host")
        }
        var validation = Validation(provider: provider, url: url)
        if let code = map["code"] as? String {
            guard code == "aws-sts" else { throw fail("`\(block).code` \"\(code)\" is unknown (known: aws-sts)") }
            validation.kind = .awsSTS
        }
        if let method = map["method"] as? String {
            guard ["GET", "POST", "HEAD"].contains(method) else {
                throw fail("`\(block).method` must be GET, POST or HEAD")
            }
            validation.method = method
        }
        if let headers = map["headers"] {
            guard let dictionary = headers as? [String: Any] else {
                throw fail("`\(block).headers` must be a mapping")
            }
            for (name, value) in dictionary { validation.headers[name] = "\(value)" }
        }
        validation.body = map["body"] as? String
        func matcher(_ key: String) throws -> Matcher {
            guard let value = map[key] else { throw fail("`\(block).\(key)` says which answer means \(key)") }
            guard let dictionary = value as? [String: Any] else { throw fail("`\(block).\(key)` must be a mapping") }
            var result = Matcher()
            if let status = dictionary["status"] {
                let list = (status as? [Any]) ?? [status]
                result.status = list.compactMap { RuleFileParser.int($0) }
                guard result.status.count == list.count else {
                    throw fail("`\(block).\(key).status` must be numbers")
                }
            }
            if let json = dictionary["json"] as? [String: Any], let field = json.keys.first {
                result.jsonField = field
                // `null` (or no value): the field must be there, whatever it holds.
                result.jsonValue = json[field].map { "\($0)" }.flatMap {
                    ["null", "~", "", "<null>"].contains($0) ? nil : $0
                }
            }
            result.bodyContains = dictionary["body_contains"] as? String
            if result.status.isEmpty && result.jsonField == nil && result.bodyContains == nil {
                throw fail("`\(block).\(key)` needs `status`, `json` or `body_contains`")
            }
            return result
        }
        validation.live = try matcher(outcomes[0])
        if outcomes.count > 1 { validation.inactive = try matcher(outcomes[1]) }
        validation.identity = map["identity"] as? String
        validation.scopesHeader = map["scopes_header"] as? String
        validation.reveals = map["reveals"] as? String
        return validation
    }
}
