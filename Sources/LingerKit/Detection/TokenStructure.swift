/// What a token's format says about it without asking anyone: attributes reports show beside the
/// finding.
public enum TokenStructure {
    /// Attributes for a secret of a rule family; empty when the format carries none.
    public static func attributes(family: String, secret: String) -> [String: String] {
        switch family {
        case "aws-access-key-id":
            return awsAccountID(keyID: secret).map { ["aws_account_id": $0] } ?? [:]
        default:
            return [:]
        }
    }

    /// The AWS account an access key id belongs to. The 16 characters after the 4-character
    /// prefix are base32 (RFC 4648); bits 1–39 of the first 6 decoded bytes are the account number.
    /// Keys issued before AWS adopted this layout decode to a number that is not their account.
    public static func awsAccountID(keyID: String) -> String? {
        let characters = Array(keyID.utf8)
        guard characters.count == 20 else { return nil }
        var value: UInt64 = 0
        var bits = 0
        var decoded: [UInt8] = []
        for character in characters[4...] {
            let digit: UInt64
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): digit = UInt64(character - UInt8(ascii: "A"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): digit = UInt64(character - UInt8(ascii: "2") + 26)
            default: return nil
            }
            value = (value << 5) | digit
            bits += 5
            if bits >= 8 {
                bits -= 8
                decoded.append(UInt8((value >> UInt64(bits)) & 0xFF))
            }
        }
        guard decoded.count >= 6 else { return nil }
        let head = decoded.prefix(6).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        let account = (head & 0x7FFF_FFFF_FF80) >> 7
        let digits = String(account)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }
}
