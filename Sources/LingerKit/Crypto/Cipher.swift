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
