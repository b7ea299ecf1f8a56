import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

@Suite(.serialized) struct KeyAnalyzerTests {
    func run(_ tool: String, _ arguments: [String], in directory: String) throws -> String {
        String(decoding: try runTool(tool, arguments, in: directory), as: UTF8.self)
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The key analysis of the one key finding in `text`.
    func analysis(_ text: String) throws -> (Finding, KeyAnalysis) {
        let result = try Fixtures.scan(text)
        let finding = try #require(result.findings.first { $0.key != nil }, "no key found in: \(text.prefix(80))")
        return (finding, try #require(finding.key))
    }

    @Test func pemKeysOfEveryKindAreParsedWithTheirAttributes() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.path
        _ = try run(
            "openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa8.pem"], in: dir
        )
        _ = try run("openssl", ["genrsa", "-traditional", "-out", "rsa1.pem", "1024"], in: dir)
        _ = try run(
            "openssl",
            [
                "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_pubexp:3",
                "-out", "e3.pem",
            ], in: dir)
        _ = try run("openssl", ["ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "ec.pem"], in: dir)
        _ = try run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", "ed.pem"], in: dir)
        _ = try run(
            "openssl",
            [
                "genpkey", "-genparam", "-algorithm", "DSA", "-pkeyopt", "dsa_paramgen_bits:1024", "-out",
                "dsaparam.pem",
            ], in: dir)
        _ = try run("openssl", ["genpkey", "-paramfile", "dsaparam.pem", "-out", "dsa.pem"], in: dir)

        let (rsa, rsaKey) = try analysis(try read(dir + "/rsa8.pem"))
        #expect(rsa.ruleID == "private-key-pkcs8")
        #expect(rsaKey.format == "PKCS#8")
        #expect(rsaKey.algorithm == "RSA")
        #expect(rsaKey.bits == 2048)
        #expect(rsaKey.weaknesses.isEmpty)
        #expect(rsaKey.publicKeySHA256?.count == 64)
        // The SPKI fingerprint is SHA-256 of `openssl pkey -pubout -outform DER`.
        _ = try run("openssl", ["pkey", "-in", "rsa8.pem", "-pubout", "-outform", "DER", "-out", "rsa8.der"], in: dir)
        let der = try Data(contentsOf: URL(fileURLWithPath: dir + "/rsa8.der"))
        #expect(rsaKey.publicKeySHA256 == Digest.hex(Digest.sha256([UInt8](der))))

        let (_, weak) = try analysis(try read(dir + "/rsa1.pem"))
        #expect(weak.format == "PKCS#1 RSA")
        #expect(weak.weaknesses == ["RSA key of 1024 bits (under 2048)"])
        #expect(try analysis(try read(dir + "/e3.pem")).1.weaknesses == ["small public exponent e=3"])
        let (_, ec) = try analysis(try read(dir + "/ec.pem"))
        #expect(ec.format == "SEC1 EC")
        #expect(ec.curve == "secp384r1")
        #expect(ec.bits == 384)
        let (_, ed) = try analysis(try read(dir + "/ed.pem"))
        #expect(ed.algorithm == "Ed25519")
        let (_, dsa) = try analysis(try read(dir + "/dsa.pem"))
        #expect(dsa.algorithm == "DSA")
        #expect(dsa.weaknesses.first?.hasPrefix("DSA keys are deprecated") == true)
    }

    @Test func encryptedKeysAreTriedWithCommonPassphrasesAndWordsFromTheFile() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.path
        _ = try run(
            "openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "plain.pem"],
            in: dir)
        _ = try run(
            "openssl",
            [
                "pkcs8", "-topk8", "-in", "plain.pem", "-v2", "aes-256-cbc", "-passout", "pass:password", "-out",
                "weak8.pem",
            ], in: dir)
        _ = try run(
            "openssl",
            [
                "pkcs8", "-topk8", "-in", "plain.pem", "-v2", "aes-256-cbc", "-passout", "pass:k7#Qz!9vLm2@xR4", "-out",
                "strong8.pem",
            ], in: dir)
        _ = try run(
            "openssl",
            ["rsa", "-in", "plain.pem", "-traditional", "-aes128", "-passout", "pass:changeme", "-out", "legacy.pem"],
            in: dir)
        _ = try run(
            "openssl",
            [
                "pkcs8", "-topk8", "-in", "plain.pem", "-v2", "aes-256-cbc", "-passout", "pass:Deploy-Kiwi-42", "-out",
                "fileword.pem",
            ], in: dir)

        let (weakFinding, weak) = try analysis(try read(dir + "/weak8.pem"))
        #expect(weakFinding.ruleID == "private-key-pkcs8-encrypted")
        #expect(weak.format == "encrypted PKCS#8")
        #expect(weak.encrypted)
        #expect(weak.recoveredPassphrase == "password")
        #expect(weak.bits == 2048)
        let (_, strong) = try analysis(try read(dir + "/strong8.pem"))
        #expect(strong.encrypted && strong.recoveredPassphrase == nil && strong.parseError == nil)
        #expect(strong.publicKeySHA256 == nil)
        let (_, legacy) = try analysis(try read(dir + "/legacy.pem"))
        #expect(legacy.format == "legacy encrypted PEM (PKCS#1 RSA)")
        #expect(legacy.recoveredPassphrase == "changeme")
        let (_, fromFile) = try analysis("# passphrase: Deploy-Kiwi-42\n" + (try read(dir + "/fileword.pem")))
        #expect(fromFile.recoveredPassphrase == "Deploy-Kiwi-42")
    }

    @Test func openSSHKeysAreParsedEncryptedOrNotWithSshKeygensFingerprint() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.path
        for (name, arguments) in [
            ("ed", ["-t", "ed25519"]), ("rsa", ["-t", "rsa", "-b", "2048"]), ("ecdsa", ["-t", "ecdsa", "-b", "384"]),
        ] {
            _ = try run("ssh-keygen", ["-q", "-N", "", "-C", "test", "-f", name] + arguments, in: dir)
        }
        _ = try run("ssh-keygen", ["-q", "-N", "correct horse battery", "-t", "ed25519", "-f", "locked"], in: dir)
        for (name, algorithm, bits) in [
            ("ed", "Ed25519", 256), ("rsa", "RSA", 2048), ("ecdsa", "EC", 384), ("locked", "Ed25519", 256),
        ] {
            let (finding, key) = try analysis(try read(dir + "/" + name))
            #expect(finding.ruleID == "private-key-openssh")
            #expect(key.algorithm == algorithm, "\(name)")
            #expect(key.bits == bits, "\(name)")
            let expected = try run("ssh-keygen", ["-lf", name + ".pub"], in: dir).split(separator: " ")[1]
            #expect(key.sshFingerprint == String(expected), "\(name)")
            #expect(key.encrypted == (name == "locked"))
            #expect(key.publicKeySHA256?.count == 64)
        }
        #expect(try analysis(try read(dir + "/locked")).1.format == "OpenSSH (encrypted with aes256-ctr)")
    }

