import Foundation
import Testing

@testable import LingerKit

@Suite(.serialized) struct KeyLinkingTests {
    let now = Date()

    func openssl(_ arguments: [String], in directory: String) throws {
        try runTool("openssl", arguments, in: directory)
    }

    func scan(_ root: String, at time: Date, policy: KeyRevocationPolicy = KeyRevocationPolicy()) throws -> ScanResult {
        var options = ScanOptions()
        options.now = time
        options.keyRevocations = policy
        return try SecretScanner(rules: Fixtures.builtInRules, options: options).scan(
            directory: DirectoryInput(root: root))
    }

    @Test func aKeyIsLinkedToItsCertificatesInOtherFilesAndJudgedByThem() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.path
        try FileManager.default.createDirectory(atPath: dir + "/secrets", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/pki", withIntermediateDirectories: true)
        try openssl(
            ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "secrets/server.key"], in: dir)
        try openssl(
            [
                "req", "-new", "-x509", "-key", "secrets/server.key", "-subj", "/CN=api.linger.invalid/O=Linger Test",
                "-days", "2", "-out", "pki/server.crt",
            ], in: dir)
        try openssl(["x509", "-in", "pki/server.crt", "-outform", "DER", "-out", "pki/server.der"], in: dir)
        try openssl(["pkey", "-in", "secrets/server.key", "-pubout", "-out", "pki/server.pub.pem"], in: dir)
        // An unrelated certificate must not be linked.
        try openssl(
            [
                "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key.tmp", "-subj",
                "/CN=other", "-days", "2", "-out", "pki/other.crt",
            ], in: dir)
        try FileManager.default.removeItem(atPath: dir + "/other.key.tmp")

        let live = try scan(dir, at: now)
        let finding = try #require(live.findings.first { $0.path == "secrets/server.key" })
        let key = try #require(finding.key)
        #expect(key.linked.map(\.path) == ["pki/server.crt", "pki/server.der", "pki/server.pub.pem"])
        #expect(key.linked.first?.subject == "O=Linger Test,CN=api.linger.invalid")
        #expect(key.linked.first?.issuer == "O=Linger Test,CN=api.linger.invalid")
        #expect(key.linked.first?.notAfter != nil)
        // Standing certificates do not show that anything still accepts the key: unverified.
        #expect(finding.verdict == .unverified)
        #expect(finding.verdictEvidence?.hasPrefix("a readable private key with 2 certificates valid until") == true)

        // Three days on, both certificates (PEM and DER) have expired: the key is inactive.
        let later = try scan(dir, at: now.addingTimeInterval(3 * 86400))
        let expired = try #require(later.findings.first { $0.path == "secrets/server.key" })
        #expect(expired.verdict == .inactive)
        #expect(expired.verdictEvidence?.hasPrefix("certificate expired on ") == true)

