import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// Content an attacker controls (a pull request, a fork, a downloaded repository) must neither
/// steer Linger nor stop it: each test reproduces one attack and shows it contained.
@Suite struct HostileInputTests {
    // MARK: Configuration from the scanned tree

    @Test func aRepositoryFileMaySetPolicyButNotWhereSecretsGo() throws {
        let text = """
            verification:
              base_urls: {github: 'https://attacker.example.invalid'}
            jwt:
              max_lifetime: 1h
              keys: [{hmac_env: CI_SECRET}, {jwks: keys/idp.json}, {pem: /etc/ssl/x.pem}]
              applications:
                - {name: api, paths: ['api/**'], keys: [{pem: ../x.pem}, {hmac_env: OTHER}]}
            keys: {crls: [/dev/zero]}
            sla: {days: 3}
            """
        let repository = try LingerConfig.parse(text, file: "repo/.linger.yml", trust: .repositoryFile)
        #expect(repository.verification.baseURLs.isEmpty)
        #expect(repository.jwt.keys == [.jwks(path: "keys/idp.json")])
        #expect(repository.jwt.applications.first?.keys == [])
        #expect(repository.jwt.maxLifetime == 3600)
        #expect(repository.sla.days == 3)
        #expect(repository.refused.count == 6)
        #expect(repository.refused.allSatisfy { $0.hasPrefix("repo/.linger.yml: `") })
        // The same text from the operator is taken whole (the CRL path aside, which must exist).
        let operatorText = text.replacingOccurrences(of: "keys: {crls: [/dev/zero]}\n", with: "")
        let trusted = try LingerConfig.parse(operatorText, file: "/etc/linger.yml", trust: .operatorFile)
        #expect(trusted.verification.baseURLs["github"] == "https://attacker.example.invalid")
        #expect(trusted.jwt.keys.count == 3)
        #expect(trusted.refused.isEmpty)
    }

    @Test func theUsersFileLaysItsSectionsOverTheRepositorys() throws {
        let folder = try TemporaryDirectory()
        let repositoryFile = try folder.write("repo/.linger.yml", "sla: {days: 9}\njwt: {max_lifetime: 2h}\n")
        try folder.write("home/linger/config.yml", "sla: {days: 1}\nverification: {timeout: 3s}\n")
        let config = try LingerConfig.resolve(
            operatorFile: nil, repositoryFile: repositoryFile, environment: ["XDG_CONFIG_HOME": folder.path + "/home"])
        #expect(config.sla.days == 1)
        #expect(config.verification.timeout == 3)
        #expect(config.jwt.maxLifetime == 7200)
        // LINGER_CONFIG is the whole configuration: the repository's file is not read.
        let named = try folder.write("operator.yml", "sla: {days: 4}\n")
        let only = try LingerConfig.resolve(
            operatorFile: nil, repositoryFile: repositoryFile, environment: ["LINGER_CONFIG": named])
        #expect(only.sla.days == 4)
        #expect(only.jwt.maxLifetime == JWTPolicy().maxLifetime)
    }

    /// Found by `.ci/fuzz`: Yams traps on a mapping key that is not text and on collections with
    /// other tags; such files are refused with a message, in configurations and rule files alike.
    @Test(arguments: ["? [a]\n: b\n", "a: !!str [x]\n", "allow: !!omap [a: 1]\n", "a: !!set {x: 1}\n", "{[x]: y}\n"])
    func yamlThatYamsCannotConstructIsRefused(_ text: String) throws {
        #expect(throws: ConfigError.self) { try LingerConfig.parse(text, file: "c.yml", trust: .repositoryFile) }
        #expect(throws: (any Error).self) { try RuleFileParser.parse(text, file: "r.yml", validatePatterns: false) }
    }

