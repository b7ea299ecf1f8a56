import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// Ten thousand mutated inputs, made from a fixed seed, through every parser that reads content
/// an attacker writes (the same entry point the libFuzzer harness drives: `ParserProbe`). A trap,
/// a crash or a hang fails the suite; `bash .ci/fuzz` explores further with coverage guidance.
@Suite struct ParserCorpusTests {
    static let inputs = 10_000

    /// Well-formed starting points for each parser (fake values only).
    static func seeds(_ probe: ParserProbe) throws -> [[UInt8]] {
        func b64u(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        switch probe {
        case .jwt:
            let header = b64u(#"{"alg":"HS256","typ":"JWT","kid":"k1"}"#)
            let claims = b64u(#"{"iss":"https://idp.example.invalid","aud":"api","exp":1900000000,"iat":1800000000}"#)
            return [
                Array("\(header).\(claims).c2lnbmF0dXJlLWZha2UtMzItYnl0ZXMtbG9uZy14eHg".utf8),
                Array("\(b64u(#"{"alg":"none"}"#)).\(claims).".utf8),
                Array("\(b64u(#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#)).a.b.c.d".utf8),
                Array(#"{"alg":"ES256"}.{"exp":1e308,"nbf":"nan"}.sig"#.utf8),
            ]
        case .pem:
            let key = try #require(
                FileManager.default.contents(atPath: Fixtures.packageRoot + "/Samples/keys/deploy_key.pem"))
            let body = String(decoding: key, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("-----") }
            let der = try #require(Data(base64Encoded: body.joined()))
            return [[UInt8](key), [1] + [UInt8](der), [0, 0x30, 0x82, 0x01, 0x00, 0x30, 0x4E, 0x06, 0x09]]
        case .openssh:
            var blob = Array("openssh-key-v1\u{0}".utf8)
            func string(_ bytes: [UInt8]) {
                let count = UInt32(bytes.count)
                blob += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
                blob += bytes
            }
            string(Array("aes256-ctr".utf8))
            string(Array("bcrypt".utf8))
            string(Array(repeating: 7, count: 16) + [0, 0, 0, 16])
            blob += [0, 0, 0, 1]
            string(Array("ssh-ed25519".utf8))
            string(Array(repeating: 9, count: 64))
            return [blob]
        case .ppk:
            return [
                Array(
                    """
                    PuTTY-User-Key-File-3: ssh-ed25519
                    Encryption: aes256-cbc
                    Comment: fake-key
                    Public-Lines: 2
                    AAAAC3NzaC1lZDI1NTE5AAAAIHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4
                    eHh4
                    Key-Derivation: Argon2id
                    Argon2-Memory: 8
                    Argon2-Passes: 1
                    Argon2-Parallelism: 1
                    Argon2-Salt: 0011223344556677
                    Private-Lines: 1
                    AAAAIHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4
                    Private-MAC: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff

                    """.utf8)
            ]
        case .config:
            let sample = try #require(
                FileManager.default.contents(atPath: Fixtures.packageRoot + "/Samples/.linger.yml"))
            return [
                [UInt8](sample),
                Array("sla: {days: 3, rules: {x: 1}}\nallow: [{rules: [a], paths: ['**/*.md']}]\n".utf8),
                Array("a: &a [x, x]\nb: &b [*a, *a]\nallow: *b\n".utf8),
            ]
        case .ignore:
            return [
                Array(
                    "# reasons\n0123456789abcdef0123456789abcdef  # rotated\npath: vendor/**\npath: **/*.snap until 2030-01-01\n"
                        .utf8)
            ]
        case .rules:
            let rules = try #require(FileManager.default.contents(atPath: Fixtures.packageRoot + "/Rules/github.yml"))
            return [[UInt8](rules)]
        }
    }

    /// Values that have broken parsers before: numbers no integer holds, NULs, aliases, stars.
    static let interesting: [[UInt8]] = [
        "1e400", "-1e308", "nan", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "\u{0}",
        "\u{1B}[2J", "&a [*a, *a, *a]", String(repeating: "*", count: 64), "../../", "%n%s", "\u{FEFF}", "\"", "'",
        "{{", "}}", "\\u0000", "\r\n", "0x7fffffff", "\u{FF}\u{FE}", "? [a]\n: b\n", "!!omap ", "!!set ",
    ].map { Array($0.utf8) }

    static func mutate(_ seed: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
            switch random.next() % 6 {
            case 0 where !bytes.isEmpty:
                let index = min(position, bytes.count - 1)
                bytes[index] ^= UInt8(1 << (random.next() % 8))
            case 1:
                bytes.insert(contentsOf: interesting[Int(random.next() % UInt64(interesting.count))], at: position)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int(random.next() % 32))
                bytes.removeSubrange(min(position, end)..<end)
            case 3:
                bytes = Array(bytes.prefix(position))
            case 4 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int(random.next() % 64))
                bytes.insert(contentsOf: bytes[min(position, end)..<end], at: min(position, end))
            default:
                bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            }
        }
        return bytes
    }

    @Test func tenThousandMutatedInputsNeverCrashOrHang() throws {
        var random = SeededGenerator(seed: 20_261_202)
        let probes = ParserProbe.allCases
        let seeds = try Dictionary(uniqueKeysWithValues: probes.map { ($0, try Self.seeds($0)) })
        var slowest = (seconds: 0.0, probe: ParserProbe.jwt)
        var total = [ParserProbe: Double]()
        for index in 0..<Self.inputs {
            let probe = probes[index % probes.count]
            let pool = seeds[probe] ?? []
            let input = Self.mutate(pool[Int(random.next() % UInt64(pool.count))], &random)
            let started = Date()
            probe.exercise(input)
            let seconds = Date().timeIntervalSince(started)
            if seconds > slowest.seconds { slowest = (seconds, probe) }
            total[probe, default: 0] += seconds
        }
        let times = total.map { "\($0.key.rawValue) \(String(format: "%.1f", $0.value)) s" }.sorted()
        // Not a benchmark: a hang would show here as minutes.
        #expect(slowest.seconds < 20, "slowest input: \(slowest.probe) took \(slowest.seconds) s; by parser: \(times)")
    }
}
