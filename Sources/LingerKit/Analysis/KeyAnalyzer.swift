import Foundation

/// What the key analyser learned about a private key found in a scan.
public struct KeyAnalysis: Sendable, Equatable {
    /// PKCS#1 RSA, SEC1 EC, PKCS#8, encrypted PKCS#8, legacy encrypted PEM, OpenSSH, PuTTY PPK v2/v3, PGP.
    public var format: String
    public var algorithm: String?
    public var bits: Int?
    public var curve: String?
    public var encrypted = false
    /// The passphrase that opened an encrypted key (a critical finding), when one did.
    public var recoveredPassphrase: String?
    /// SHA-256 of the DER SubjectPublicKeyInfo, hex: what certificates are matched by.
    public var publicKeySHA256: String?
    /// OpenSSH's `SHA256:…` fingerprint.
    public var sshFingerprint: String?
    public var weaknesses: [String] = []
    /// Why the block is not a usable key (placeholder, truncated), when it is not.
    public var parseError: String?
    /// Why no passphrase was tried on an encrypted key (its key derivation costs more than the
    /// budget: a file can ask for billions of iterations), when none was.
    public var passphrasesNotTried: String?
    /// Certificates and public keys found in the scan with the same public key.
    public var linked: [LinkedPublicKey] = []
}

/// A certificate or public key found in the scan that matches a private key.
public struct LinkedPublicKey: Sendable, Equatable, Codable {
    public var path: String
    public var line: Int
    public var kind: String
    public var subject: String?
    public var issuer: String?
    public var notBefore: String?
    public var notAfter: String?
    public var serial: String?
    public var revoked = false
}

/// Parses private keys in every common form, fingerprints them and judges their strength.
public struct KeyAnalyzer: Sendable {
    /// Passphrases always tried on an encrypted key, before the repository's name and file words.
    public static let commonPassphrases = [
        "", "password", "passphrase", "changeme", "secret", "123456", "12345678", "qwerty", "test", "admin",
    ]
    public var repositoryName: String?
    public var budget: TimeInterval = 0.5
    public var maxFileWords = 50

    public init(repositoryName: String? = nil) { self.repositoryName = repositoryName }

    public func analyze(_ secret: String, sameFileWords: @autoclosure () -> [String] = []) -> KeyAnalysis {
        var text = secret
        if text.contains("\\n") {
            // A key inside a JSON or YAML string: "-----BEGIN …-----\nMII…\n-----END …-----".
            text = text.replacingOccurrences(of: "\\r\\n", with: "\n").replacingOccurrences(of: "\\n", with: "\n")
        }
        if text.hasPrefix("LS0tLS1CRUdJTi") {
            guard let decoded = Data(base64Encoded: text.filter { !$0.isWhitespace }),
                let pem = String(data: decoded, encoding: .utf8)
            else {
                return KeyAnalysis(format: "base64-wrapped PEM", parseError: "the base64 does not decode to PEM text")
            }
            var inner = analyze(pem, sameFileWords: sameFileWords())
            inner.format = "base64-wrapped " + inner.format
            return inner
        }
        if text.hasPrefix("-----BEGIN OPENSSH PRIVATE KEY-----") {
            var passphrases = Self.commonPassphrases.filter { !$0.isEmpty }
            if let repositoryName { passphrases += [repositoryName, repositoryName.lowercased()] }
            passphrases += sameFileWords().prefix(maxFileWords)
            return OpenSSHKey.analyze(text, passphrases: passphrases, deadline: Date().addingTimeInterval(budget))
        }
        if text.hasPrefix("PuTTY-User-Key-File-") {
            var passphrases = Self.commonPassphrases
            if let repositoryName { passphrases += [repositoryName, repositoryName.lowercased()] }
            if text.contains("Encryption: aes256-cbc") { passphrases += sameFileWords().prefix(maxFileWords) }
            return PuTTYKey.analyze(text, passphrases: passphrases, deadline: Date().addingTimeInterval(budget))
        }
        if text.hasPrefix("-----BEGIN PGP PRIVATE KEY BLOCK-----") {
            return KeyAnalysis(format: "PGP private key block", algorithm: "PGP", weaknesses: [])
        }
        return analyzePEM(text, sameFileWords: sameFileWords)
    }

