/// Structural checks that a token format carries in itself: a candidate that fails is not that token.
public enum Checksum: String, Sendable, CaseIterable, Codable {
    /// GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens: the last 6 base62
    /// characters are the CRC-32 of the 30 random characters before them.
    case base62CRC32 = "base62-crc32"
    /// PyPI API tokens: `pypi-` then a base64url macaroon (version 2) whose location is pypi.org,
    /// with an identifier, and a 32-byte signature field at the end.
    case pypiMacaroon = "pypi-macaroon"
    /// HTTP Basic credentials: base64 of `user:password`, with a password that is not a stand-in
    /// (`user:password`, `foo:bar`, `test:test`).
    case basicCredentials = "basic-credentials"
    /// Base64 of a secret written as text (a Kubernetes Secret's `data:` value): it decodes to
    /// printable UTF-8 of 8 or more characters, with entropy of at least 3 bits per character,
    /// that is neither a stand-in nor a certificate or public key.
    case base64Text = "base64-text"

    /// Whether `secret` passes; on failure, why not.
    public func verify(_ secret: [UInt8]) -> (passed: Bool, reason: String?) {
        switch self {
        case .base62CRC32:
            guard let underscore = secret.lastIndex(of: UInt8(ascii: "_")) else {
                return (false, "no prefix separator")
            }
            let body = secret[(underscore + 1)...]
            guard body.count == 36 else { return (false, "body is \(body.count) characters, not 36") }
            let random = body.prefix(30)
            let stated = String(decoding: body.suffix(6), as: UTF8.self)
            let computed = Base62.encode(CRC32.checksum(random), width: 6)
            return stated == computed ? (true, nil) : (false, "CRC-32 checksum \(stated) does not match \(computed)")
        case .pypiMacaroon:
            return Self.verifyMacaroon(secret)
        case .basicCredentials:
            guard let decoded = Base64URL.decode(secret), !decoded.isEmpty,
                decoded.allSatisfy({ $0 >= 0x20 && $0 < 0x7F })
            else { return (false, "not base64 of printable text") }
            guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                return (false, "no user:password inside")
            }
            let user = Array(decoded[..<colon])
            let password = Array(decoded[(colon + 1)...])
            guard password.count >= 4 else { return (false, "a password of \(password.count) characters") }
            if let reason = SecretFilter.placeholder.rejection(of: password)
                ?? SecretFilter.repetition.rejection(of: password)
            {
                return (false, "the password is a stand-in (\(reason))")
            }
            if password == user { return (false, "the password is the user name") }
            // Credentials published in specifications as examples (RFC 7617, RFC 2617).
            let pair = String(decoding: decoded, as: UTF8.self).lowercased()
            if Self.publishedExamples.contains(pair) { return (false, "a published example (\(pair))") }
            return (true, nil)
        case .base64Text:
            guard var decoded = Base64URL.decode(secret) else { return (false, "not base64") }
            while let last = decoded.last, last == 0x0A || last == 0x0D { decoded.removeLast() }
            guard let text = String(validating: decoded, as: UTF8.self),
                text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F || $0 == "\n" || $0 == "\t" || $0 == "\r" })
            else { return (false, "not base64 of text") }
            guard decoded.count >= 8 else { return (false, "decodes to \(decoded.count) characters") }
            if text.hasPrefix("-----BEGIN CERTIFICATE") || text.hasPrefix("-----BEGIN PUBLIC KEY")
                || text.hasPrefix("ssh-") || text.hasPrefix("-----BEGIN X509 CRL")
            {
                return (false, "decodes to a certificate or public key")
            }
            if let kind = Self.plainSettingKind(text) { return (false, "decodes to \(kind)") }
            if !text.hasPrefix("-----BEGIN "), shannonEntropy(decoded) < 3.0 {
                return (false, "decodes to text of entropy \(String(format: "%.2f", shannonEntropy(decoded)))")
            }
            if !text.hasPrefix("-----BEGIN "), text.contains(where: \.isWhitespace) {
                // A sentence or a whole document is not one secret; what a document holds is
                // found when its decoded text is scanned (encoded runs are decoded and scanned).
                return (false, "decodes to text with spaces or lines, not one value")
            }
            if Self.isUUID(text) { return (false, "decodes to a UUID") }
            if let reason = SecretFilter.placeholder.rejection(of: decoded)
                ?? SecretFilter.repetition.rejection(of: decoded)
                ?? SecretFilter.identifier.rejection(of: decoded)
                ?? SecretFilter.reference.rejection(of: decoded)
            {
                return (false, "decodes to what is not a secret (\(reason))")
            }
            return (true, nil)
        }
    }

    /// What a Secret's value is when it is a setting rather than a secret: a URL with no
    /// credentials in it, a host name or address (with a port), an e-mail address, a path.
    static func plainSettingKind(_ text: String) -> String? {
        let scalars = Array(text.unicodeScalars)
        func isLowerWord(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
        }
        if let scheme = text.range(of: "://"), text[..<scheme.lowerBound].unicodeScalars.allSatisfy({
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || "+.-".unicodeScalars.contains($0)
        }), !text[scheme.upperBound...].contains("@"), !text.contains(where: \.isWhitespace) {
            return "a URL with no credentials"
        }
        if text.hasPrefix("/"), !text.contains(where: \.isWhitespace) { return "a path" }
        var host = text[...]
        if let colon = host.lastIndex(of: ":"), !host[host.index(after: colon)...].isEmpty,
            host[host.index(after: colon)...].allSatisfy(\.isNumber)
        {
            host = host[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(isLowerWord) }),
            labels.last!.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) })
                || labels.allSatisfy({ $0.allSatisfy(\.isNumber) })
        {
            return "a host name or address"
        }
        // Words and numbers joined by - _ / . (`kube-system`, `eu-central-1`, `Europe/Amsterdam`):
        // a name; a secret mixes letters and digits within its parts.
        let parts = text.split(whereSeparator: { "-_/.".contains($0) })
        if parts.count >= 2, text.contains(where: \.isLetter),
            parts.allSatisfy({ part in part.allSatisfy(\.isLetter) || part.allSatisfy(\.isNumber) })
        {
            return "words, a name rather than a secret"
        }
        // A version: `1.28.3`, `v2.14.0-rc1`, `v1.28.3-gke.1286000`.
        let version = text.hasPrefix("v") ? text.dropFirst() : text[...]
        if let first = version.split(separator: ".").first, first.allSatisfy(\.isNumber), !first.isEmpty,
            version.split(separator: ".").count >= 3,
            version.split(separator: ".").dropFirst().first?.allSatisfy(\.isNumber) == true
        {
            return "a version"
        }
        if let at = scalars.firstIndex(of: "@"), at > 0, !text.contains(where: \.isWhitespace),
            plainSettingKind(String(String.UnicodeScalarView(scalars[(at + 1)...]))) == "a host name or address"
        {
            return "an e-mail address"
        }
        return nil
    }

    static func isUUID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                if byte != UInt8(ascii: "-") { return false }
            } else if !((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46)) {
                return false
            }
        }
        return true
    }

    /// user:password pairs that specifications print as examples.
    static let publishedExamples: Set<String> = ["aladdin:open sesame", "aladdin:opensesame", "test:123\u{a3}"]

    /// A version 2 macaroon: 0x02, then the location field (type 1) `pypi.org`, the identifier
    /// field (type 2), …, and last the signature field (type 6, 32 bytes).
    static func verifyMacaroon(_ secret: [UInt8]) -> (passed: Bool, reason: String?) {
        guard let dash = secret.firstIndex(of: UInt8(ascii: "-")) else { return (false, "no pypi- prefix") }
        guard let bytes = Base64URL.decode(secret[(dash + 1)...]) else {
            return (false, "the macaroon is not base64url")
        }
        let header: [UInt8] = [0x02, 0x01, 0x08] + Array("pypi.org".utf8) + [0x02]
        guard bytes.count >= header.count + 1 + 34, Array(bytes.prefix(header.count)) == header else {
            return (false, "not a version 2 macaroon located at pypi.org")
        }
        guard bytes[bytes.count - 34] == 0x06, bytes[bytes.count - 33] == 0x20 else {
            return (false, "no 32-byte signature field at the end of the macaroon")
        }
        return (true, nil)
    }
}