    @Test func timeoutsAreCapped() throws {
        let config = try LingerConfig.parse("verification: {timeout: 100000d}\n", file: "c")
        #expect(config.verification.timeout == LingerConfig.maxTimeout)
        #expect(throws: ConfigError.self) { try LingerConfig.parse("verification: {timeout: 1e400s}\n", file: "c") }
        #expect(throws: ConfigError.self) { try LingerConfig.parse("jwt: {max_lifetime: nan}\n", file: "c") }
    }

    @Test func billionLaughsIsRefusedAtOnce() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let list = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(list)]\n"
        }
        text += "allow: *a9\n"
        let started = Date()
        do {
            _ = try LingerConfig.parse(text, file: "laughs.yml", trust: .repositoryFile)
            Issue.record("a document of 10^10 values was accepted")
        } catch let error as ConfigError {
            #expect(String(describing: error).contains("refused rather than expanded"))
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    // MARK: Numbers the content chooses

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func jwt(claims: String) -> String {
        let signature = Data((0..<32).map { UInt8($0 * 7 & 0xFF) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return base64URL(#"{"alg":"HS256","typ":"JWT"}"#) + "." + base64URL(claims) + "." + signature
    }

    /// Times no Int64 holds, or no number at all: the token is judged, the scan goes on.
    @Test(arguments: [
        #"{"sub":"a","exp":1e308}"#, #"{"sub":"a","exp":9223372036854775808}"#, #"{"sub":"a","nbf":"1e400"}"#,
        #"{"sub":"a","exp":"nan","iat":-1e300}"#, #"{"sub":"a","exp":-9.9e18,"nbf":1e19}"#,
    ])
    func jwtTimesBeyondAnyCalendarDoNotStopTheScan(_ claims: String) throws {
        let token = Self.jwt(claims: claims)
        let other = Fixtures.githubToken(seed: 5)
        let result = try Fixtures.scan("AUTH=\(token)\nGH=\(other)\n", name: "app.env")
        #expect(result.findings.contains { $0.secret == other })
        let analysis = JWTAnalyzer().analyze(token, path: "app.env")
        #expect(!analysis.header.isEmpty)
    }

    @Test func displayedTimesStayInsideTheCalendar() {
        #expect(JWTAnalyzer.date(1e308) == "after year 9999 (1e+308 s)")
        #expect(JWTAnalyzer.date(-1e300).hasPrefix("before year 1"))
        #expect(JWTAnalyzer.date(.nan) == "an invalid time")
        #expect(JWTAnalyzer.date(0) == "1970-01-01T00:00:00Z")
    }

    /// The same token a thousand times is cracked once (each trial was 0.25 s: 14 s for 130 KB).
    @Test func aRepeatedTokenIsCrackedOnce() throws {
        let token = Self.jwt(claims: #"{"sub":"repeated","iss":"x"}"#)
        let text = (0..<1000).map { "t\($0)=\(token)" }.joined(separator: "\n")
        let started = Date()
        let result = try Fixtures.scan(text, name: "many.env")
        #expect(result.findings.count == 1000)
        // Uncached, the thousand trials take about 250 s; the bound is loose so a loaded CI
        // machine does not fail it (13 s was seen with two builds running beside it).
        #expect(Date().timeIntervalSince(started) < 60)
    }

    // MARK: Work the content chooses

    /// An encrypted PKCS#8 key asking for 8,388,607 PBKDF2 iterations: OpenSSL's derivation cannot
    /// be interrupted, so the cost is read first and no passphrase is tried.
    @Test func keysWhoseDerivationCostsTooMuchAreNotTried() throws {
        let folder = try TemporaryDirectory()
        try runTool(
            "openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem"],
            in: folder.path)
        let pem = String(
            decoding: try runTool(
                "openssl",
                ["pkcs8", "-topk8", "-in", "k.pem", "-v2", "aes-256-cbc", "-iter", "65536", "-passout", "pass:Kx9-long"],
                in: folder.path), as: UTF8.self)
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        var der = [UInt8](try #require(Data(base64Encoded: body)))
        let iterations: [UInt8] = [0x02, 0x03, 0x01, 0x00, 0x00]
        let at = try #require((0...(der.count - 5)).first { Array(der[$0..<($0 + 5)]) == iterations })
        der.replaceSubrange((at + 2)..<(at + 5), with: [0x7F, 0xFF, 0xFF])
        let patched =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + Data(der).base64EncodedString(options: .lineLength64Characters)
            + "\n-----END ENCRYPTED PRIVATE KEY-----\n"
        #expect(PKCS8Cost(pem: patched)?.derivation == .pbkdf2(iterations: 8_388_607))
        let started = Date()
        let analysis = KeyAnalyzer().analyze(patched)
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(analysis.encrypted)
        #expect(analysis.passphrasesNotTried?.contains("8388607 key-derivation iterations") == true)
        // An ordinary one is tried as before.
        #expect(PKCS8Cost(pem: pem)?.derivation == .pbkdf2(iterations: 65536))
        #expect(KeyAnalyzer().analyze(pem).passphrasesNotTried == nil)
    }

    @Test func puttyKeysAtTheArgon2MaximumAreNotTried() {
        let fields = [
            "Key-Derivation": "Argon2id", "Argon2-Memory": "65536", "Argon2-Passes": "64",
            "Argon2-Parallelism": "1", "Argon2-Salt": "00112233",
        ]
        #expect(PuTTYKey.Argon2Parameters(fields) == nil)
        var usual = fields
        usual["Argon2-Memory"] = "8192"
        usual["Argon2-Passes"] = "21"
        #expect(PuTTYKey.Argon2Parameters(usual) != nil)
    }

    @Test func globsWithHundredsOfStarsMatchAtOnce() {
        let pattern = String(repeating: "*", count: 300) + "x"
        let path = String(repeating: "ab/", count: 30) + String(repeating: "a", count: 60)
        let started = Date()
        #expect(!Glob.matches(pattern, path))
        #expect(!Glob.matches(String(repeating: "*a", count: 150) + "b", String(repeating: "a", count: 200)))
        #expect(Glob.matchesIgnorePattern(String(repeating: "**/", count: 100) + "*.env", "a/b/c/d.env"))
        #expect(Date().timeIntervalSince(started) < 1)
        // The meaning is unchanged.
        #expect(Glob.matches("src/*/x.env", "src/a/x.env"))
        #expect(!Glob.matches("src/*/x.env", "src/a/b/x.env"))
        #expect(Glob.matches("src/**/x.env", "src/x.env"))
        #expect(Glob.matches("src/**", "src/a/b"))
        #expect(Glob.matches("a?c", "abc"))
        #expect(!Glob.matches("a?c", "a/c"))
        #expect(Glob.matches("***", "a/b"))
    }

    /// Fifty thousand secrets in one file: bookkeeping stays linear (it was quadratic: 100,000
    /// findings took 35 s in a release build, a 10 MB file of AKIA lines 450 CPU-seconds). The
    /// bound is loose on purpose: a quadratic pass takes minutes here, a linear one seconds.
    @Test func fiftyThousandSecretsInOneFileCostLinearTime() throws {
        var generator = SeededGenerator(seed: 77)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
        var text = [UInt8]()
        for _ in 0..<50_000 {
            text += Array("AKIA".utf8)
            for _ in 0..<16 { text.append(alphabet[Int(generator.next() % 32)]) }
            text.append(0x0A)
        }
        let started = Date()
        let result = try Fixtures.scan(bytes: text, name: "keys.txt")
        #expect(result.findings.count > 49_000)
        #expect(Date().timeIntervalSince(started) < 90)
    }

    // MARK: Files, caches and the network

    /// A file swapped for a FIFO between listing and opening (nobody writes to it) is skipped at
    /// once: opening used to block forever.
    @Test func aFIFOInPlaceOfAFileDoesNotHang() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path + "/config.env"
        #expect(mkfifo(path, 0o600) == 0)
        let worker = try BlobScanner(scanner: Fixtures.scanner())
        worker.scanFile(FileEntry(path: path, displayPath: "config.env", size: 10))
        #expect(worker.result.skipped.map(\.reason) == [.notRegularFile])
    }

    @Test func filesWithNamesThatAreNotUTF8AreScanned() throws {
        let folder = try TemporaryDirectory()
        let token = Fixtures.githubToken(seed: 9)
        var name = Array((folder.path + "/caf").utf8) + [0xE9] + Array(".env".utf8)
        name.append(0)
        let descriptor = name.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT, 0o600) }
        }
        #expect(descriptor >= 0)
        _ = Array("T=\(token)\n".utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        let result = try Fixtures.scanner().scan(directory: DirectoryInput(root: folder.path))
        #expect(result.findings.map(\.secret) == [token])
        #expect(result.findings.first?.path == "caf\\xe9.env")
    }

    /// A cache file made for another rule set, copied over this one's name, is not trusted: it
    /// would have turned detection off.
    @Test func aForeignCacheFileIsRebuilt() throws {
        let folder = try TemporaryDirectory()
        let cache = DatabaseCache(directory: folder.path)
        let all = try RuleSet.builtIn()
        let few = Array(all.prefix(3))
        let many = Array(all.prefix(4))
        _ = try cache.database(for: few)
        let foreign = folder.path + "/" + DatabaseCache.key(for: few) + ".hsdb"
        #expect(DatabaseCache.read(path: foreign, key: DatabaseCache.key(for: few), ruleCount: 3) != nil)
        let target = folder.path + "/" + DatabaseCache.key(for: many) + ".hsdb"
        try FileManager.default.copyItem(atPath: foreign, toPath: target)
        #expect(DatabaseCache.read(path: target, key: DatabaseCache.key(for: many), ruleCount: 3) == nil)
        let (_, _, origin) = try cache.database(for: many)
        #expect(origin == .compiled)
    }

    /// The cache is read in place (one buffer, hashed in two parts): it round-trips, and one
    /// flipped byte anywhere after the header, or a truncated file, is refused, never trusted.
    @Test func aDamagedCacheFileIsRefused() throws {
        let folder = try TemporaryDirectory()
        let cache = DatabaseCache(directory: folder.path)
        let rules = Array(try RuleSet.builtIn().prefix(5))
        let key = DatabaseCache.key(for: rules)
        let (_, widths, first) = try cache.database(for: rules)
        #expect(first == .compiled)
        let path = folder.path + "/" + key + ".hsdb"
        let read = try #require(DatabaseCache.read(path: path, key: key, ruleCount: 5))
        #expect(read.1 == widths)
        let original = try #require(FileManager.default.contents(atPath: path))
        for offset in [0, 20, original.count / 2, original.count - 1] {
            var damaged = original
            damaged[offset] ^= 0x40
            try damaged.write(to: URL(fileURLWithPath: path))
            #expect(DatabaseCache.read(path: path, key: key, ruleCount: 5) == nil, "byte \(offset) flipped")
        }
        try original.prefix(original.count - 7).write(to: URL(fileURLWithPath: path))
        #expect(DatabaseCache.read(path: path, key: key, ruleCount: 5) == nil)
        try original.write(to: URL(fileURLWithPath: path))
        #expect(try cache.database(for: rules).2 == .cache)
    }

    @Test func responseBodiesAreCapped() throws {
        let server = try LoopbackHTTPServer { _ in .init(status: 200, body: String(repeating: "a", count: 3 << 20)) }
        defer { server.stop() }
        let client = HTTPClient(timeout: 5)
        #expect(throws: HTTPFailure.self) { try client.send("GET", URL(string: server.baseURL + "/big")!) }
        let small = try LoopbackHTTPServer { _ in .init(status: 200, body: "ok") }
        defer { small.stop() }
        #expect(try client.send("GET", URL(string: small.baseURL + "/")!).body == Data("ok".utf8))
    }

    // MARK: What reaches a terminal or a spreadsheet

    @Test func escapeSequencesFromContentNeverReachTheTerminal() throws {
        let token = Fixtures.githubToken(seed: 12)
        let result = try Fixtures.scan("\u{1B}]0;pwned\u{07}\u{1B}[2J T=\(token) \r\u{1B}[1Afake\n", name: "x\u{1B}[31m.env")
        for color in [false, true] {
            let text = String(
                decoding: try TextReport().render(result, options: ReportOptions(color: color)), as: UTF8.self)
            #expect(text.contains("\\x1b]0;pwned"))
            #expect(!text.contains("\u{1B}]"))
            #expect(!text.contains("\u{1B}[2J"))
            #expect(!text.contains("\r"))
            #expect(!text.contains("\u{1B}[31m.env"))
            #expect(text.contains("\u{1B}[") == color)
        }
    }

    /// Bidirectional controls in a path (an archive entry's name, a file's) or a line would make
    /// the terminal show something other than what is there: they are shown as code points.
    @Test func bidirectionalControlsAreShownAsCodePoints() throws {
        let token = Fixtures.githubToken(seed: 13)
        let entry = Array("T=\(token)\n".utf8)
        let zip = ArchiveMaker.zip([.init(name: "cfg/\u{202E}vne.txt", data: entry)])
        let result = try Fixtures.scan(bytes: zip, name: "a\u{2066}b.zip")
        let text = String(decoding: try TextReport().render(result, options: ReportOptions()), as: UTF8.self)
        #expect(!text.unicodeScalars.contains { [0x202E, 0x2066].contains($0.value) })
        #expect(text.contains("a\\u{2066}b.zip!cfg/\\u{202e}vne.txt"))
        #expect(TerminalText.line("a\u{2028}b\u{FEFF}c\u{200B}d") == "a\\u{2028}b\\u{feff}c\\u{200b}d")
    }

    @Test func csvCellsThatASpreadsheetWouldRunAreDisarmed() {
        #expect(CSVReport.cell("\t=cmd|' /C calc'!A0") == "'\t=cmd|' /C calc'!A0")
        #expect(CSVReport.cell("\r=1+1").hasPrefix("\"'\r=1+1"))
        #expect(CSVReport.cell("  =1+1") == "'  =1+1")
        #expect(CSVReport.cell("-2") == "'-2")
        #expect(CSVReport.cell("plain") == "plain")
    }
}

/// The HTTP client's TLS: a server whose certificate does not chain to the trust store, or does
/// not name the host, is refused before anything is sent (a self-signed server on loopback).
@Suite(.serialized) struct TLSVerificationTests {
    @Test func aSelfSignedServerIsRefusedBeforeAnythingIsSent() throws {
        let directory = try TemporaryDirectory()
        try runTool(
            "openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1", "-keyout", "key.pem",
             "-out", "cert.pem"], in: directory.path)
        let port = Int.random(in: 20_000..<60_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", "cert.pem", "-key", "key.pem", "-www", "-quiet",
        ]
        server.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        server.standardInput = FileHandle.nullDevice
        try server.run()
        defer {
            // s_server does not stop on SIGTERM.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let client = HTTPClient(timeout: 5)
        var outcome: Error?
        for _ in 0..<50 {
            do {
                _ = try client.send("GET", URL(string: "https://127.0.0.1:\(port)/")!)
                outcome = nil
                break
            } catch {
                outcome = error
                if String(describing: error).contains("cannot connect") {
                    Thread.sleep(forTimeInterval: 0.1)
                    continue
                }
                break
            }
        }
        let message = String(describing: try #require(outcome))
        #expect(message.contains("TLS: the certificate of 127.0.0.1 is not trusted"), "\(message)")
    }
}
