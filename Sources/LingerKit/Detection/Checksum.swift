/// Structural checks that a token format carries in itself: a candidate that fails is not that token.
public enum Checksum: String, Sendable, CaseIterable, Codable {
    /// GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens: the last 6 base62
    /// characters are the CRC-32 of the 30 random characters before them.
    case base62CRC32 = "base62-crc32"

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
        }
    }
}
