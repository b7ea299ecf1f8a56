import COpenSSL

/// The few cipher and legacy-digest operations key formats need, through OpenSSL.
public enum Cipher {
    /// SHA-1 (PuTTY's PPK v2 key derivation and MAC; not for anything new).
    public static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        _ = bytes.withUnsafeBufferPointer { EVP_Digest($0.baseAddress, $0.count, &output, &length, EVP_sha1(), nil) }
        return output
    }

    /// HMAC-SHA-1.
    public static func hmacSHA1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        _ = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                HMAC(EVP_sha1(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, &output, &length)
            }
        }
        return output
    }

    /// The first bytes of data OpenSSH encrypted with `name` (`aes256-ctr`, `aes128-cbc`,
    /// `aes256-gcm@openssh.com`, …), without checking a tag: enough to test a passphrase against
    /// the private section's check words. Nil for ciphers not handled here.
    public static func opensshDecryptPrefix(cipher name: String, key: [UInt8], iv: [UInt8], data: [UInt8]) -> [UInt8]? {
        let cipher: OpaquePointer?
        switch name {
        case "aes128-ctr": cipher = EVP_aes_128_ctr()
        case "aes192-ctr": cipher = EVP_aes_192_ctr()
        case "aes256-ctr": cipher = EVP_aes_256_ctr()
        case "aes128-cbc": cipher = EVP_aes_128_cbc()
        case "aes192-cbc": cipher = EVP_aes_192_cbc()
        case "aes256-cbc": cipher = EVP_aes_256_cbc()
        case "aes128-gcm@openssh.com": cipher = EVP_aes_128_gcm()
        case "aes256-gcm@openssh.com": cipher = EVP_aes_256_gcm()
        default: return nil
        }
        let prefix = Array(data.prefix(16))
        guard prefix.count == 16, let cipher, let context = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let isGCM = name.hasSuffix("gcm@openssh.com")
        guard EVP_DecryptInit_ex(context, cipher, nil, nil, nil) == 1 else { return nil }
        if isGCM {
            guard linger_evp_gcm_set_iv_length(context, Int32(iv.count)) == 1 else { return nil }
        }
        guard EVP_DecryptInit_ex(context, nil, nil, key, iv) == 1 else { return nil }
        EVP_CIPHER_CTX_set_padding(context, 0)
        var output = [UInt8](repeating: 0, count: 32)
        var written: Int32 = 0
        let ok = prefix.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_DecryptUpdate(context, out.baseAddress, &written, input.baseAddress, Int32(input.count)) == 1
            }
        }
        return ok && written >= 8 ? Array(output.prefix(Int(written))) : nil
    }

    /// Key and IV lengths OpenSSH uses for a cipher.
    public static func opensshKeyAndIVLength(cipher name: String) -> (key: Int, iv: Int)? {
        switch name {
        case "aes128-ctr", "aes128-cbc": return (16, 16)
        case "aes192-ctr", "aes192-cbc": return (24, 16)
        case "aes256-ctr", "aes256-cbc": return (32, 16)
        case "aes128-gcm@openssh.com": return (16, 12)
        case "aes256-gcm@openssh.com": return (32, 12)
        default: return nil
        }
    }

    /// AES-256-CBC decryption without padding; nil when the input is not whole blocks.
    public static func aes256CBCDecrypt(key: [UInt8], iv: [UInt8], data: [UInt8]) -> [UInt8]? {
        guard key.count == 32, iv.count == 16, data.count % 16 == 0, !data.isEmpty, let context = EVP_CIPHER_CTX_new()
        else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_DecryptInit_ex(context, EVP_aes_256_cbc(), nil, key, iv) == 1 else { return nil }
        EVP_CIPHER_CTX_set_padding(context, 0)
        var output = [UInt8](repeating: 0, count: data.count + 16)
        var written: Int32 = 0
        var final: Int32 = 0
        let ok = data.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_DecryptUpdate(context, out.baseAddress, &written, input.baseAddress, Int32(input.count)) == 1
                    && EVP_DecryptFinal_ex(context, out.baseAddress! + Int(written), &final) == 1
            }
        }
        return ok ? Array(output.prefix(Int(written + final))) : nil
    }
}
