import Foundation

/// Precision filters: small named checks that drop candidates which look like secrets but are not.
public enum SecretFilter: String, Sendable, CaseIterable, Codable {
    /// Template markers, environment lookups and stand-in words (`${VAR}`, `<token>`, `changeme`, `xxxx`).
    case placeholder
    /// Too few distinct characters, or a run along the alphabet (`aaaaaaaa`, `abcdefgh`, `12345678`).
    case repetition
    /// A bare code identifier (`userPassword`, `DB_PASSWORD`, `self.config.token2`): letters and
    /// separators only, or a dotted path of identifiers.
    case identifier
    /// A reference to where a secret lives, not the secret: ARNs, URNs, URLs, file paths.
    case reference
    /// Values that look random but are not secrets: UUIDs, hex digests (MD5, SHA-1/2, git object
    /// ids), subresource-integrity values (`sha512-…` in lockfiles), `go.sum` hashes (`h1:…`),
    /// public keys and certificates.
    case lookalike
    /// For JWTs: the header and the payload must each decode to a JSON object. Base64url text
    /// that merely starts with `eyJ` twice (minified code, generated data) is not a token.
    case jwtStructure = "jwt-structure"

    /// The filters every rule gets unless it lists its own.
    public static let defaults: [SecretFilter] = [.placeholder, .repetition]

    /// Why `secret` is not a real secret, or nil when this filter lets it through. `name` is what
    /// the match holds before the secret (the variable or key a generic rule matched), if anything.
    public func rejection(of secret: [UInt8], name: [UInt8] = []) -> String? {
        switch self {
        case .placeholder: return Self.placeholderReason(secret)
        case .repetition: return Self.repetitionReason(secret)
        case .identifier: return Self.identifierReason(secret, name: name)
        case .reference: return Self.referenceReason(secret)
        case .lookalike: return Self.lookalikeReason(secret, name: name)
        case .jwtStructure: return Self.jwtStructureReason(secret)
        }
    }

    static func jwtStructureReason(_ secret: [UInt8]) -> String? {
        let segments = secret.split(separator: UInt8(ascii: "."), maxSplits: 2, omittingEmptySubsequences: false)
        guard segments.count >= 2 else { return "not a JWT: fewer than two segments" }
        for (index, part) in ["header", "payload"].enumerated() {
            guard let bytes = Base64URL.decode(segments[index], urlSafeOnly: true),
                (try? PlainJSON.parse(bytes)) is [String: Any]
            else { return "not a JWT: its \(part) does not decode to a JSON object" }
        }
        return nil
    }

