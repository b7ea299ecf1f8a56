import COpenSSL

/// SHA-256 and HMAC-SHA-256 through OpenSSL: the one place LingerKit calls libcrypto's digests.
public enum Digest {
    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: some Collection<UInt8>) -> [UInt8] { digest(.sha256, bytes) }

    /// SHA-512 of `bytes` (bcrypt_pbkdf).
    public static func sha512(_ bytes: some Collection<UInt8>) -> [UInt8] { digest(.sha512, bytes) }

    static func digest(_ kind: SHA2, _ bytes: some Collection<UInt8>) -> [UInt8] {
        if let output = bytes.withContiguousStorageIfAvailable({ digest(kind, parts: [UnsafeRawBufferPointer($0)]) }) {
            return output
        }
        return Array(bytes).withUnsafeBytes { digest(kind, parts: [$0]) }
    }

    /// SHA-256 of the concatenation of `parts`, without concatenating them.
    public static func sha256(parts: [UnsafeRawBufferPointer]) -> [UInt8] { digest(.sha256, parts: parts) }

    static func digest(_ kind: SHA2, parts: [UnsafeRawBufferPointer]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: kind.byteCount)
        var outputLength: UInt32 = 0
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        var ok = EVP_DigestInit_ex(context, kind.evp, nil) == 1
        for part in parts where ok && part.count > 0 {
            ok = EVP_DigestUpdate(context, part.baseAddress, part.count) == 1
        }
        if ok {
            ok = output.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &outputLength) } == 1
        }
        // OpenSSL's SHA-2 fails only when it cannot allocate; there is no recovery then.
        precondition(ok && Int(outputLength) == kind.byteCount, "OpenSSL SHA-2 failed")
        return output
    }

    /// SHA-1 of `bytes`, hex (what detect-secrets baselines store as `hashed_secret`).
    public static func sha1Hex(_ bytes: some Collection<UInt8>) -> String {
        var output = [UInt8](repeating: 0, count: 20)
        let input = Array(bytes)
        let ok = input.withUnsafeBufferPointer { buffer in
            output.withUnsafeMutableBufferPointer { EVP_Digest(buffer.baseAddress, buffer.count, $0.baseAddress, nil, EVP_sha1(), nil) }
        }
        precondition(ok == 1, "OpenSSL SHA-1 failed")
        return hex(output)
    }

    /// The id git gives a blob with these bytes: SHA-1 of `blob <size>\0` and the bytes.
    public static func gitBlobID(_ bytes: UnsafeRawBufferPointer) -> String {
        var output = [UInt8](repeating: 0, count: 20)
        let header = Array("blob \(bytes.count)\0".utf8)
        let context = EVP_MD_CTX_new()
        defer { EVP_MD_CTX_free(context) }
        let ok =
            EVP_DigestInit_ex(context, EVP_sha1(), nil) == 1
            && EVP_DigestUpdate(context, header, header.count) == 1
            && EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1
            && output.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, nil) } == 1
        precondition(ok, "OpenSSL SHA-1 failed")
        return hex(output)
    }

    /// The SHA-2 digests JWTs use.
    public enum SHA2: Int, Sendable {
        case sha256 = 256, sha384 = 384, sha512 = 512

        var evp: OpaquePointer? {
            switch self {
            case .sha256: return EVP_sha256()
            case .sha384: return EVP_sha384()
            case .sha512: return EVP_sha512()
            }
        }

        public var byteCount: Int { rawValue / 8 }
    }

    /// HMAC-SHA-256 of `message` under `key`.
    public static func hmacSHA256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        hmac(.sha256, key: key, message: message)
    }

    /// HMAC with a SHA-2 digest.
    public static func hmac(_ digest: SHA2, key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: digest.byteCount)
        var outputLength: UInt32 = 0
        let keyBytes = Array(key)
        let messageBytes = Array(message)
        let result = keyBytes.withUnsafeBufferPointer { keyBuffer in
            messageBytes.withUnsafeBufferPointer { messageBuffer in
                output.withUnsafeMutableBufferPointer { out in
                    HMAC(
                        digest.evp, keyBuffer.baseAddress, Int32(keyBuffer.count),
                        messageBuffer.baseAddress, messageBuffer.count, out.baseAddress, &outputLength)
                }
            }
        }
        precondition(result != nil && Int(outputLength) == digest.byteCount, "OpenSSL HMAC failed")
        return output
    }

    /// Whether two byte strings are equal, in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count, !a.isEmpty else { return a.isEmpty && b.isEmpty }
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 }
        }
    }

    /// Lower-case hexadecimal.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The OpenSSL version string, for `linger version` and cache keys.
    public static var openSSLVersion: String {
        String(cString: OpenSSL_version(OPENSSL_VERSION))
    }
}