    @Test func encryptedOpenSSHKeysGiveUpGuessablePassphrases() throws {
        // Blowfish's initial state is π: its published first and last words.
        #expect(BcryptPBKDF.piWords.count == 1042)
        #expect(BcryptPBKDF.piWords[0] == 0x243F_6A88 && BcryptPBKDF.piWords[17] == 0x8979_FB1B)
        #expect(BcryptPBKDF.piWords[18] == 0xD131_0BA6 && BcryptPBKDF.piWords[1041] == 0x3AC3_72E6)
        let directory = try TemporaryDirectory()
        let dir = directory.path
        // Few bcrypt rounds keep the test quick in a debug build; the derivation is the same.
        for (name, arguments) in [
            ("common", ["-t", "ed25519", "-N", "password"]),
            ("gcm", ["-t", "ecdsa", "-Z", "aes256-gcm@openssh.com", "-N", "secret"]),
            ("named", ["-t", "ed25519", "-N", "billing"]),
            ("strong", ["-t", "ed25519", "-N", "Xk9#tangerine-cobalt"]),
        ] {
            _ = try run("ssh-keygen", ["-q", "-a", "2", "-C", "test", "-f", name] + arguments, in: dir)
        }
        var analyzer = KeyAnalyzer(repositoryName: "billing")
        analyzer.budget = 30
        func recovered(_ name: String) throws -> String? {
            let key = analyzer.analyze(try read(dir + "/" + name))
            #expect(key.encrypted && key.parseError == nil, "\(name)")
            return key.recoveredPassphrase
        }
        #expect(try recovered("common") == "password")
        #expect(try recovered("gcm") == "secret")
        #expect(try recovered("named") == "billing")
        #expect(try recovered("strong") == nil)
        // Words from the same file are candidates too.
        let key = analyzer.analyze(try read(dir + "/strong"), sameFileWords: ["Xk9#tangerine-cobalt"])
        #expect(key.recoveredPassphrase == "Xk9#tangerine-cobalt")
    }