    private func analyzePEM(_ text: String, sameFileWords: () -> [String]) -> KeyAnalysis {
        let header = text.prefix(40)
        var format = "PKCS#8"
        if header.hasPrefix("-----BEGIN RSA PRIVATE KEY") { format = "PKCS#1 RSA" }
        if header.hasPrefix("-----BEGIN EC PRIVATE KEY") { format = "SEC1 EC" }
        if header.hasPrefix("-----BEGIN DSA PRIVATE KEY") { format = "DSA (OpenSSL)" }
        if header.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY") { format = "encrypted PKCS#8" }
        let legacy = text.contains("Proc-Type: 4,ENCRYPTED")
        if legacy { format = "legacy encrypted PEM (\(format))" }
        var analysis = KeyAnalysis(format: format)
        analysis.encrypted = legacy || format == "encrypted PKCS#8"
        var passphrases = Self.commonPassphrases
        if let repositoryName { passphrases += [repositoryName, repositoryName.lowercased()] }
        if analysis.encrypted { passphrases += sameFileWords().prefix(maxFileWords) }
        if format == "encrypted PKCS#8" && !legacy {
            // The derivation's cost is the file's choice: read it before trying anything.
            guard let cost = PKCS8Cost(pem: text) else {
                analysis.parseError = "not a parseable key: unreadable encryption parameters"
                return analysis
            }
            if let refusal = cost.refusal {
                analysis.passphrasesNotTried = refusal
                return analysis
            }
        }
        switch PrivateKeyReader.read(pem: text, passphrases: passphrases, deadline: Date().addingTimeInterval(budget)) {
        case .parsed(let key, let passphrase):
            analysis.algorithm = key.algorithm
            analysis.bits = key.bits
            analysis.curve = key.curve
            analysis.publicKeySHA256 = key.publicKeySHA256
            analysis.sshFingerprint = key.sshFingerprint
            analysis.recoveredPassphrase = analysis.encrypted ? passphrase : nil
            analysis.weaknesses = Self.weaknesses(
                algorithm: key.algorithm, bits: key.bits, exponent: key.publicExponent)
        case .locked:
            analysis.weaknesses = []
        case .unreadable(let reason):
            analysis.parseError = "not a parseable key: \(reason)"
        }
        return analysis
    }

    static func weaknesses(algorithm: String?, bits: Int?, exponent: UInt64?) -> [String] {
        var found = [String]()
        if algorithm == "RSA", let bits, bits < 2048 { found.append("RSA key of \(bits) bits (under 2048)") }
        if algorithm == "DSA" { found.append("DSA keys are deprecated and limited to 1024-bit security in practice") }
        if algorithm == "RSA", let exponent, exponent < 65537 { found.append("small public exponent e=\(exponent)") }
        return found
    }
}

