import Foundation
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
}
