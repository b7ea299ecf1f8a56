/// CRC-32 (IEEE 802.3, the zlib polynomial), used by token formats that carry a checksum.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 {
            value = (value & 1) != 0 ? (0xEDB8_8320 ^ (value >> 1)) : (value >> 1)
        }
        return value
    }

    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Base62 with the digits-upper-lower alphabet that GitHub and npm tokens use for their checksums.
public enum Base62 {
    public static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// `value` in base62, left-padded with "0" to `width` characters.
    public static func encode(_ value: UInt32, width: Int) -> String {
        var digits = [UInt8]()
        var remaining = value
        repeat {
            digits.append(alphabet[Int(remaining % 62)])
            remaining /= 62
        } while remaining > 0
        while digits.count < width { digits.append(UInt8(ascii: "0")) }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}
