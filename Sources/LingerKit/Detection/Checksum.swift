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
        }
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
