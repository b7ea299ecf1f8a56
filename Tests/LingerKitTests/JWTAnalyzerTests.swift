import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// Keys made with the openssl command line at test time, and JWTs signed with them.
final class JWTFixtures {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory() }

    @discardableResult
    func openssl(_ arguments: [String], input: Data? = nil) throws -> Data {
        try runTool("openssl", arguments, in: directory.path, input: input)
    }

    /// Generates a private key (`rsa`, `P-256`, `P-384`, `P-521`, `ed25519`) and its public PEM.
    func key(_ kind: String, name: String) throws -> (privatePath: String, publicPath: String) {
        let privatePath = directory.path + "/\(name).key"
        switch kind {
        case "rsa":
            try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", privatePath])
        case "ed25519": try openssl(["genpkey", "-algorithm", "ed25519", "-out", privatePath])
        default:
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:\(kind)", "-out", privatePath])
        }
        let publicPath = directory.path + "/\(name).pub.pem"
        try openssl(["pkey", "-in", privatePath, "-pubout", "-out", publicPath])
        return (privatePath, publicPath)
    }

    static func b64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    static func json(_ object: [String: Any]) -> String {
        b64([UInt8](try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
    }

    /// A token signed with `alg` using the private key at `keyPath` (or HMAC `secret`).
    func token(
        alg: String, claims: [String: Any], header extra: [String: Any] = [:], keyPath: String? = nil,
        secret: String? = nil
    ) throws -> String {
        var header: [String: Any] = ["alg": alg, "typ": "JWT"]
        for (key, value) in extra { header[key] = value }
        let input = Self.json(header) + "." + Self.json(claims)
        let message = Data(input.utf8)
        let signature: [UInt8]
        let bits = alg.suffix(3)
        switch alg.prefix(2) {
        case "no": signature = []
        case "HS":
            let digest: Digest.SHA2 = bits == "256" ? .sha256 : bits == "384" ? .sha384 : .sha512
            signature = Digest.hmac(digest, key: Array((secret ?? "").utf8), message: Array(message))
        case "RS":
            signature = [UInt8](try openssl(["dgst", "-sha\(bits)", "-sign", keyPath!], input: message))
        case "PS":
            signature = [UInt8](
                try openssl(
                    [
                        "dgst", "-sha\(bits)", "-sigopt", "rsa_padding_mode:pss", "-sigopt",
                        "rsa_pss_saltlen:\(Int(bits)! / 8)", "-sign", keyPath!,
                    ], input: message))
        case "ES":
            let der = [UInt8](try openssl(["dgst", "-sha\(bits)", "-sign", keyPath!], input: message))
            signature = Self.rawECDSA(der, size: bits == "256" ? 32 : bits == "384" ? 48 : 66)
        case "Ed":
            let file = directory.path + "/message.bin"
            try message.write(to: URL(fileURLWithPath: file))
            signature = [UInt8](try openssl(["pkeyutl", "-sign", "-inkey", keyPath!, "-rawin", "-in", file]))
        default: signature = []
        }
        return input + "." + Self.b64(signature)
    }

    /// DER ECDSA-Sig-Value → JWS R || S.
    static func rawECDSA(_ der: [UInt8], size: Int) -> [UInt8] {
        var index = 2
        if der[1] & 0x80 != 0 { index = 2 + Int(der[1] & 0x7F) }
        func integer() -> [UInt8] {
            let length = Int(der[index + 1])
            var value = Array(der[(index + 2)..<(index + 2 + length)])
            index += 2 + length
            while value.count > size && value.first == 0 { value.removeFirst() }
            return [UInt8](repeating: 0, count: size - value.count) + value
        }
        return integer() + integer()
    }

    /// The JWKS of a public key, built from openssl's DER output.
    func jwk(publicPath: String, kind: String, kid: String) throws -> [String: Any] {
        let der = [UInt8](try openssl(["pkey", "-pubin", "-in", publicPath, "-outform", "DER"]))
        switch kind {
        case "ed25519":
            return ["kty": "OKP", "crv": "Ed25519", "x": Self.b64(Array(der.suffix(32))), "kid": kid]
        case "rsa":
            let text = String(
                decoding: try openssl(["rsa", "-pubin", "-in", publicPath, "-modulus", "-noout"]), as: UTF8.self)
            let hex = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(
                of: "Modulus=", with: "")
            var modulus = [UInt8]()
            var characters = Array(hex)
            if characters.count % 2 == 1 { characters.insert("0", at: 0) }
            for offset in stride(from: 0, to: characters.count, by: 2) {
                modulus.append(UInt8(String(characters[offset...offset + 1]), radix: 16)!)
            }
            return ["kty": "RSA", "n": Self.b64(modulus), "e": "AQAB", "kid": kid]
        default:
            let size = kind == "P-256" ? 32 : kind == "P-384" ? 48 : 66
            let point = Array(der.suffix(1 + 2 * size))
            return [
                "kty": "EC", "crv": kind, "x": Self.b64(Array(point[1...size])),
                "y": Self.b64(Array(point[(size + 1)...])), "kid": kid,
            ]
        }
    }
}

@Suite(.serialized) struct JWTAnalyzerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let nowSeconds = 1_800_000_000
    static var goodClaims: [String: Any] {
        [
            "iss": "https://idp.linger.invalid", "aud": "billing-api", "sub": "svc-fake", "iat": nowSeconds - 600,
            "exp": nowSeconds + 3000,
        ]
    }

    func analyzer(_ policy: JWTPolicy = JWTPolicy(), keys: TrustedKeys = TrustedKeys()) -> JWTAnalyzer {
        JWTAnalyzer(policy: policy, now: Self.now, keys: keys)
    }

    func checks(_ analysis: JWTAnalysis) -> [String] { analysis.checks.map(\.check.rawValue).sorted() }

    @Test func aWellFormedTokenWithinItsWindowIsLiveAndPassesEveryCheck() throws {
        let fixtures = try JWTFixtures()
        let token = try fixtures.token(
            alg: "HS256", claims: Self.goodClaims, secret: "a-long-random-key-nobody-guesses-7f3a9c")
        let analysis = analyzer().analyze(token, path: "x")
        #expect(analysis.checks.isEmpty)
        #expect(analysis.signature == .unverifiable)
        // Nothing says it is dead, but no key confirmed it: unverified, with the reason.
        #expect(analysis.verdict == .unverified)
        #expect(analysis.claims["iss"] == "https://idp.linger.invalid")
        #expect(analysis.evidence == "valid until 2027-01-15T08:50:00Z; signature unverifiable (no trusted key for HS256)")
    }

    @Test func weakHMACKeysAreRecoveredFromTheWordListAndTheSameFile() throws {
        let fixtures = try JWTFixtures()
        for (alg, key) in [("HS256", "secret"), ("HS384", "Changeme123"), ("HS512", "jwt_secret2025")] {
            let token = try fixtures.token(alg: alg, claims: Self.goodClaims, secret: key)
            let analysis = analyzer().analyze(token, path: "x")
            #expect(analysis.recoveredKey == key, "\(alg)")
            #expect(checks(analysis) == ["weak-hmac-key"])
            #expect(analysis.signature == .valid)
        }
        let fileKey = "Tr0ub4dor-xyzzy-9"
        let token = try fixtures.token(alg: "HS256", claims: Self.goodClaims, secret: fileKey)
        #expect(analyzer().analyze(token, path: "x").recoveredKey == nil)
        let file = Array("JWT_SECRET=\(fileKey)\nTOKEN=\(token)\n".utf8)
        let words = file.withUnsafeBytes { SameFileWords.extract(from: $0) }
        #expect(analyzer().analyze(token, path: "x", sameFileWords: words).recoveredKey == fileKey)
    }

    @Test func timeChecks() throws {
        let fixtures = try JWTFixtures()
        let now = Self.nowSeconds
        func run(_ claims: [String: Any]) throws -> JWTAnalysis {
            analyzer().analyze(
                try fixtures.token(alg: "HS256", claims: claims, secret: "k-9f8e7d6c5b4a39281"), path: "x")
        }
        var claims = Self.goodClaims
        claims["exp"] = nil
        let noExp = try run(claims)
        #expect(checks(noExp) == ["missing-exp"])
        #expect(noExp.verdict == .unverified)
        claims["exp"] = now - 60
        let expired = try run(claims)
        #expect(checks(expired) == ["expired"])
        #expect(expired.verdict == .inactive)
        #expect(expired.evidence == "expired on 2027-01-15T07:59:00Z")
        claims["exp"] = now + 3600
        claims["nbf"] = now + 600
        let early = try run(claims)
        #expect(checks(early) == ["not-yet-valid"])
        #expect(early.verdict == .unverified)
        #expect(early.evidence.hasPrefix("not valid until"))
        claims["nbf"] = nil
        claims["iat"] = now + 1200
        #expect(checks(try run(claims)) == ["issued-in-future"])
        claims["iat"] = now - 10
        claims["exp"] = now + 30 * 86400
        let long = try run(claims)
        #expect(checks(long) == ["lifetime-too-long"])
        #expect(long.checks.first?.message == "lives 30 days, above the default maximum of 24 hours")
    }

    @Test func issuerAudienceAndHeaderChecks() throws {
        let fixtures = try JWTFixtures()
        func run(_ claims: [String: Any], header: [String: Any] = [:]) throws -> [String] {
            checks(
                analyzer().analyze(
                    try fixtures.token(alg: "HS256", claims: claims, header: header, secret: "k-9f8e7d6c5b4a39281"),
                    path: "x"))
        }
        var claims = Self.goodClaims
        claims["iss"] = nil
        claims["aud"] = nil
        #expect(try run(claims) == ["missing-aud", "missing-iss"])
        claims = Self.goodClaims
        claims["aud"] = ["*"]
        #expect(try run(claims) == ["broad-audience"])
        #expect(
            try run(Self.goodClaims, header: ["jku": "https://attacker.invalid/jwks.json"]) == ["key-injection-header"])
        #expect(
            try run(Self.goodClaims, header: ["x5u": "https://attacker.invalid/cert.pem"]) == ["key-injection-header"])
        #expect(try run(Self.goodClaims, header: ["jwk": ["kty": "oct", "k": "AAAA"]]) == ["key-injection-header"])
        #expect(try run(Self.goodClaims, header: ["kid": "../../../../dev/null"]) == ["suspicious-kid"])
        #expect(try run(Self.goodClaims, header: ["kid": "key1' UNION SELECT 'x"]) == ["suspicious-kid"])
    }

    @Test func unsignedAndEncryptedAndMalformedTokens() throws {
        let fixtures = try JWTFixtures()
        let unsigned = try fixtures.token(alg: "none", claims: Self.goodClaims)
        let analysis = analyzer().analyze(unsigned, path: "x")
        #expect(checks(analysis) == ["alg-none"])
        #expect(analysis.signature == .unsigned)
        #expect(analysis.checks.first?.severity == .critical)
        let jwe =
            "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGe.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6ji.XFBoMYUZodetZdvTiFvSkQ"
        let encrypted = analyzer().analyze(jwe, path: "x")
        #expect(checks(encrypted) == ["encrypted"])
        #expect(encrypted.header["enc"] == "A256GCM")
        #expect(encrypted.verdict == .unverified)
        #expect(checks(analyzer().analyze("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig", path: "x")) == ["malformed"])
        #expect(
            analyzer().analyze("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig", path: "x").checks.first?.message
                == "the payload is not base64url-encoded JSON")
    }

    @Test(arguments: ["RS256", "RS384", "RS512", "PS256", "PS512", "ES256", "ES384", "ES512", "EdDSA"])
    func signaturesVerifyWithPEMAndJWKSAndFailWithAnotherKey(_ alg: String) throws {
        let fixtures = try JWTFixtures()
        let kind =
            alg.hasPrefix("ES")
            ? (alg == "ES256" ? "P-256" : alg == "ES384" ? "P-384" : "P-521") : alg == "EdDSA" ? "ed25519" : "rsa"
        let trusted = try fixtures.key(kind, name: "trusted")
        let other = try fixtures.key(kind, name: "other")
        let token = try fixtures.token(
            alg: alg, claims: Self.goodClaims, header: ["kid": "k1"], keyPath: trusted.privatePath)
        let forged = try fixtures.token(
            alg: alg, claims: Self.goodClaims, header: ["kid": "k1"], keyPath: other.privatePath)
        let jwks = ["keys": [try fixtures.jwk(publicPath: trusted.publicPath, kind: kind, kid: "k1")]]
        try fixtures.directory.write("jwks.json", try JSONSerialization.data(withJSONObject: jwks))
        for source in [
            TrustedKeySource.pem(path: trusted.publicPath), .jwks(path: fixtures.directory.path + "/jwks.json"),
        ] {
            let policy = JWTPolicy(keys: [source])
            let keys = try TrustedKeys.load(policy: policy, baseDirectory: fixtures.directory.path)
            let good = analyzer(policy, keys: keys).analyze(token, path: "x")
            #expect(good.signature == .valid, "\(alg) \(source)")
            #expect(good.verdict == .live)
            let bad = analyzer(policy, keys: keys).analyze(forged, path: "x")
            #expect(bad.signature == .invalid, "\(alg) \(source)")
            #expect(checks(bad) == ["invalid-signature"])
            #expect(bad.verdict == .inactive)
        }
    }

    @Test func certificatesAndHMACSecretsFromTheEnvironment() throws {
        let fixtures = try JWTFixtures()
        let key = try fixtures.key("rsa", name: "idp")
        try fixtures.openssl([
            "req", "-new", "-x509", "-key", key.privatePath, "-subj", "/CN=idp.linger.invalid", "-days", "2", "-out",
            fixtures.directory.path + "/idp.crt",
        ])
        let token = try fixtures.token(alg: "RS256", claims: Self.goodClaims, keyPath: key.privatePath)
        let policy = JWTPolicy(keys: [.pem(path: "idp.crt"), .hmacEnvironment(variable: "APP_JWT_SECRET")])
        let keys = try TrustedKeys.load(
            policy: policy, baseDirectory: fixtures.directory.path,
            environment: ["APP_JWT_SECRET": "s3cr3t-from-vault-9a8b7c6d"])
        #expect(analyzer(policy, keys: keys).analyze(token, path: "x").signatureDetail == "verified with idp.crt")
        let hmac = try fixtures.token(alg: "HS256", claims: Self.goodClaims, secret: "s3cr3t-from-vault-9a8b7c6d")
        #expect(analyzer(policy, keys: keys).analyze(hmac, path: "x").signature == .valid)
        let wrong = try fixtures.token(alg: "HS256", claims: Self.goodClaims, secret: "another-key-0a1b2c3d4e5f")
        #expect(analyzer(policy, keys: keys).analyze(wrong, path: "x").signature == .invalid)
        #expect(throws: KeyError.unreadable("$MISSING_VAR", "the environment variable is not set")) {
            try TrustedKeys.load(
                policy: JWTPolicy(keys: [.hmacEnvironment(variable: "MISSING_VAR")]), baseDirectory: "/",
                environment: [:])
        }
    }

    @Test func aTokenValidForOneApplicationBreaksAnothersPolicy() throws {
        let fixtures = try JWTFixtures()
        let config = try LingerConfig.parse(
            """
            jwt:
              max_lifetime: 12h
              applications:
                - name: billing-api
                  paths: ["services/billing/**"]
                  issuers: ["https://idp.linger.invalid"]
                  audiences: ["billing-api"]
                  algorithms: [HS256]
                  max_lifetime: 2h
                - name: reports
                  paths: ["services/reports/**", "*.env"]
                  issuers: ["https://idp-staging.linger.invalid"]
                  audiences: ["reports"]
                  algorithms: [RS256]
            """, file: "/repo/.linger.yml")
        #expect(config.jwt.maxLifetime == 12 * 3600)
        let token = try fixtures.token(alg: "HS256", claims: Self.goodClaims, secret: "k-9f8e7d6c5b4a39281")
        let billing = analyzer(config.jwt).analyze(token, path: "services/billing/config/app.yaml")
        #expect(billing.application == "billing-api")
        #expect(billing.checks.isEmpty)
        let reports = analyzer(config.jwt).analyze(token, path: "services/reports/settings.py")
        #expect(reports.application == "reports")
        #expect(checks(reports) == ["algorithm-not-allowed", "audience-not-allowed", "untrusted-issuer"])
        #expect(
            reports.checks.first { $0.check == .untrustedIssuer }?.message
                == "issuer `https://idp.linger.invalid` not trusted by reports")
        #expect(analyzer(config.jwt).analyze(token, path: "local.env").application == "reports")
        #expect(analyzer(config.jwt).analyze(token, path: "elsewhere/x.txt").application == nil)
    }

    @Test func configurationErrorsNameTheKey() {
        func error(_ text: String) -> String? {
            do {
                _ = try LingerConfig.parse(text, file: ".linger.yml")
                return nil
            } catch { return String(describing: error) }
        }
        #expect(
            error("jwt:\n  max_lifetime: soon\n")
                == ".linger.yml: `jwt.max_lifetime`: expected a duration such as 90s, 15m, 24h or 7d, not \"soon\"")
        #expect(
            error("jwt:\n  applications:\n    - paths: [a]\n")
                == ".linger.yml: `jwt.applications[0].name`: each application needs a name")
        #expect(
            error("jwt:\n  applications:\n    - name: x\n      paths: [a]\n      algorithms: [HS999]\n")
                == ".linger.yml: `jwt.applications[0].algorithms`: unknown algorithm HS999")
        #expect(
            error("jwt:\n  keys:\n    - gpg: k.asc\n")
                == ".linger.yml: `jwt.keys[0].gpg`: unknown key source (known: jwks, pem, hmac_env)")
        #expect(error("jwtt: {}\n") == ".linger.yml: `jwtt`: unknown key (known: jwt, keys, sla, allow, verification)")
        #expect(Glob.matches("services/**/app.yaml", "services/a/b/app.yaml"))
        #expect(Glob.matches("services/**", "services/x"))
        #expect(!Glob.matches("*.env", "dir/x.env"))
        #expect(Glob.matches("**/*.env", "dir/x.env"))
    }

    @Test func thousandsOfMalformedTokensNeverCrashOrHang() throws {
        let fixtures = try JWTFixtures()
        let seed = try fixtures.token(
            alg: "HS256", claims: Self.goodClaims, header: ["kid": "k"], secret: "k-9f8e7d6c5b4a39281")
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("eyJ.-_=+/ABCxyz019{}\"\\:,\u{0}é")
        let start = Date()
        var malformed = 0
        var decoded = 0
        for round in 0..<4000 {
            var characters = Array(seed)
            for _ in 0..<(1 + Int(generator.next() % 8)) {
                let position = Int(generator.next() % UInt64(characters.count))
                switch generator.next() % 4 {
                case 0: characters[position] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: characters.remove(at: position)
                case 2: characters.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: position)
                default: characters = Array(characters.prefix(position))
                }
                if characters.isEmpty { characters = ["."] }
            }
            if round % 500 == 0 { characters += Array(repeating: "A", count: 70_000) }
            let analysis = analyzer().analyze(String(characters), path: "fuzz")
            // A token that does not decode says so, and is never judged live or inactive.
            if analysis.checks.contains(where: { $0.check == .malformed }) {
                #expect(analysis.verdict == .unverified)
                #expect(analysis.evidence == "malformed token")
                malformed += 1
            } else {
                decoded += 1
            }
        }
        // The mutations reach both paths: tokens that break and tokens that still decode.
        #expect(malformed > 100)
        #expect(decoded > 50)
        // Bounded work: cracking gives up within its budget, so 4000 tokens stay far below a minute.
        #expect(Date().timeIntervalSince(start) < 120)
    }
}
