import COpenSSL
import Foundation

/// What OpenSSL read from a PEM private key.
public struct ParsedPrivateKey: Sendable, Equatable {
    public var algorithm: String
    public var bits: Int?
    public var curve: String?
    /// SHA-256 of the DER SubjectPublicKeyInfo, hex: links a key to its certificates.
    public var publicKeySHA256: String
    /// OpenSSH's `SHA256:…` fingerprint, for the key types OpenSSH has.
    public var sshFingerprint: String?
    public var publicExponent: UInt64?
}

/// Reads PEM private keys through OpenSSL (PKCS#1, SEC1, PKCS#8, encrypted PKCS#8, legacy
/// Proc-Type encryption), and builds public keys from raw components for OpenSSH and PuTTY keys.
public enum PrivateKeyReader {
    public enum Outcome: Equatable {
        case parsed(ParsedPrivateKey, passphrase: String?)
        /// Encrypted, and none of the passphrases opened it.
        case locked
        case unreadable(String)
    }

    /// Parses `pem`, trying each passphrase in turn when the key is encrypted.
    public static func read(pem: String, passphrases: [String], deadline: Date) -> Outcome {
        let encrypted = pem.contains("ENCRYPTED")
        let attempts: [String?] = encrypted ? passphrases.map { $0 } : [nil]
        for passphrase in attempts {
            if Date() > deadline { break }
            ERR_clear_error()
            let key: OpaquePointer? = pem.withCString { text in
                guard let bio = BIO_new_mem_buf(text, Int32(strlen(text))) else { return nil }
                defer { BIO_free(bio) }
                guard let passphrase else { return PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
                var bytes = Array(passphrase.utf8CString)
                return bytes.withUnsafeMutableBufferPointer { buffer in
                    PEM_read_bio_PrivateKey(
                        bio, nil,
                        { output, size, _, context in
                            guard let output, let context else { return -1 }
                            let text = context.assumingMemoryBound(to: CChar.self)
                            let length = Int32(strlen(text))
                            guard length < size else { return -1 }
                            memcpy(output, text, Int(length))
                            return length
                        }, buffer.baseAddress)
                }
            }
            if let key {
                defer { EVP_PKEY_free(key) }
                return .parsed(describe(key), passphrase: passphrase)
            }
        }
        if encrypted { return .locked }
        let reason = ERR_get_error()
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(reason, &buffer, buffer.count)
        return .unreadable(reason == 0 ? "OpenSSL cannot read it as a private key" : String(nulTerminated: buffer))
    }

    static func describe(_ key: OpaquePointer) -> ParsedPrivateKey {
        let type = EVP_PKEY_get_base_id(key)
        var algorithm = String(cString: OBJ_nid2sn(type))
        var curve: String?
        var exponent: UInt64?
        var ssh: [UInt8]?
        if type == linger_evp_pkey_rsa() || type == linger_evp_pkey_rsa_pss() {
            algorithm = "RSA"
            let n = bignum(key, "n")
            let e = bignum(key, "e")
            exponent = e.count <= 8 ? e.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : nil
            ssh = SSHWire.string("ssh-rsa") + SSHWire.mpint(e) + SSHWire.mpint(n)
        } else if type == linger_evp_pkey_ec() {
            algorithm = "EC"
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            _ = EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, &length)
            curve = String(nulTerminated: name)
            var point = [UInt8](repeating: 0, count: 200)
            var pointLength = 0
            if EVP_PKEY_get_octet_string_param(
                key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, &point, point.count, &pointLength) == 1,
                let sshCurve = SSHWire.curveNames[curve ?? ""]
            {
                ssh =
                    SSHWire.string("ecdsa-sha2-\(sshCurve)") + SSHWire.string(sshCurve)
                    + SSHWire.string(Array(point.prefix(pointLength)))
            }
        } else if type == linger_evp_pkey_ed25519() {
            algorithm = "Ed25519"
            var raw = [UInt8](repeating: 0, count: 32)
            var length = 32
            if EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1 {
                ssh = SSHWire.string("ssh-ed25519") + SSHWire.string(Array(raw.prefix(length)))
            }
        } else if type == linger_evp_pkey_dsa() {
            algorithm = "DSA"
        }
        return ParsedPrivateKey(
            algorithm: algorithm, bits: Int(EVP_PKEY_get_bits(key)), curve: curve, publicKeySHA256: spkiSHA256(key),
            sshFingerprint: ssh.map(SSHWire.fingerprint), publicExponent: exponent)
    }