/// OpenSSH's `openssh-key-v1` format, which OpenSSL does not read: parsed here. The public key is
/// in clear even when the private part is encrypted, so every key gets its fingerprint. Encrypted
/// keys (bcrypt KDF, AES-CTR/CBC/GCM) are tried with passphrases until the deadline: a passphrase
/// is right when the private section's two check words decrypt equal.
enum OpenSSHKey {
    static func analyze(_ text: String, passphrases: [String] = [], deadline: Date = .distantFuture) -> KeyAnalysis {
        var analysis = KeyAnalysis(format: "OpenSSH")
        let body = text.components(separatedBy: "\n").filter { !$0.hasPrefix("-----") }.joined().filter {
            !$0.isWhitespace
        }
        guard let data = Data(base64Encoded: body) else {
            analysis.parseError = "not a parseable key: the body is not base64"
            return analysis
        }
        let magic = Array("openssh-key-v1\0".utf8)
        let bytes = [UInt8](data)
        guard bytes.starts(with: magic) else {
            analysis.parseError = "not a parseable key: no openssh-key-v1 header"
            return analysis
        }
        var reader = SSHWire.Reader(Array(bytes.dropFirst(magic.count)))
        guard let cipher = reader.string().map({ String(decoding: $0, as: UTF8.self) }), let kdf = reader.string(),
            let kdfOptions = reader.string(), let count = reader.uint32(), count >= 1, let publicBlob = reader.string(),
            let privateSection = reader.string()
        else {
            analysis.parseError = "not a parseable key: truncated openssh-key-v1 structure"
            return analysis
        }
        analysis.encrypted = cipher != "none"
        describe(publicBlob: publicBlob, into: &analysis)
        if !analysis.encrypted {
            // Unencrypted: the private section starts with two equal check words.
            var inner = SSHWire.Reader(privateSection)
            guard let first = inner.uint32(), let second = inner.uint32(), first == second else {
                analysis.parseError = "not a parseable key: private section check words differ (truncated or damaged)"
                return analysis
            }
        } else {
            analysis.format = "OpenSSH (encrypted with \(cipher))"
            analysis.recoveredPassphrase = tryPassphrases(
                passphrases, cipher: cipher, kdf: String(decoding: kdf, as: UTF8.self), options: kdfOptions,
                privateSection: privateSection, deadline: deadline)
        }
        return analysis
    }

    /// The passphrase among `candidates` that decrypts the private section, if one does in time.
    static func tryPassphrases(
        _ candidates: [String], cipher: String, kdf: String, options: [UInt8], privateSection: [UInt8],
        deadline: Date
    ) -> String? {
        guard kdf == "bcrypt", let sizes = Cipher.opensshKeyAndIVLength(cipher: cipher) else { return nil }
        var reader = SSHWire.Reader(options)
        // More rounds than ssh-keygen's default would spend the whole budget on one candidate.
        guard let salt = reader.string(), let rounds = reader.uint32(), rounds >= 1, rounds <= 64 else { return nil }
        var seen = Set<String>()
        for candidate in candidates where seen.insert(candidate).inserted && !candidate.isEmpty {
            if Date() >= deadline { return nil }
            let material = BcryptPBKDF.derive(
                passphrase: Array(candidate.utf8), salt: salt, rounds: rounds, length: sizes.key + sizes.iv)
            guard material.count == sizes.key + sizes.iv,
                let plain = Cipher.opensshDecryptPrefix(
                    cipher: cipher, key: Array(material.prefix(sizes.key)), iv: Array(material.suffix(sizes.iv)),
                    data: privateSection)
            else { continue }
            var check = SSHWire.Reader(plain)
            if let first = check.uint32(), let second = check.uint32(), first == second { return candidate }
        }
        return nil
    }

    /// Algorithm, size, fingerprints and weaknesses from an OpenSSH public key blob.
    static func describe(publicBlob: [UInt8], into analysis: inout KeyAnalysis) {
        var reader = SSHWire.Reader(publicBlob)
        let type = reader.string().map { String(decoding: $0, as: UTF8.self) } ?? "unknown"
        analysis.sshFingerprint = SSHWire.fingerprint(publicBlob)
        var exponent: UInt64?
        switch type {
        case "ssh-rsa":
            analysis.algorithm = "RSA"
            if let e = reader.string() { exponent = e.count <= 8 ? e.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } : nil }
        case "ssh-ed25519": analysis.algorithm = "Ed25519"
        case "ssh-dss": analysis.algorithm = "DSA"
        default:
            if type.hasPrefix("ecdsa-sha2-") {
                analysis.algorithm = "EC"
                analysis.curve =
                    ["nistp256": "prime256v1", "nistp384": "secp384r1", "nistp521": "secp521r1"][
                        String(type.dropFirst(11))]
            } else {
                analysis.algorithm = type
            }
        }
        if let spki = PrivateKeyReader.spkiSHA256(sshPublicKey: publicBlob) {
            analysis.publicKeySHA256 = spki.fingerprint
            analysis.bits = spki.bits
        } else if analysis.algorithm == "DSA" {
            analysis.bits = 1024
        }
        analysis.weaknesses = KeyAnalyzer.weaknesses(
            algorithm: analysis.algorithm, bits: analysis.bits, exponent: exponent)
    }
}