    /// Template markers, as they are and lower-cased, in bytes.
    private static let templateMarkers = [
        "${", "{{", "}}", "{}", "%(", "$(", "<%", "#{", "process.env", "os.environ", "getenv", "env(",
        "ENV[", "\\(",
    ].map { ($0, Array($0.utf8), Array($0.lowercased().utf8)) }
    private static let standInWords = [
        "example", "placeholder", "changeme", "change_me", "change-me", "your_", "your-", "yourpass",
        "yourtoken", "yourkey", "yoursecret", "****", "....", "dummy", "sample", "redacted",
        "replace_me", "replaceme", "insert_", "notreal", "not_real", "not-a-real", "secret_here",
        "token_here", "key_here", "password_here", "<", ">",
    ].map { ($0, Array($0.utf8)) }
    private static let fourXs = Array("xxxx".utf8)
    private static let fourCapitalXs = Array("XXXX".utf8)
    static func isBase64(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "+", "/", "=": return true
        default: return false
        }
    }

    private static let standInValues: Set<String> = [
        "password", "passwd", "secret", "token", "apikey", "api_key", "null", "none", "nil", "undefined",
        "true", "false", "empty", "test", "testing", "admin", "root", "default", "string", "value",
    ]

    static func placeholderReason(_ secret: [UInt8]) -> String? {
        var text = String(decoding: secret, as: UTF8.self)
        if text.hasPrefix("-----BEGIN ") {
            // A PEM block's base64 body is random: stand-in words found in it by chance (about one
            // real key in 200 holds "xxxx" in some case) say nothing. The body is a stand-in only
            // when a line of it is one character repeated; the armour and headers are checked below.
            let lines = text.components(separatedBy: "\n").flatMap { $0.components(separatedBy: "\\n") }
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            let body = lines.filter { line in !line.isEmpty && line.unicodeScalars.allSatisfy(Self.isBase64) }
            if body.contains(where: { $0.count >= 8 && Set($0.filter { $0 != "=" }).count <= 1 }) {
                return "placeholder: a key body of one repeated character"
            }
            text = lines.filter { line in line.isEmpty || !line.unicodeScalars.allSatisfy(Self.isBase64) }
                .joined(separator: "\n")
        }
        let lower = text.lowercased()
        // Byte searches (memchr, memcmp): `String.contains` goes through NSString here, and this
        // runs for every candidate of every generic rule.
        let characters = Array(text.utf8)
        let lowerBytes = Array(lower.utf8)
        for (marker, bytes, lowered) in templateMarkers where characters.contains(bytes) || lowerBytes.contains(lowered) {
            return "placeholder: contains \(marker)"
        }
        // printf directives end a word (`user:%s`, `%d@host`); in `C2%dF0q` it is just a character.
        for index in characters.indices.dropLast() where characters[index] == UInt8(ascii: "%") {
            let directive = characters[index + 1]
            guard directive == UInt8(ascii: "s") || directive == UInt8(ascii: "d") else { continue }
            let next = index + 2 < characters.count ? characters[index + 2] : nil
            if next.map({ !(($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)) })
                ?? true
            {
                return "placeholder: contains the printf directive %\(Character(UnicodeScalar(directive)))"
            }
        }
        if text.hasPrefix("$") && text.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            return "placeholder: a shell variable"
        }
        // A test-suite or batch template variable anywhere in the value (`%HTTPPORT`,
        // `user@%HOSTIP:%IMAPPORT`, `%USERPROFILE%`); `%4A…` is percent-encoding and stays.
        let isUpper: (UInt8) -> Bool = { $0 >= 0x41 && $0 <= 0x5A }
        let isHexDigit: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x46) }
        for index in characters.indices where characters[index] == UInt8(ascii: "%") && index + 3 < characters.count {
            let name = characters[(index + 1)...].prefix { isUpper($0) || $0 == 0x5F }
            // The name ends the word (`%HOSTIP:`, `%TESTNUMBER/`, `%HTTPPORT`): `%YFLJwv` in a
            // random password is not a variable.
            let after = index + 1 + name.count
            let endsWord =
                after == characters.count
                || !((characters[after] >= 0x30 && characters[after] <= 0x39)
                    || (characters[after] >= 0x61 && characters[after] <= 0x7A))
            if name.count >= 4, endsWord, !(isHexDigit(characters[index + 1]) && isHexDigit(characters[index + 2])) {
                return "placeholder: the template variable %\(String(decoding: name, as: UTF8.self))"
            }
        }
        // `xxxx` and `XXXX` are stand-ins; `XXXx` inside a random token is chance.
        if characters.contains(Self.fourXs) || characters.contains(Self.fourCapitalXs) {
            return "placeholder: contains \"xxxx\""
        }
        for (word, bytes) in standInWords where lowerBytes.contains(bytes) {
            return "placeholder: contains \"\(word)\""
        }
        if standInValues.contains(lower) { return "placeholder: the word \"\(lower)\"" }
        // A stand-in word with a suffix after a separator, or spelled in leet or percent-encoded:
        // `pass;word`, `p4ssw0rd;updated`, `secret-value`, `pa%3Ass`.
        let decoded = lowerBytes.contains(UInt8(ascii: "%")) ? (lower.removingPercentEncoding ?? lower) : lower
        let firstWord = String(
            decoded.split(whereSeparator: { !($0.isLetter || $0.isNumber || "$@".contains($0)) }).first ?? "")
        let unleet = String(
            firstWord.map { character -> Character in
                switch character {
                case "4", "@": return "a"
                case "0": return "o"
                case "3": return "e"
                case "1": return "i"
                case "5", "$": return "s"
                default: return character
                }
            })
        // Not when what follows the word is a random token (`test_6H9ZApfvEKKI1kaIrsZgox5f`: a
        // test-mode key is still a key; an outside review found it dropped).
        let rest = decoded.dropFirst(firstWord.count).drop { !($0.isLetter || $0.isNumber) }
        let randomRest =
            rest.count >= 12 && rest.contains(where: \.isNumber) && rest.contains(where: \.isLetter)
            && shannonEntropy(Array(rest.utf8)) >= 3.5
        if firstWord.count < decoded.count || unleet != firstWord, !randomRest,
            standInValues.contains(unleet) || ["pass", "pwd", "pw"].contains(unleet)
                || decoded.replacingOccurrences(of: ":", with: "") == "pass"
        {
            return "placeholder: the word \"\(unleet)\" with a suffix"
        }
        if isCompoundOfStandIns(decoded) || (unleet.count == decoded.count && isCompoundOfStandIns(unleet)) {
            return "placeholder: made of stand-in words (\(decoded))"
        }
        // Words that say whose and what (`my-pvk-password`, `your_api_key`, `some-secret-token`).
        let parts = decoded.split(whereSeparator: { $0 == "-" || $0 == "_" })
        if parts.count >= 2, parts.allSatisfy({ $0.allSatisfy(\.isLetter) }), let first = parts.first, let last = parts.last,
            ["my", "your", "some", "example", "sample", "dummy", "fake", "test"].contains(first),
            ["password", "passwd", "pass", "pwd", "passphrase", "secret", "token", "key", "apikey"].contains(last)
        {
            return "placeholder: says whose it is and what it is (\(decoded))"
        }
        return nil
    }

    /// Words test fixtures build fake credentials from.
    private static let standInParts: Set<String> = [
        "test", "testing", "pass", "password", "passwd", "pwd", "secret", "admin", "user", "my", "foo", "bar", "baz",
        "demo", "dummy", "sample", "example", "fake", "mock", "qwerty", "letmein", "hello", "world", "guest", "root",
        "default", "token", "key", "api", "some", "the", "your", "new", "old",
    ]

    /// `testpass`, `mypassword`, `foobar`, `adminadmin`, `secret123`: only stand-in words, then at
    /// most four digits.
    static func isCompoundOfStandIns(_ value: String) -> Bool {
        var letters = Array(value)
        var digits = 0
        while let last = letters.last, last.isNumber, digits < 4 {
            letters.removeLast()
            digits += 1
        }
        guard letters.count >= 4, letters.allSatisfy({ $0.isLetter }) else { return false }
        let word = String(letters)
        var reachable = [Bool](repeating: false, count: letters.count + 1)
        reachable[0] = true
        for start in 0..<letters.count where reachable[start] {
            for part in standInParts where word.dropFirst(start).hasPrefix(part) {
                reachable[start + part.count] = true
            }
        }
        return reachable[letters.count]
    }

    static func repetitionReason(_ secret: [UInt8]) -> String? {
        guard secret.count >= 6 else { return nil }
        let distinct = Set(secret).count
        if distinct <= 2 || (secret.count >= 16 && distinct <= 3) {
            return "repetition: only \(distinct) distinct characters"
        }
        // A run of 8 or more successive characters of the alphabet (either direction) in a short value.
        var longestRun = 1
        var run = 1
        var direction = 0
        for index in secret.indices.dropFirst() {
            let step = Int(secret[index]) - Int(secret[index - 1])
            if abs(step) == 1 && (direction == 0 || step == direction) {
                run += 1
                direction = step
            } else {
                run = 1
                direction = 0
            }
            longestRun = max(longestRun, run)
        }
        if longestRun >= 8 && longestRun * 2 >= secret.count {
            return "repetition: a run of \(longestRun) successive characters"
        }
        if secret.count >= 12, isSequence(secret) { return "repetition: an alphabet or keyboard sequence" }
        return nil
    }

    /// `AbCdEfGh…`, `1234567890abcdef…`, `abcdefghij0123…`: three quarters of the steps go one
    /// place along `0…9a…z` (case ignored; 9→0 and 0→a count, as on a keyboard and in hex).
    static func isSequence(_ secret: [UInt8]) -> Bool {
        func ordinal(_ byte: UInt8) -> Int? {
            switch byte {
            case 0x30...0x39: return Int(byte) - 0x30
            case 0x41...0x5A: return Int(byte) - 0x41 + 10
            case 0x61...0x7A: return Int(byte) - 0x61 + 10
            default: return nil
            }
        }
        var steps = 0
        for index in secret.indices.dropFirst() {
            guard let previous = ordinal(secret[index - 1]), let current = ordinal(secret[index]) else { continue }
            if current == previous + 1 || (previous == 9 && current == 0) || (previous == 0 && current == 10) {
                steps += 1
            }
        }
        return steps * 4 >= (secret.count - 1) * 3
    }

    static func identifierReason(_ secret: [UInt8], name: [UInt8] = []) -> String? {
        let isIdentifierByte: (UInt8) -> Bool = { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte == 0x2E
                || byte == 0x2D
        }
        // Code, not a value: a negated expression (`!m_token_produced`), the source of a regular
        // expression (`(?i)password\s*=`).
        if secret.count >= 2, secret[0] == UInt8(ascii: "!"),
            secret.dropFirst().allSatisfy({ isIdentifierByte($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x3E })
        {
            return "identifier: a negated expression"
        }
        let text = String(decoding: secret, as: UTF8.self)
        if ["\\s", "\\d", "\\w", "\\S", "\\D", "\\W", "\\b", "(?i)", "(?:", "[^"].contains(where: text.contains) {
            return "identifier: the source of a regular expression"
        }
        // A quoted value under a password name is a value, even made of words
        // (`"correct_horse_battery_staple"`), unless it names a password itself (`"db_password"`).
        let quoted = name.last == UInt8(ascii: "\"") || name.last == UInt8(ascii: "'") || name.last == UInt8(ascii: "`")
        let nameSaysPassword = ["pass", "pwd"].contains { String(decoding: name, as: UTF8.self).lowercased().contains($0) }
        let lowerWords = secret.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
        if quoted && nameSaysPassword && lowerWords && secret.count >= 12
            && !["pass", "pwd", "secret", "token", "key"].contains(where: text.contains)
        {
            return nil
        }
        // Mixed case without separators is read as CamelCase: the letters-only test took 10 % of
        // random mixed-case tokens for words, its humps cutting them into short pieces that pass
        // it. With separators (`KxECDHE-PSK`, `DB_PASSWORD`) or in one case, the letters-only test.
        if secret.allSatisfy(isIdentifierByte) {
            let camel = secret.contains(where: isUpper) && secret.contains { $0 >= 0x61 && $0 <= 0x7A }
                && secret.allSatisfy(isLetter)
            if camel ? readsAsCamelCase(secret) : looksLikeWords(secret) {
                return "identifier: letters and separators only"
            }
        }
        let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
        // A reference in code: Perl `\&name`, `$name`, `$a$b`, `@name`, C `&name`, `*name`.
        let sigils: Set<UInt8> = [0x5C, 0x26, 0x24, 0x40, 0x25, 0x2A]
        if let first = secret.first, sigils.contains(first),
            secret.allSatisfy({ sigils.contains($0) || isIdentifierByte($0) || isDigit($0) }),
            secret.contains(where: { isIdentifierByte($0) })
        {
            return "identifier: a variable or function reference"
        }
        // snake_case names with digits (`curlx_convert_UTF8_to_tchar`, `libtest_arg4`), and names
        // joined by `|` (`loggedin|twosock`).
        // Slugs (`enable-new-checkout-flow-v2`, `X-Correlation-Id-Header-V2`): three parts or more
        // joined by `-`, not under a password name (`tiger-lake9-river` may be a passphrase).
        for separator in [UInt8(ascii: "_"), UInt8(ascii: "|"), UInt8(ascii: "-")] {
            let segments = secret.split(separator: separator, omittingEmptySubsequences: false)
            guard segments.count >= (separator == UInt8(ascii: "-") ? 3 : 2) else { continue }
            if separator == UInt8(ascii: "-") && nameSaysPassword { continue }
            // Each part a word, perhaps with a number after it (`UTF8`, `arg4`), as names are.
            let allNames = segments.allSatisfy { segment in
                let letters = segment.prefix(while: isLetter)
                return !letters.isEmpty && segment.dropFirst(letters.count).allSatisfy(isDigit)
            }
            let lowercase = !secret.contains { $0 >= 0x41 && $0 <= 0x5A }
            if allNames && (segments.count >= 3 || lowercase || separator == UInt8(ascii: "|")) {
                let joiner = separator == UInt8(ascii: "_") ? "underscores" : separator == UInt8(ascii: "-") ? "dashes" : "|"
                return "identifier: names joined by \(joiner)"
            }
        }
        // A label or annotation key (`kubernetes.io/hostname`, `app.kubernetes.io/name`): a domain,
        // then lower-case names. Not any path of lower-case words: `deploy/quartz-raven-meadow`
        // and `maple.river/stone_cloud` may be passphrases (an outside review lost such).
        let pathParts = secret.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if pathParts.count >= 2, !nameSaysPassword, let domain = pathParts.first,
            Self.isLabelDomain(domain),
            pathParts.dropFirst().allSatisfy({ part in
                part.contains(where: { $0 >= 0x61 && $0 <= 0x7A })
                    && part.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
            })
        {
            return "identifier: a label key (a domain, then names)"
        }
        // A constant's name (`CLIENTWRITE_BODY`, `MAX_RETRIES`): capitals joined by underscores.
        let upperSegments = secret.split(separator: 0x5F, omittingEmptySubsequences: false)
        if upperSegments.count >= 2,
            upperSegments.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 >= 0x41 && $0 <= 0x5A } })
        {
            return "identifier: a constant's name"
        }
        // Words of prose, not a password (`257 "/nowhere" is current directory`).
        if secret.filter({ $0 == 0x20 }).count >= 2 { return "identifier: several words of text" }
        // A dotted path of identifiers (`self.settings.token2`, `package.module:function`) — but
        // not a token with a dotted prefix (Vault's `s.Xk29fQm7…`): a segment of 16 or more
        // characters mixing letters and digits is random, not a name.
        let segments = text.replacingOccurrences(of: "::", with: ".").split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == ":" })
        // `X25519PrivateKey` mixes them too, but reads as words.
        let randomSegment = segments.contains { segment in
            segment.count >= 16 && segment.contains(where: \.isNumber) && segment.contains(where: \.isLetter)
                && camelCaseCoverage(Array(segment.utf8)).share < 0.8
        }
        // A segment may be a variable interpolated into the path (Perl's, PHP's, the shell's
        // `repository.$name.allow`): then every segment is in lower case (`Summer2024.$Beach` is a
        // password), and not under a password name.
        let interpolationAllowed =
            !segments.contains { $0.first == "$" }
            || (!nameSaysPassword
                && segments.allSatisfy { segment in
                    segment.allSatisfy { $0 == "$" || $0 == "_" || $0.isNumber || ($0.isLetter && $0.isLowercase) }
                })
        if segments.count >= 2, !randomSegment, interpolationAllowed,
            segments.allSatisfy({ segment in
                let name = segment.first == "$" ? segment.dropFirst() : segment[...]
                guard let first = name.first, first.isLetter || first == "_" else { return false }
                return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
            }),
            segments.contains(where: { $0.first != "$" })
        {
            return "identifier: a dotted path of names"
        }
        return nil
    }

    private static let digestLengths: [Int: String] = [
        32: "an MD5 digest", 40: "a SHA-1 digest or git object id", 56: "a SHA-224 digest", 64: "a SHA-256 digest",
        96: "a SHA-384 digest", 128: "a SHA-512 digest",
    ]
    private static let publicMaterialPrefixes = [
        "ssh-rsa ", "ssh-ed25519 ", "ssh-dss ", "ecdsa-sha2-", "sk-ssh-ed25519@", "-----BEGIN PUBLIC KEY",
        "-----BEGIN RSA PUBLIC KEY", "-----BEGIN CERTIFICATE", "-----BEGIN PGP PUBLIC KEY", "AAAAB3NzaC1yc2E",
        "AAAAC3NzaC1lZDI1NTE5",
        // Mapbox's public tokens (`pk.eyJ…`). Not `pk_test_`: Stripe's are public, Courier's secret.
        "pk.eyJ",
    ]

    /// Words in a name that say its value is an id or a digest, not a secret.
    private static let digestNameWords = [
        "hash", "sha", "md5", "digest", "checksum", "integrity", "commit", "revision", "etag", "fingerprint",
        "uuid", "guid", "_id", "-id", ".id", "id\"", "id'", "id=", "id:", "id>", "nonce",
    ]

    static func lookalikeReason(_ secret: [UInt8], name: [UInt8] = []) -> String? {
        let isHex: (UInt8) -> Bool = {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46)
        }
        // Hex and UUID values are often real keys (many APIs issue them): only a name that says
        // "hash", "sha", "commit", "id"… makes them digests or ids.
        let loweredName = String(decoding: name, as: UTF8.self).lowercased()
        if let word = digestNameWords.first(where: { loweredName.contains($0) }) {
            if secret.count == 36 && [8, 13, 18, 23].allSatisfy({ secret[$0] == UInt8(ascii: "-") })
                && secret.enumerated().allSatisfy({ [8, 13, 18, 23].contains($0.offset) || isHex($0.element) })
            {
                return "lookalike: a UUID named \(word.trimmingCharacters(in: CharacterSet(charactersIn: "_-.\"'=:")))"
            }
            // `aspnet-App-3f2504e0-…` (.NET's UserSecretsId): a prefix, then a UUID.
            if secret.count > 36 {
                let tail = Array(secret.suffix(36))
                if [8, 13, 18, 23].allSatisfy({ tail[$0] == UInt8(ascii: "-") })
                    && tail.enumerated().allSatisfy({ [8, 13, 18, 23].contains($0.offset) || isHex($0.element) })
                {
                    return "lookalike: an id ending in a UUID, named \(word.trimmingCharacters(in: CharacterSet(charactersIn: "_-.\"'=:<>")))"
                }
            }
            if let kind = digestLengths[secret.count], secret.allSatisfy(isHex) {
                return "lookalike: \(kind) named \(word.trimmingCharacters(in: CharacterSet(charactersIn: "_-.\"'=:")))"
            }
        }
        // A request-signing credential scope (`AKID/20250101/us-east-1/s3/aws4_request`): an id,
        // then a date, region and service, not a secret.
        let scope = secret.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        if scope.count >= 4, scope.contains(where: { $0.count == 8 && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) {
            return "lookalike: a request-signing credential scope (id/date/region/service)"
        }
        // A Unix time in seconds or milliseconds under a name that says when (`timePasswordChanged`).
        if (10...13).contains(secret.count), secret.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            ["time", "date", "changed", "created", "updated", "modified", "expires", "expiry", "_at", "stamp"].contains(
                where: loweredName.contains)
        {
            return "lookalike: a timestamp"
        }
        let text = String(decoding: secret, as: UTF8.self)
        for prefix in ["sha1-", "sha256-", "sha384-", "sha512-"]
        where text.hasPrefix(prefix) && text.count > prefix.count + 20 {
            return "lookalike: a subresource-integrity hash (\(prefix.dropLast()))"
        }
        if text.hasPrefix("h1:") && text.count >= 47 { return "lookalike: a go.sum module hash" }
        for prefix in publicMaterialPrefixes where text.hasPrefix(prefix) {
            return "lookalike: public key material (\(prefix.trimmingCharacters(in: .whitespaces)))"
        }
        return nil
    }

    /// Whether letters read as words (`DB_PASSWORD`, `getPasswordFromVault`) rather than random
    /// letters (`ycpzAA-PjdDEQMCj`): no word has four consonants in a row, and a fifth of the
    /// letters or more are vowels. Words are split at separators and at lower-to-upper humps.
    /// (Names with acronyms, `SSHPrivateKeyTypes`, are `camelCaseCoverage`'s: splitting here
    /// where capitals meet a capitalised word also split random letters into words.)
    static func looksLikeWords(_ text: [UInt8]) -> Bool {
        if namesWhatItHolds(text) { return true }
        let letters = text.filter(isLetter)
        guard !letters.isEmpty else { return true }
        if Double(letters.filter(isVowel).count) < Double(letters.count) * 0.2 { return false }
        var run = 0
        var previous: UInt8 = 0
        for byte in text {
            let hump = previous >= 0x61 && previous <= 0x7A && isUpper(byte)
            if !isLetter(byte) || isVowel(byte) || hump { run = 0 }
            if isLetter(byte) && !isVowel(byte) { run += 1 }
            if run >= 4 { return false }
            previous = byte
        }
        return true
    }

    /// A name that says what it holds (`proxypasswd`, `CURLOPT_KEYPASSWD`, `dbPassword`) is a name.
    private static func namesWhatItHolds(_ text: [UInt8]) -> Bool {
        let lowered = String(decoding: text, as: UTF8.self).lowercased()
        return ["passw", "passwd", "pwd", "secret", "token", "apikey", "api_key", "passphrase"].contains(
            where: lowered.contains)
    }

    /// Whether mixed-case letters are a name: one that says what it holds (`dbPassword`), or words
    /// cover nearly all its letters (`getPasswordFromVault`, `SSHPrivateKeyTypes`, `Configuration`).
    static func readsAsCamelCase(_ text: [UInt8]) -> Bool {
        if namesWhatItHolds(text) { return true }
        let coverage = camelCaseCoverage(text)
        return coverage.share >= 0.85 && (coverage.words >= 2 || (coverage.words == 1 && coverage.share == 1))
    }

    /// How a name in CamelCase reads: the share of its letters that lie in words — capitalised
    /// words of three letters or more (`Private`, `Key`), lower-case words that start it or a part
    /// of it (`workflow`), acronyms (`isAcronym`), short words and abbreviations (`Or`, `Svc`) —
    /// and how many words of the first two kinds it has. `X25519PrivateKey` is 10 of 11 letters in
    /// two words; random text (`Xk29fQm7tR4pLs8w`) falls into fragments.
    static func camelCaseCoverage(_ text: [UInt8]) -> (share: Double, words: Int) {
        let words = letterWords(text)
        let letters = words.reduce(0) { $0 + $1.count }
        guard letters > 0 else { return (0, 0) }
        var covered = 0
        var capitalised = 0
        var leading = 0
        for (index, word) in words.enumerated() {
            let part = text[word]
            let readable = part.count >= 3 && consonantRun(part, yIsVowel: true) < 5
                && part.contains { isVowel($0) || $0 | 0x20 == 0x79 }
            if isAcronym(at: index, in: words, text) {
                covered += part.count
            } else if readable && isUpper(part.first!) && !part.dropFirst().contains(where: isUpper) {
                covered += part.count
                capitalised += 1
            } else if readable && !part.contains(where: isUpper) && (word.lowerBound == 0 || [0x2D, 0x2E, 0x5F].contains(text[word.lowerBound - 1])) {
                // A lower-case word that starts the name or a part of it after `-`, `.` or `_`
                // (`get`, `Proxy-authorization`); not after a digit, where tokens have them.
                covered += part.count
                leading += 1
            } else if part.count <= 4 && shortWords.contains(String(decoding: part, as: UTF8.self).lowercased()) {
                covered += part.count
            }
        }
        return (Double(covered) / Double(letters), leading + capitalised)
    }

    /// Short words and abbreviations that names hold (`FilterOrBool`, `userIdList`,
    /// `AccessKeyManagerSvc`, `requestCtx`).
    private static let shortWords: Set<String> = [
        "a", "i", "am", "an", "as", "at", "be", "by", "db", "do", "go", "id", "if", "in", "io", "is", "it", "me",
        "my", "no", "of", "ok", "on", "or", "os", "to", "ui", "up", "we", "fn", "svc", "mgr", "cfg", "ctx", "msg",
        "src", "dst", "btn", "img", "pkg", "lib", "std", "cmd", "tmp", "req", "res", "err", "ptr", "buf", "len",
        "str", "num", "val", "obj", "impl", "conf", "prev", "curr", "resp", "env", "dev", "prd", "stg", "srv",
    ]

    /// Domains that label keys are written under: lower-case labels, the last a common top-level
    /// domain (`kubernetes.io`, `eks.amazonaws.com`, `helm.sh`).
    private static func isLabelDomain(_ text: ArraySlice<UInt8>) -> Bool {
        let labels = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, let last = labels.last,
            ["io", "com", "org", "net", "dev", "sh", "cloud", "app", "co", "ai"].contains(String(decoding: last, as: UTF8.self))
        else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    private static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    private static func isVowel(_ byte: UInt8) -> Bool {
        switch byte | 0x20 {
        case 0x61, 0x65, 0x69, 0x6F, 0x75: return true
        default: return false
        }
    }

    /// Runs of letters split at other bytes, at lower-to-upper humps (`get|Password`) and before
    /// the capital that starts a capitalised word after other capitals (`SSH|Private`).
    static func letterWords(_ text: [UInt8]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var start: Int?
        for index in text.indices {
            let byte = text[index]
            guard isLetter(byte) else {
                if let begun = start { words.append(begun..<index) }
                start = nil
                continue
            }
            if let begun = start, index > begun {
                let previous = text[index - 1]
                let hump = !isUpper(previous) && isUpper(byte)
                let acronymEnds = isUpper(previous) && isUpper(byte) && startsCapitalisedWord(text, at: index)
                if hump || acronymEnds {
                    words.append(begun..<index)
                    start = index
                }
            } else if start == nil {
                start = index
            }
        }
        if let begun = start { words.append(begun..<text.count) }
        return words
    }

    /// Whether a capital starts a word of two lower-case letters or more with a vowel among them
    /// (`Private` in `SSHPrivate`; not `Xdz` in random `YXdz`).
    private static func startsCapitalisedWord(_ text: [UInt8], at index: Int) -> Bool {
        var end = index + 1
        while end < text.count && isLetter(text[end]) && !isUpper(text[end]) { end += 1 }
        return end - index >= 3 && text[(index + 1)..<end].contains(where: isVowel)
    }

    /// Two to five capitals that start a name or a part of it (`SSH` in `SSHPrivateKeyTypes`) or
    /// follow a capitalised word (`PEM` in `PrivateKeyPEMLoader`, `DTO` in `AuthCredentialsDTO`),
    /// and are followed by a capitalised word or end the letters. Random text has such runs
    /// elsewhere in its letters too; there they count as fragments.
    private static func isAcronym(at index: Int, in words: [Range<Int>], _ text: [UInt8]) -> Bool {
        let word = words[index]
        guard (2...5).contains(word.count), text[word].allSatisfy(isUpper) else { return false }
        func capitalised(_ other: Range<Int>) -> Bool {
            other.count >= 3 && !text[other].dropFirst().contains(where: isUpper) && text[other].contains(where: isVowel)
        }
        let startsPart = word.lowerBound == 0 || !isLetter(text[word.lowerBound - 1])
        let afterWord = index > 0 && words[index - 1].upperBound == word.lowerBound && capitalised(words[index - 1])
        guard startsPart || afterWord else { return false }
        guard index + 1 < words.count, words[index + 1].lowerBound == word.upperBound else { return true }
        return capitalised(words[index + 1])
    }

    /// The longest run of consonants in a word; with `yIsVowel`, a `y` after a consonant is a
    /// vowel (`sync`, `Lifecycle`).
    private static func consonantRun(_ word: ArraySlice<UInt8>, yIsVowel: Bool) -> Int {
        var run = 0
        var longest = 0
        var previousWasConsonant = false
        for byte in word {
            let vowel = isVowel(byte) || (yIsVowel && byte | 0x20 == 0x79 && previousWasConsonant)
            run = vowel ? 0 : run + 1
            longest = max(longest, run)
            previousWasConsonant = !vowel
        }
        return longest
    }

    private static let referencePrefixes = [
        "arn:", "urn:", "http://", "https://", "file://", "s3://", "gs://", "vault:", "secretsmanager:", "ssm:", "alias/",
        "/", "./", "../", "~/", "@/", "@./", "@~/", "<@",
    ]

    static func referenceReason(_ secret: [UInt8]) -> String? {
        let text = String(decoding: secret, as: UTF8.self).lowercased()
        for prefix in referencePrefixes where text.hasPrefix(prefix) {
            return "reference: starts with \(prefix), which points at a secret rather than being one"
        }
        // Google Secret Manager's resource names (`projects/my-project/secrets/db/versions/2`).
        if text.hasPrefix("projects/") && text.contains("/secrets/") {
            return "reference: a Secret Manager secret's resource name"
        }
        // A relative path to a file (`config/ssl/server-private.key`, `uploads/2024/report.pdf`):
        // folders, then a name with an extension. Base64 has `/` but never `.`.
        let parts = secret.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let pathByte: (UInt8) -> Bool = { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E }
        if parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(pathByte) }), let last = parts.last,
            let dot = last.lastIndex(of: UInt8(ascii: ".")), dot > last.startIndex
        {
            let extensionBytes = last[(dot + 1)...]
            if (1...8).contains(extensionBytes.count), let first = extensionBytes.first, isLetter(first),
                extensionBytes.allSatisfy({ isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) })
            {
                return "reference: a relative path to a file"
            }
        }
        return nil
    }

    /// A value as roff (a manual page's source) would print it, or nil when it holds no roff
    /// escape: `\-` is `-`, `\&`, `\|`, `\^` and font changes (`\fB`, `\fP`, `\f(CW`, `\f[B]`)
    /// print nothing, `\e` is `\`, `\(aq` and `\(dq` are quotes. Only a value with `\-`, `\&` or
    /// a font change is read so: `C:\example` is not roff.
    static func roffUnescaped(_ secret: [UInt8]) -> [UInt8]? {
        let backslash = UInt8(ascii: "\\")
        func fontChange(at index: Int) -> Bool {
            index + 2 < secret.count && secret[index + 1] == UInt8(ascii: "f")
                && "BIRPC1234([".utf8.contains(secret[index + 2])
        }
        let marked = secret.indices.contains { (index: Int) -> Bool in
            guard secret[index] == backslash, index + 1 < secret.count else { return false }
            let next = secret[index + 1]
            return next == UInt8(ascii: "-") || next == UInt8(ascii: "&") || fontChange(at: index)
        }
        guard marked else { return nil }
        var plain = [UInt8]()
        var index = 0
        while index < secret.count {
            guard secret[index] == backslash, index + 1 < secret.count else {
                plain.append(secret[index])
                index += 1
                continue
            }
            let next = secret[index + 1]
            switch next {
            case UInt8(ascii: "-"): plain.append(UInt8(ascii: "-")); index += 2
            case UInt8(ascii: "e"): plain.append(backslash); index += 2
            case UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "^"): index += 2
            case UInt8(ascii: " "): plain.append(UInt8(ascii: " ")); index += 2
            case UInt8(ascii: "f") where fontChange(at: index):
                switch secret[index + 2] {
                case UInt8(ascii: "(") where index + 4 < secret.count: index += 5
                case UInt8(ascii: "["):
                    // Unclosed, it is not a font change: kept as it is.
                    guard let close = secret[(index + 3)...].firstIndex(of: UInt8(ascii: "]")) else {
                        plain.append(secret[index])
                        index += 1
                        continue
                    }
                    index = close + 1
                case UInt8(ascii: "("):
                    plain.append(secret[index])
                    index += 1
                default: index += 3
                }
            case UInt8(ascii: "(") where index + 3 < secret.count:
                let code = String(decoding: secret[(index + 2)...(index + 3)], as: UTF8.self)
                switch code {
                case "aq": plain.append(UInt8(ascii: "'"))
                case "dq": plain.append(UInt8(ascii: "\""))
                case "em", "en", "hy": plain.append(UInt8(ascii: "-"))
                default: break
                }
                index += 4
            default:
                plain.append(secret[index])
                index += 1
            }
        }
        return plain
    }

    /// Whether `path` names a manual page's source: its last part (after `/` or an archive's `!`)
    /// ends in a section (`.1`, `.8`, `.3ssl`) or `.man`, perhaps compressed; a rotated log
    /// (`app.log.1`) is not one.
    static func isManualPagePath(_ path: String) -> Bool {
        var name = path[(path.lastIndex(where: { $0 == "/" || $0 == "!" }).map(path.index(after:)) ?? path.startIndex)...]
        for suffix in [".gz", ".bz2", ".xz"] where name.hasSuffix(suffix) { name = name.dropLast(suffix.count) }
        guard let dot = name.lastIndex(of: "."), dot > name.startIndex else { return false }
        let stem = name[..<dot]
        let section = name[name.index(after: dot)...]
        if stem.hasSuffix(".log") { return false }
        if section == "man" { return true }
        guard let first = section.first, ("1"..."9").contains(first), section.count <= 7 else { return false }
        return section.dropFirst().allSatisfy { $0.isLetter && $0.isLowercase }
    }

    /// Whether `bytes` read as roff: a request line (`.TH`, `.Dd`, `.SH`, a `.\"` comment) in
    /// their first 64 KB.
    static func holdsRoffRequests(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let limit = min(bytes.count, 64 << 10)
        let requests = [".TH ", ".Dd ", ".SH ", ".\\\"", "'\\\""].map { Array($0.utf8) }
        var start = 0
        while start < limit {
            for request in requests where start + request.count <= bytes.count {
                if request.indices.allSatisfy({ bytes[start + $0] == request[$0] }) { return true }
            }
            guard let newline = bytes[start..<limit].firstIndex(of: 0x0A) else { break }
            start = newline + 1
        }
        return false
    }

    /// Why a value written in roff is not a secret, judged on what roff prints (`roffUnescaped`):
    /// a manual page's metavariable (`\-\-passwd=\fIFILE\fP`, `DATEI\fP`), or what the rule's own
    /// filters and minimum entropy turn down once the escapes are read (`channel\-activation\-token`).
    /// Nil when the value holds no roff escape, or when what roff prints still passes. The matcher
    /// asks only in a manual page (`isManualPagePath`, `holdsRoffRequests`): in a shell script
    /// `\&` is `&`, in JSON `\f` a form feed.
    static func roffReason(_ secret: [UInt8], name: [UInt8], filters: [SecretFilter], minimumEntropy: Double) -> String? {
        guard let plain = roffUnescaped(secret) else { return nil }
        let shown = String(decoding: plain, as: UTF8.self)
        if plain.count < 4 { return "roff: what the manual page prints, \(shown), is too short to be a secret" }
        if plain.allSatisfy({ isUpper($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) {
            return "roff: \(shown) is a manual page's metavariable"
        }
        if shannonEntropy(plain) < minimumEntropy {
            return "roff: what the manual page prints, \(shown), has too little entropy"
        }
        for filter in filters {
            if let reason = filter.rejection(of: plain, name: name) { return "roff: read as \(shown), \(reason)" }
        }
        return nil
    }
}