    static func bignum(_ key: OpaquePointer, _ name: String) -> [UInt8] {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(key, name, &number) == 1, let number else { return [] }
        defer { BN_free(number) }
        var bytes = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
        _ = BN_bn2bin(number, &bytes)
        return bytes
    }

    static func spkiSHA256(_ key: OpaquePointer) -> String {
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_PUBKEY(key, &output)
        guard length > 0, let output else { return "" }
        defer { CRYPTO_free(output, #fileID, #line) }
        return Digest.hex(Digest.sha256(UnsafeBufferPointer(start: output, count: Int(length))))
    }

    /// The SubjectPublicKeyInfo fingerprint of a public key given as OpenSSH wire components.
    static func spkiSHA256(sshPublicKey blob: [UInt8]) -> (fingerprint: String, bits: Int?)? {
        var reader = SSHWire.Reader(blob)
        guard let type = reader.string().map({ String(decoding: $0, as: UTF8.self) }) else { return nil }
        let key: PublicKey?
        switch type {
        case "ssh-rsa":
            guard let e = reader.string(), let n = reader.string() else { return nil }
            key = try? PublicKey.fromJWK(
                ["kty": "RSA", "n": SSHWire.base64URL(n), "e": SSHWire.base64URL(e)], source: "openssh")
        case "ssh-ed25519":
            guard let raw = reader.string() else { return nil }
            key = try? PublicKey.fromJWK(
                ["kty": "OKP", "crv": "Ed25519", "x": SSHWire.base64URL(raw)], source: "openssh")
        case let ecdsa where ecdsa.hasPrefix("ecdsa-sha2-"):
            guard reader.string() != nil, let point = reader.string(), point.first == 4 else { return nil }
            let size = (point.count - 1) / 2
            let crv =
                ["nistp256": "P-256", "nistp384": "P-384", "nistp521": "P-521"][String(ecdsa.dropFirst(11))] ?? ""
            key = try? PublicKey.fromJWK(
                [
                    "kty": "EC", "crv": crv, "x": SSHWire.base64URL(Array(point[1...size])),
                    "y": SSHWire.base64URL(Array(point[(size + 1)...])),
                ],
                source: "openssh")
        default:
            key = nil
        }
        guard let key else { return nil }
        return (key.subjectPublicKeyInfoSHA256, key.bits)
    }
}

extension PublicKey {
    /// SHA-256 of the DER SubjectPublicKeyInfo, hex.
    public var subjectPublicKeyInfoSHA256: String { PrivateKeyReader.spkiSHA256(evp) }
    public var bits: Int { Int(EVP_PKEY_get_bits(evp)) }
}

/// OpenSSH's wire encoding (RFC 4251 strings and mpints) and fingerprints.
public enum SSHWire {
    static let curveNames = ["prime256v1": "nistp256", "secp384r1": "nistp384", "secp521r1": "nistp521"]

    static func uint32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }
    static func string(_ text: String) -> [UInt8] { string(Array(text.utf8)) }
    static func string(_ bytes: [UInt8]) -> [UInt8] { uint32(bytes.count) + bytes }
    static func mpint(_ magnitude: [UInt8]) -> [UInt8] {
        var bytes = Array(magnitude.drop { $0 == 0 })
        if let first = bytes.first, first & 0x80 != 0 { bytes.insert(0, at: 0) }
        return string(bytes)
    }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of the public key blob, as ssh-keygen -l prints.
    public static func fingerprint(_ blob: [UInt8]) -> String {
        "SHA256:" + Data(Digest.sha256(blob)).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    /// Reads RFC 4251 fields, never past the end.
    struct Reader {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var atEnd: Bool { offset >= bytes.count }
        mutating func uint32() -> Int? {
            guard offset + 4 <= bytes.count else { return nil }
            let value = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            return value
        }
        mutating func string() -> [UInt8]? {
            guard let length = uint32(), length >= 0, length <= bytes.count - offset else { return nil }
            defer { offset += length }
            return Array(bytes[offset..<(offset + length)])
        }
        mutating func bytes(_ count: Int) -> [UInt8]? {
            guard count >= 0, offset + count <= bytes.count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<(offset + count)])
        }
    }
}