    @Test func blake2bAndArgon2MatchTheirReferenceImplementations() {
        // RFC 7693's example, and outputs of the reference Argon2 (argon2-cffi) for these inputs.
        #expect(Digest.hex(Blake2b.hash(Array("abc".utf8), length: 64)).hasPrefix("ba80a53f981c4d0d6a2797b69f12f6e9"))
        let password = Array("password".utf8)
        let salt = Array("somesalt12345678".utf8)
        #expect(
            Digest.hex(
                Argon2.hash(password: password, salt: salt, passes: 2, memory: 64, lanes: 1, length: 80, variant: .id))
                == "c8c2993dcfa442d7f2e4481444e6c48c1bc20d24dd5bbfd9a8541b6ba01bc218c15556df6e8057012b8e3c6d22a3c05888f6f27b328e1ba7c1cdb7944da824474acdd961de19df564716f90ac3f3ccd5"
        )
        #expect(
            Digest.hex(
                Argon2.hash(password: password, salt: salt, passes: 2, memory: 64, lanes: 2, length: 32, variant: .id))
                == "bc418ea5103abc2ba7105df54a95022fd755ef3cef33bbc8c0f7a4666acaddbc")
        #expect(
            Digest.hex(
                Argon2.hash(password: password, salt: salt, passes: 3, memory: 32, lanes: 1, length: 24, variant: .i))
                == "da61dcce43e87dbd59bc0fbd79375203fbfcbe5f6374463b")
        #expect(
            Digest.hex(
                Argon2.hash(password: password, salt: salt, passes: 1, memory: 16, lanes: 1, length: 32, variant: .d))
                == "3cbd054bc01bc1463828b4d209a7be4e0d52121413a191ca1a3f1a5c269402df")
    }

    @Test func puttyPGPEscapedAndBase64WrappedKeys() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.path
        _ = try run("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", "k"], in: dir)
        let publicLine = try read(dir + "/k.pub").split(separator: " ")
        let blob = String(publicLine[1])
        let ppk = """
            PuTTY-User-Key-File-3: ssh-ed25519
            Encryption: none
            Comment: test
            Public-Lines: 2
            \(blob.prefix(64))
            \(blob.dropFirst(64))
            Private-Lines: 1
            AAAAIE9kZXRlc3RrZXlieXRlc2ZvcnB1dHR5cHBrZmlsZXRlc3Q=
            Private-MAC: 5c1f0e9ad3b4c7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2
            """
        let (_, putty) = try analysis(ppk)
        #expect(putty.format == "PuTTY PPK v3")
        #expect(putty.algorithm == "Ed25519")
        let expected = try run("ssh-keygen", ["-lf", "k.pub"], in: dir).split(separator: " ")[1]
        #expect(putty.sshFingerprint == String(expected))

        _ = try run(
            "openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.pem"], in: dir)
        let pem = try read(dir + "/sa.pem")
        let json =
            "{\"type\": \"service_account\", \"private_key\": \"\(pem.replacingOccurrences(of: "\n", with: "\\n"))\"}"
        let (_, escaped) = try analysis(json)
        #expect(escaped.algorithm == "RSA" && escaped.bits == 2048)
        let wrapped = "data:\n  tls.key: \(Data(pem.utf8).base64EncodedString())\n"
        let (wrappedFinding, base64) = try analysis(wrapped)
        #expect(wrappedFinding.ruleID == "private-key-base64-pem")
        #expect(base64.format == "base64-wrapped PKCS#8")
        #expect(base64.publicKeySHA256 == escaped.publicKeySHA256)
        let pgp =
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
            + String(repeating: "lQOYBGVxAbcBCADkZ3J1c3RlZCBrZXkgZm9yIHRlc3Rz\n", count: 3)
            + "=AbCd\n-----END PGP PRIVATE KEY BLOCK-----\n"
        #expect(try analysis(pgp).1.format == "PGP private key block")
    }

    @Test func puttyV2AndV3PassphrasesAreTried() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.path
        try directory.write("weak.txt", "password")
        try directory.write("strong.txt", "Plinth-Orbit-7731!")
        _ = try run(
            "puttygen",
            [
                "-t", "ed25519", "-C", "test", "-o", "weak.ppk", "--ppk-param", "version=2", "--new-passphrase",
                "weak.txt",
            ], in: dir)
        _ = try run(
            "puttygen",
            [
                "-t", "rsa", "-b", "2048", "-C", "test", "-o", "strong.ppk", "--ppk-param", "version=2",
                "--new-passphrase", "strong.txt",
            ], in: dir)
        // Version 3 derives its keys with Argon2id; small parameters keep the debug-build test quick.
        let v3Parameters = "version=3,kdf=argon2id,memory=256,passes=2,parallelism=1"
        _ = try run(
            "puttygen",
            [
                "-t", "ed25519", "-C", "test", "-o", "v3.ppk", "--new-passphrase", "weak.txt", "--ppk-param",
                v3Parameters,
            ],
            in: dir)
        _ = try run(
            "puttygen",
            [
                "-t", "ed25519", "-C", "test", "-o", "v3strong.ppk", "--new-passphrase", "strong.txt", "--ppk-param",
                v3Parameters,
            ], in: dir)
        _ = try run(
            "puttygen", ["weak.ppk", "--old-passphrase", "weak.txt", "-O", "public-openssh", "-o", "weak.pub"], in: dir)
        let (_, weak) = try analysis(try read(dir + "/weak.ppk"))
        #expect(weak.format == "PuTTY PPK v2 (encrypted with aes256-cbc)")
        #expect(weak.recoveredPassphrase == "password")
        let expected = try run("ssh-keygen", ["-lf", "weak.pub"], in: dir).split(separator: " ")[1]
        #expect(weak.sshFingerprint == String(expected))
        let (_, strong) = try analysis(try read(dir + "/strong.ppk"))
        #expect(
            strong.encrypted && strong.recoveredPassphrase == nil && strong.algorithm == "RSA" && strong.bits == 2048)
        let (_, v3) = try analysis(try read(dir + "/v3.ppk"))
        #expect(v3.format == "PuTTY PPK v3 (encrypted with aes256-cbc)")
        #expect(v3.recoveredPassphrase == "password")
        let (_, v3strong) = try analysis(try read(dir + "/v3strong.ppk"))
        #expect(v3strong.encrypted && v3strong.recoveredPassphrase == nil && v3strong.algorithm == "Ed25519")
    }

    @Test func blocksThatAreNotKeysAreReportedAtLowConfidenceWithTheReason() throws {
        let body = (0..<3).map { _ in "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" }.joined(separator: "\n")
        let (finding, key) = try analysis("-----BEGIN RSA PRIVATE KEY-----\n\(body)\n-----END RSA PRIVATE KEY-----\n")
        #expect(finding.confidence == .low)
        #expect(key.parseError?.hasPrefix("not a parseable key") == true)
        // A placeholder body never becomes a finding at all.
        let placeholder = try Fixtures.scan("-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----\n")
        #expect(placeholder.findings.isEmpty)
    }

    @Test func thousandsOfMalformedKeysNeverCrashOrHang() throws {
        let directory = try TemporaryDirectory()
        _ = try run("ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-f", "k"], in: directory.path)
        _ = try run(
            "openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem"], in: directory.path)
        let seeds = [try read(directory.path + "/k"), try read(directory.path + "/ec.pem")]
        var generator = SeededGenerator(seed: 99)
        let alphabet = Array("ABCxyz019+/=\n-\\ \u{0}")
        let analyzer = KeyAnalyzer()
        let start = Date()
        for round in 0..<3000 {
            var characters = Array(seeds[round % 2])
            for _ in 0..<(1 + Int(generator.next() % 6)) {
                let position = 40 + Int(generator.next() % UInt64(max(1, characters.count - 80)))
                guard position < characters.count else { continue }
                switch generator.next() % 3 {
                case 0: characters[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: characters.remove(at: position)
                default:
                    characters.removeSubrange(position..<min(characters.count, position + Int(generator.next() % 40)))
                }
            }
            let result = analyzer.analyze(String(characters))
            #expect(result.parseError != nil || result.algorithm != nil || result.encrypted)
        }
        #expect(Date().timeIntervalSince(start) < 120)
    }
}
