import COpenSSL
import Foundation

/// Why a key could not be loaded.
public enum KeyError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .unreadable(let source, let reason): return "\(source): cannot read key: \(reason)"
        case .invalid(let source, let reason): return "\(source): not a usable public key: \(reason)"
        }
    }
}

/// A public key held by OpenSSL (`EVP_PKEY`), for verifying JWS signatures. Immutable after
/// loading, so safe to share across threads.
public final class PublicKey: @unchecked Sendable {
    public enum Kind: Sendable, Equatable {
        case rsa
        case ec(curve: String)
        case ed25519
        case other
    }

    private let handle: OpaquePointer
    var evp: OpaquePointer { handle }
    public let kind: Kind
    /// The JWK `kid`, when the key came from a JWKS.
    public let keyID: String?

    private init(handle: OpaquePointer, keyID: String?) {
        self.handle = handle
        self.keyID = keyID
        let type = EVP_PKEY_get_base_id(handle)
        if type == linger_evp_pkey_rsa() || type == linger_evp_pkey_rsa_pss() {
            kind = .rsa
        } else if type == linger_evp_pkey_ed25519() {
            kind = .ed25519
        } else if type == linger_evp_pkey_ec() {
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            _ = EVP_PKEY_get_utf8_string_param(handle, OSSL_PKEY_PARAM_GROUP_NAME, &name, name.count, &length)
            kind = .ec(curve: String(nulTerminated: name))
        } else {
            kind = .other
        }
    }

    deinit { EVP_PKEY_free(handle) }