        // Listed as revoked in the configuration.
        let revoked = try scan(dir, at: now, policy: KeyRevocationPolicy(revoked: [key.publicKeySHA256 ?? ""]))
        #expect(
            revoked.findings.first { $0.path == "secrets/server.key" }?.verdictEvidence
                == "revoked (listed in the configuration)")
    }

    @Test func aCertificateRevokedByACRLMakesItsKeyInactive() throws {
        let directory = try TemporaryDirectory()
        let dir = directory.path
        for folder in ["ca", "ca/newcerts", "leaf"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + folder, withIntermediateDirectories: true)
        }
        try Data().write(to: URL(fileURLWithPath: dir + "/ca/index.txt"))
        try Data("1000\n".utf8).write(to: URL(fileURLWithPath: dir + "/ca/serial"))
        try Data("1000\n".utf8).write(to: URL(fileURLWithPath: dir + "/ca/crlnumber"))
        let config = """
            [ ca ]
            default_ca = test_ca
            [ test_ca ]
            dir = \(dir)/ca
            database = $dir/index.txt
            new_certs_dir = $dir/newcerts
            serial = $dir/serial
            crlnumber = $dir/crlnumber
            certificate = $dir/ca.crt
            private_key = $dir/ca.key
            default_md = sha256
            default_days = 30
            default_crl_days = 30
            policy = anything
            [ anything ]
            commonName = supplied
            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: dir + "/ca.cnf"))
        try openssl(
            [
                "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca/ca.key", "-subj",
                "/CN=Linger Test CA", "-days", "30", "-out", "ca/ca.crt",
            ], in: dir)
        try openssl(
            ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "leaf/leaf.key"], in: dir)
        try openssl(
            ["req", "-new", "-key", "leaf/leaf.key", "-subj", "/CN=leaf.linger.invalid", "-out", "leaf.csr"], in: dir)
        try openssl(
            ["ca", "-batch", "-config", "ca.cnf", "-in", "leaf.csr", "-out", "leaf/leaf.crt", "-notext"], in: dir)
        try openssl(["ca", "-batch", "-config", "ca.cnf", "-revoke", "leaf/leaf.crt"], in: dir)
        try openssl(["ca", "-batch", "-config", "ca.cnf", "-gencrl", "-out", "ca/revoked.crl"], in: dir)
        for scratch in ["leaf.csr", "ca/ca.key", "ca.cnf"] {
            try? FileManager.default.removeItem(atPath: dir + "/" + scratch)
        }
        try? FileManager.default.removeItem(atPath: dir + "/ca/newcerts")

        let result = try scan(dir, at: now)
        let leaf = try #require(result.findings.first { $0.path == "leaf/leaf.key" })
        #expect(result.revocations.first?.serials == ["1000"])
        #expect(leaf.key?.linked.first?.revoked == true)
        #expect(leaf.verdict == .inactive)
        #expect(leaf.verdictEvidence == "revoked (certificate listed in ca/revoked.crl)")
        // The same CRL named in .linger.yml works when it is not in the scanned tree.
        let crlData = try Data(contentsOf: URL(fileURLWithPath: dir + "/ca/revoked.crl"))
        let crl = try #require(CertificateReader.readCRL(pem: [UInt8](crlData), path: "revoked.crl"))
        try FileManager.default.removeItem(atPath: dir + "/ca/revoked.crl")
        let configured = try scan(dir, at: now, policy: KeyRevocationPolicy(revocationLists: [crl]))
        #expect(configured.findings.first { $0.path == "leaf/leaf.key" }?.verdict == .inactive)
    }

    @Test func authorizedKeysLinesAreLinkedToOpenSSHKeys() throws {
        let directory = try TemporaryDirectory()
        try runTool(
            "ssh-keygen", ["-q", "-N", "", "-t", "ed25519", "-C", "deploy", "-f", directory.path + "/id_deploy"],
            in: directory.path)
        let publicLine = try String(contentsOfFile: directory.path + "/id_deploy.pub", encoding: .utf8)
        try directory.write("server/authorized_keys", "# deploy access\n" + publicLine)
        try FileManager.default.removeItem(atPath: directory.path + "/id_deploy.pub")
        let result = try scan(directory.path, at: now)
        let key = try #require(result.findings.first { $0.path == "id_deploy" }?.key)
        #expect(key.linked.map { "\($0.path):\($0.line) \($0.kind)" } == ["server/authorized_keys:2 authorized key"])
    }

    @Test func configurationNamesRevokedKeysAndCRLs() throws {
        let directory = try TemporaryDirectory()
        try directory.write(".linger.yml", "keys:\n  revoked: [\"SHA256:abc\", \"B690167E\"]\n  crls: [missing.crl]\n")
        #expect(
            throws: ConfigError.invalid(
                file: directory.path + "/.linger.yml", key: "keys.crls",
                problem: "missing.crl is not a readable CRL (PEM or DER)")
        ) {
            try LingerConfig.load(file: directory.path + "/.linger.yml")
        }
        try directory.write(".linger.yml", "keys:\n  revoked: [\"SHA256:abc\", \"B690167E\"]\n")
        let config = try LingerConfig.load(file: directory.path + "/.linger.yml")
        #expect(config.keys.revoked == ["SHA256:abc", "b690167e"])
    }
}