/// PuTTY's `.ppk` (versions 2 and 3): the public lines are in clear. Encrypted files are tried
/// with passphrases: v2 derives its key with SHA-1 and checks an HMAC-SHA-1; v3 derives key, IV and
/// MAC key with Argon2 (here: OpenSSL 3.0 has none) and checks an HMAC-SHA-256.
enum PuTTYKey {
    static func analyze(_ text: String, passphrases: [String] = [], deadline: Date = Date().addingTimeInterval(0.5))
        -> KeyAnalysis
    {
        let lines = text.components(separatedBy: "\n").map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }
        let version = lines.first?.hasPrefix("PuTTY-User-Key-File-3") == true ? "3" : "2"
        var analysis = KeyAnalysis(format: "PuTTY PPK v\(version)")
        var encryption = "none"
        var comment = ""
        var mac = ""
        var argon2: [String: String] = [:]
        var publicLines = [String]()
        var privateLines = [String]()
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("Encryption: ") { encryption = String(line.dropFirst(12)) }
            if line.hasPrefix("Comment: ") { comment = String(line.dropFirst(9)) }
            if line.hasPrefix("Private-MAC: ") { mac = String(line.dropFirst(13)).lowercased() }
            for field in ["Key-Derivation", "Argon2-Memory", "Argon2-Passes", "Argon2-Parallelism", "Argon2-Salt"]
            where line.hasPrefix(field + ": ") {
                argon2[field] = String(line.dropFirst(field.count + 2))
            }
            if line.hasPrefix("Private-Lines: "), let count = Int(line.dropFirst(15)), count > 0,
                index + count < lines.count
            {
                privateLines = Array(lines[(index + 1)...(index + count)])
                index += count
            }
            if line.hasPrefix("Public-Lines: "), let count = Int(line.dropFirst(14)), count > 0,
                index + count < lines.count
            {
                publicLines = Array(lines[(index + 1)...(index + count)])
                index += count
            }
            index += 1
        }
        analysis.encrypted = encryption != "none"
        guard !publicLines.isEmpty, let blob = Data(base64Encoded: publicLines.joined()) else {
            analysis.parseError = "not a parseable key: no readable Public-Lines"
            return analysis
        }
        OpenSSHKey.describe(publicBlob: [UInt8](blob), into: &analysis)
        if analysis.encrypted { analysis.format += " (encrypted with \(encryption))" }
        if encryption == "aes256-cbc", let encrypted = Data(base64Encoded: privateLines.joined()) {
            let algorithm = lines.first.map { String($0.split(separator: " ").last ?? "") } ?? ""
            let kdf = version == "3" ? Argon2Parameters(argon2) : nil
            if version == "3", kdf == nil {
                analysis.passphrasesNotTried =
                    "passphrases not tried: Argon2 parameters missing or above the budget (memory × passes ≤ \(Argon2Parameters.maxWork) KiB)"
            }
            for passphrase in passphrases where Date() < deadline {
                let opens =
                    version == "2"
                    ? matchesV2(
                        passphrase: passphrase, algorithm: algorithm, comment: comment, publicBlob: [UInt8](blob),
                        encrypted: [UInt8](encrypted), mac: mac)
                    : kdf.map {
                        matchesV3(
                            passphrase: passphrase, parameters: $0, algorithm: algorithm, comment: comment,
                            publicBlob: [UInt8](blob), encrypted: [UInt8](encrypted), mac: mac)
                    } ?? false
                if opens {
                    analysis.recoveredPassphrase = passphrase
                    break
                }
            }
        }
        return analysis
    }

    /// A PPK v3 file's Argon2 parameters, when they are within bounds worth a trial: memory up to
    /// 64 MiB, up to 64 passes, and memory × passes within `maxWork` (puttygen's default, 8 MiB
    /// and a pass count tuned to 100 ms, stays well inside; the file's maximum cost 6 s a trial).
    struct Argon2Parameters {
        static let maxWork = 8192 * 32

        var variant: Argon2.Variant
        var memory: Int
        var passes: Int
        var lanes: Int
        var salt: [UInt8]

        init?(_ fields: [String: String]) {
            let variants: [String: Argon2.Variant] = ["Argon2id": .id, "Argon2i": .i, "Argon2d": .d]
            guard let name = fields["Key-Derivation"], let variant = variants[name],
                let memory = fields["Argon2-Memory"].flatMap({ Int($0) }), memory >= 8, memory <= 65536,
                let passes = fields["Argon2-Passes"].flatMap({ Int($0) }), passes >= 1, passes <= 64,
                let lanes = fields["Argon2-Parallelism"].flatMap({ Int($0) }), lanes >= 1, lanes <= 16,
                memory * passes <= Self.maxWork,
                let saltHex = fields["Argon2-Salt"], saltHex.count % 2 == 0, saltHex.allSatisfy(\.isHexDigit)
            else { return nil }
            self.variant = variant
            self.memory = memory
            self.passes = passes
            self.lanes = lanes
            var salt = [UInt8]()
            var index = saltHex.startIndex
            while index < saltHex.endIndex {
                let next = saltHex.index(index, offsetBy: 2)
                salt.append(UInt8(saltHex[index..<next], radix: 16) ?? 0)
                index = next
            }
            self.salt = salt
        }
    }

    /// Whether `passphrase` opens a PPK v3 file: Argon2 gives the AES key, IV and MAC key (80
    /// bytes); decrypt, then check the HMAC-SHA-256.
    static func matchesV3(
        passphrase: String, parameters: Argon2Parameters, algorithm: String, comment: String, publicBlob: [UInt8],
        encrypted: [UInt8], mac: String
    ) -> Bool {
        let material = Argon2.hash(
            password: Array(passphrase.utf8), salt: parameters.salt, passes: parameters.passes,
            memory: parameters.memory, lanes: parameters.lanes, length: 80, variant: parameters.variant)
        guard
            let decrypted = Cipher.aes256CBCDecrypt(
                key: Array(material[0..<32]), iv: Array(material[32..<48]), data: encrypted)
        else { return false }
        let message =
            SSHWire.string(algorithm) + SSHWire.string("aes256-cbc") + SSHWire.string(comment)
            + SSHWire.string(publicBlob) + SSHWire.string(decrypted)
        return Digest.hex(Digest.hmacSHA256(key: Array(material[48..<80]), message: message)) == mac
    }

    /// Whether `passphrase` opens a PPK v2 file: derive the AES key, decrypt, check the MAC.
    static func matchesV2(
        passphrase: String, algorithm: String, comment: String, publicBlob: [UInt8], encrypted: [UInt8], mac: String
    ) -> Bool {
        let secret = Array(passphrase.utf8)
        let key = Array((Cipher.sha1([0, 0, 0, 0] + secret) + Cipher.sha1([0, 0, 0, 1] + secret)).prefix(32))
        guard let decrypted = Cipher.aes256CBCDecrypt(key: key, iv: [UInt8](repeating: 0, count: 16), data: encrypted)
        else { return false }
        let macKey = Cipher.sha1(Array("putty-private-key-file-mac-key".utf8) + secret)
        let message =
            SSHWire.string(algorithm) + SSHWire.string("aes256-cbc") + SSHWire.string(comment)
            + SSHWire.string(publicBlob)
            + SSHWire.string(decrypted)
        return Digest.hex(Cipher.hmacSHA1(key: macKey, message: message)) == mac
    }
}