    /// Every public key in PEM text: `PUBLIC KEY` blocks and the keys of `CERTIFICATE` blocks.
    public static func fromPEM(_ bytes: [UInt8], source: String) throws -> [PublicKey] {
        var keys = [PublicKey]()
        let text = String(decoding: bytes, as: UTF8.self)
        var remaining = text[...]
        while let begin = remaining.range(of: "-----BEGIN ") {
            guard let endMarker = remaining[begin.upperBound...].range(of: "-----END "),
                let close = remaining[endMarker.upperBound...].range(of: "-----")
            else { break }
            let block = String(remaining[begin.lowerBound..<close.upperBound])
            remaining = remaining[close.upperBound...]
            // BIO_new_mem_buf reads the caller's buffer in place: keep it alive for the whole read.
            let key: OpaquePointer? = block.withCString { text in
                guard let bio = BIO_new_mem_buf(text, Int32(strlen(text))) else { return nil }
                defer { BIO_free(bio) }
                if block.hasPrefix("-----BEGIN CERTIFICATE-----") {
                    guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
                    defer { X509_free(certificate) }
                    return X509_get_pubkey(certificate)
                }
                if block.hasPrefix("-----BEGIN PUBLIC KEY-----") { return PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
                if block.hasPrefix("-----BEGIN RSA PUBLIC KEY-----") { return readRSAPublicKey(bio) }
                return nil
            }
            if let key { keys.append(PublicKey(handle: key, keyID: nil)) }
        }
        if keys.isEmpty { throw KeyError.invalid(source, "no PUBLIC KEY or CERTIFICATE block OpenSSL can read") }
        return keys
    }

    private static func readRSAPublicKey(_ bio: OpaquePointer) -> OpaquePointer? {
        guard let rsa = PEM_read_bio_RSAPublicKey(bio, nil, nil, nil) else { return nil }
        defer { RSA_free(rsa) }
        guard let key = EVP_PKEY_new() else { return nil }
        if EVP_PKEY_set1_RSA(key, rsa) != 1 {
            EVP_PKEY_free(key)
            return nil
        }
        return key
    }

    /// A key from a JWK (`kty` RSA, EC or OKP/Ed25519).
    public static func fromJWK(_ jwk: [String: Any], source: String) throws -> PublicKey {
        let keyID = jwk["kid"] as? String
        func field(_ name: String) throws -> [UInt8] {
            guard let text = jwk[name] as? String, let bytes = JWTAnalyzer.base64URLDecode(text), !bytes.isEmpty else {
                throw KeyError.invalid(source, "JWK \(keyID ?? "") lacks a valid `\(name)`")
            }
            return bytes
        }
        switch jwk["kty"] as? String {
        case "RSA":
            return try fromParameters(
                type: "RSA", source: source, keyID: keyID,
                numbers: [(OSSL_PKEY_PARAM_RSA_N, try field("n")), (OSSL_PKEY_PARAM_RSA_E, try field("e"))])
        case "EC":
            let curves = ["P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1"]
            guard let crv = jwk["crv"] as? String, let group = curves[crv] else {
                throw KeyError.invalid(source, "JWK \(keyID ?? "") has an unsupported curve")
            }
            let point = [UInt8(0x04)] + (try field("x")) + (try field("y"))
            return try fromParameters(
                type: "EC", source: source, keyID: keyID, text: [(OSSL_PKEY_PARAM_GROUP_NAME, group)],
                octets: [(OSSL_PKEY_PARAM_PUB_KEY, point)])
        case "OKP":
            guard jwk["crv"] as? String == "Ed25519" else {
                throw KeyError.invalid(source, "only Ed25519 OKP keys are supported")
            }
            let raw = try field("x")
            guard
                let key = raw.withUnsafeBufferPointer({
                    EVP_PKEY_new_raw_public_key(linger_evp_pkey_ed25519(), nil, $0.baseAddress, $0.count)
                })
            else { throw KeyError.invalid(source, "JWK \(keyID ?? "") is not an Ed25519 public key") }
            return PublicKey(handle: key, keyID: keyID)
        default:
            throw KeyError.invalid(source, "JWK \(keyID ?? "") has an unsupported `kty`")
        }
    }

    /// Builds a key from OpenSSL parameters. OSSL_PARAM_BLD keeps pointers to what it is given
    /// until `OSSL_PARAM_BLD_to_param`, so every buffer here lives until then.
    private static func fromParameters(
        type: String, source: String, keyID: String?, numbers: [(String, [UInt8])] = [], text: [(String, String)] = [],
        octets: [(String, [UInt8])] = []
    ) throws -> PublicKey {
        guard let builder = OSSL_PARAM_BLD_new() else { throw KeyError.invalid(source, "out of memory") }
        defer { OSSL_PARAM_BLD_free(builder) }
        var bignums = [OpaquePointer]()
        defer { bignums.forEach { BN_free($0) } }
        let names = (numbers.map(\.0) + text.map(\.0) + octets.map(\.0)).map { strdup($0) }
        defer { names.forEach { free($0) } }
        let texts = text.map { strdup($0.1) }
        defer { texts.forEach { free($0) } }
        let buffers = octets.map { pair -> UnsafeMutableRawBufferPointer in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, pair.1.count), alignment: 1)
            buffer.copyBytes(from: pair.1)
            return buffer
        }
        defer { buffers.forEach { $0.deallocate() } }
        var ok = true
        for (index, (_, bytes)) in numbers.enumerated() {
            guard let number = bytes.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress, Int32($0.count), nil) }) else {
                ok = false
                continue
            }
            bignums.append(number)
            ok = ok && OSSL_PARAM_BLD_push_BN(builder, names[index], number) == 1
        }
        for index in text.indices {
            ok = ok && OSSL_PARAM_BLD_push_utf8_string(builder, names[numbers.count + index], texts[index], 0) == 1
        }
        for (index, pair) in octets.enumerated() {
            ok =
                ok
                && OSSL_PARAM_BLD_push_octet_string(
                    builder, names[numbers.count + text.count + index], buffers[index].baseAddress, pair.1.count) == 1
        }
        guard ok, let parameters = OSSL_PARAM_BLD_to_param(builder) else {
            throw KeyError.invalid(source, "JWK \(keyID ?? "") parameters rejected")
        }
        defer { OSSL_PARAM_free(parameters) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else {
            throw KeyError.invalid(source, "no \(type) support")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata_init(context) == 1,
            EVP_PKEY_fromdata(context, &key, linger_evp_pkey_public_key_selection(), parameters) == 1, let key
        else { throw KeyError.invalid(source, "JWK \(keyID ?? "") is not a valid \(type) public key") }
        return PublicKey(handle: key, keyID: keyID)
    }

    /// Whether this key can check `algorithm` at all (an RS256 token is never checked with an EC key).
    public func fits(_ algorithm: JWTAlgorithm) -> Bool {
        switch (algorithm, kind) {
        case (.rs256, .rsa), (.rs384, .rsa), (.rs512, .rsa), (.ps256, .rsa), (.ps384, .rsa), (.ps512, .rsa): return true
        case (.es256, .ec(let curve)): return curve == "prime256v1" || curve == "P-256"
        case (.es384, .ec(let curve)): return curve == "secp384r1" || curve == "P-384"
        case (.es512, .ec(let curve)): return curve == "secp521r1" || curve == "P-521"
        case (.edDSA, .ed25519): return true
        default: return false
        }
    }

    /// Verifies a JWS signature over `message`.
    public func verify(_ algorithm: JWTAlgorithm, message: [UInt8], signature: [UInt8]) -> Bool {
        guard fits(algorithm), let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        var signatureBytes = signature
        let digest: OpaquePointer?
        switch algorithm.digest {
        case .sha256: digest = EVP_sha256()
        case .sha384: digest = EVP_sha384()
        case .sha512: digest = EVP_sha512()
        case nil: digest = nil
        }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, digest, nil, handle) == 1 else { return false }
        switch algorithm {
        case .ps256, .ps384, .ps512:
            guard let keyContext, EVP_PKEY_CTX_set_rsa_padding(keyContext, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(keyContext, Int32(algorithm.digest?.byteCount ?? 0)) == 1
            else { return false }
        case .es256, .es384, .es512:
            // JWS carries R || S; OpenSSL wants a DER ECDSA-Sig-Value.
            guard let der = Self.derSignature(fromRaw: signature) else { return false }
            signatureBytes = der
        default:
            break
        }
        return signatureBytes.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count) == 1
            }
        }
    }

    static func derSignature(fromRaw raw: [UInt8]) -> [UInt8]? {
        guard raw.count % 2 == 0, !raw.isEmpty, let value = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(value) }
        let half = raw.count / 2
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(half), nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + half, Int32(half), nil) }
        guard ECDSA_SIG_set0(value, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        var output: UnsafeMutablePointer<UInt8>?
        let length = i2d_ECDSA_SIG(value, &output)
        guard length > 0, let output else { return nil }
        defer { CRYPTO_free(output, #fileID, #line) }
        return Array(UnsafeBufferPointer(start: output, count: Int(length)))
    }
}
