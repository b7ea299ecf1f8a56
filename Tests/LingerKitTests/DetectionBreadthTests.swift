import Foundation
import Testing

@testable import LingerKit

/// What real repositories hold (the detection-breadth issue): one test per kind of miss or noise,
/// each case a line as it appears in real code or configuration, with fake values.
@Suite struct DetectionBreadthTests {
    func secrets(_ text: String, name: String) throws -> [String] {
        try Fixtures.scan(text, name: name).findings.map(\.secret)
    }

    /// (file name, line, the secret it must yield)
    static let syntaxes: [(String, String, String)] = [
        ("wp-config.php", "define( 'SECURE_AUTH_KEY', 'q^3=yLm|Tz8@Hv!sR0f[Kp-2Xc&Nw7' );", "q^3=yLm|Tz8@Hv!sR0f[Kp-2Xc&Nw7"),
        ("client.js", "const smtpPass = `Kq7#vR2m!xT9`;", "Kq7#vR2m!xT9"),
        ("config.go", "const dbPassword string = \"Zr8$kLm2Qw9p\"", "Zr8$kLm2Qw9p"),
        ("settings.php", "$config['db_pass'] = 'Zr8$kLm2Qw9p';", "Zr8$kLm2Qw9p"),
        ("Dockerfile", "ENV DB_PASSWORD Kq7#vR2m!xT9", "Kq7#vR2m!xT9"),
        ("site.conf", "    set $upstream_token \"9Yk2mQ7xWv4Lp8Rt3Zn6\";", "9Yk2mQ7xWv4Lp8Rt3Zn6"),
        ("start.sh", "psql \"postgres://app:${DB_PASSWORD:-Kq7vR2mxT9}@db/app\"", "Kq7vR2mxT9"),
        ("backup.sh", "mysqldump --user=backup --password=Kq7#vR2m!xT9 prod > dump.sql", "Kq7#vR2m!xT9"),
        ("deploy.sh", "docker login -u ci-bot -p Rk8mW2vLq9zT registry.linger.invalid", "Rk8mW2vLq9zT"),
        ("variables.tf", "variable \"db_password\" {\n  default = \"Kq7#vR2m!xT9\"\n}\n", "Kq7#vR2m!xT9"),
        ("web.xml", "<password>d=USO6DzwNdd#FZk</password>", "d=USO6DzwNdd#FZk"),
        ("ftp.py", "ftp.login(\"deploy\", \"Rk8#mW2vLq9z\")", "Rk8#mW2vLq9z"),
        ("client.h", "#define API_KEY \"PnIvrOM8OPAsc03eWAyL2E1fCJSkeiHF\"", "PnIvrOM8OPAsc03eWAyL2E1fCJSkeiHF"),
    ]

    @Test(arguments: syntaxes) func assignmentSyntaxesAreRead(_ item: (String, String, String)) throws {
        #expect(try secrets(item.1, name: item.0).contains(item.2), "\(item.0): \(item.1)")
    }

    static let keyNames: [(String, String)] = [
        ("MYSQL_PASS=7HygGTa-M~?g~hA9", "7HygGTa-M~?g~hA9"),
        ("JWT_SIGNING_KEY=Xc9vB2nM7qL4wE8rT1yU6iO3", "Xc9vB2nM7qL4wE8rT1yU6iO3"),
        ("  \"encryptionKey\": \"q8Wz3Lm5Nx2Rv7Tk9Pb4Jc6H\",", "q8Wz3Lm5Nx2Rv7Tk9Pb4Jc6H"),
        ("license_key = \"Lk7Qm2xW9vR4tZ8pN3bY\"", "Lk7Qm2xW9vR4tZ8pN3bY"),
        ("private_key = \"b3Blbi1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\"", "b3Blbi1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"),
        ("PASSWORD_SALT=\"Rk8mW2vLq9zTx4Hn7Bc3\"", "Rk8mW2vLq9zTx4Hn7Bc3"),
        ("  auth: 'c8F2kL9mQ4xT7vB1nR6wY3'", "c8F2kL9mQ4xT7vB1nR6wY3"),
    ]

    @Test(arguments: keyNames) func keyNamesAreRead(_ item: (String, String)) throws {
        #expect(try secrets(item.0, name: "settings.env").contains(item.1), "\(item.0)")
    }

    /// Short, plain passwords count where a configuration file says password; in code they do not.
    @Test func shortPasswordsCountInConfigurationFiles() throws {
        #expect(try secrets("DB_PASSWORD=hunter22\n", name: "deploy/.env") == ["hunter22"])
        #expect(try secrets("[client]\npassword=rep0rt!\n", name: "my.cnf") == ["rep0rt!"])
        #expect(try secrets("machine git.linger.invalid login deploy password hunter22\n", name: ".netrc") == ["hunter22"])
        #expect(try secrets("DB_PASSWORD=changeme\n", name: ".env").isEmpty)
        #expect(try secrets("db_password = 'hunter22'\n", name: "app.py").isEmpty)
    }

    /// Values the filters used to drop although they are real.
    static let realValues: [(String, String)] = [
        ("password = \"correct_horse_battery_staple\"", "correct_horse_battery_staple"),
        ("VAULT_TOKEN=s.Xk29fQm7pLz4Wq8RtY6nBv3C", "s.Xk29fQm7pLz4Wq8RtY6nBv3C"),
        ("  password: process.env.DB_PASSWORD || \"Kq7#vR2m!xT9\",", "Kq7#vR2m!xT9"),
        ("DATABASE_URL=postgres://admin:admin@db.billing.linger-prod.net:5432/app", "admin"),
        ("<add key=\"DB_PASSWORD\" value=\"CwmAvjgvi%YFLJwvfucR\" />", "CwmAvjgvi%YFLJwvfucR"),
    ]

    @Test(arguments: realValues) func realValuesAreKept(_ item: (String, String)) throws {
        #expect(try secrets(item.0, name: "app.cfg.txt").contains(item.1), "\(item.0)")
    }

    static let noise: [(String, String)] = [
        ("lex.cpp", "password = !m_password_produced_flag;"),
        ("lex.cpp", "token = !m_token_produced_already;"),
        ("rules.py", #"password_re = "(?i)password\s*=\s*([^\s]+)""#),
        ("View.swift", #"let password = "a\(count)bcdefgh""#),
        ("url.c", "conn->passwd = Curl_tcsdup(passwd_value);"),
        ("test1234", "curl http://foo:%HTTPPORT@127.0.0.1/%TESTNUMBER"),
        ("fixtures.py", "api_key = \"AbCdEfGhIjKlMnOpQrSt\""),
        ("fixtures.py", "secret = \"1234567890abcdef1234567890abcdef\""),
        ("App.csproj", "<UserSecretsId>aspnet-App-3f2504e0-4f89-11d3-9a0c-0305e82c3301</UserSecretsId>"),
        ("rfc7617.txt", "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ("logins.json", "\"timePasswordChanged\": 1437418416981,"),
        ("main.go", "\tapiToken: \"prefix\" +secrets.NewSecret(ctx),"),
        // Seen in curl's tree once the new rules ran (a directory scan of its HEAD):
        ("test1970", "Authorization: AWS4-HMAC-SHA256 Credential=xxx/19700101/us-east-1/s3/aws4_request, SignedHeaders=host"),
        ("test837", "'imap://user;AUTH=EXTERNAL@%HOSTIP:%IMAPPORT/%TESTNUMBER/;MAILINDEX=1'"),
        ("ws.c", "      pass_ctx.cw_type = CLIENTWRITE_BODY;"),
        ("CURLOPT_SOCKS5_AUTH.md", "curl_easy_setopt(curl, CURLOPT_PROXY, \"socks5://user:password@myproxy.com\");"),
    ]

    @Test(arguments: noise) func noiseFromRealHistoriesIsNotReported(_ item: (String, String)) throws {
        #expect(try secrets(item.1, name: item.0).isEmpty, "\(item.0): \(item.1)")
    }

    /// Where a value ends: an escaped newline, an `@` in a URL password, a query string's `&`.
    static let boundaries: [(String, String)] = [
        (#""password": "Kq7vR2mxT9Lw\n","#, "Kq7vR2mxT9Lw"),
        ("git_url = https://deploy:Xk2@9fQm#pLz@git.linger.invalid/repo.git", "Xk2@9fQm#pLz"),
        ("url = \"https://api.linger.invalid/v1/items?api_key=Qm3xT8vL2pK9rW4nZ7yB&format=json\"", "Qm3xT8vL2pK9rW4nZ7yB"),
        ("ENV SMTP_PASSWORD=7VuMTd9&8KaYiKE", "7VuMTd9&8KaYiKE"),
    ]

    @Test(arguments: boundaries) func valuesEndWhereTheyEnd(_ item: (String, String)) throws {
        #expect(try secrets(item.0, name: "app.txt") == [item.1], "\(item.0)")
    }

    /// A Kubernetes Secret's `data:` values are secrets whatever their keys are called; the same
    /// value in a ConfigMap alone is not reported, nor is a certificate.
    @Test func kubernetesSecretDataIsDecodedWhateverItsKey() throws {
        let value = Data("Vq3xL9pT2wzQ7kRm".utf8).base64EncodedString()
        let certificate = Data("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0Z9\n-----END CERTIFICATE-----\n".utf8)
            .base64EncodedString()
        let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: billing\ndata:\n  api: \(value)\n  tls.crt: \(certificate)\n"
        #expect(try secrets(secret, name: "deploy/billing-secret.yaml") == ["Vq3xL9pT2wzQ7kRm"])
        let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: billing\ndata:\n  api: \(value)\n"
        #expect(try secrets(configMap, name: "deploy/billing-config.yaml").isEmpty)
    }

    /// Fly.io tokens: `FlyV1` then one or more comma-separated macaroon parts.
    @Test func flyTokensAreFound() throws {
        var generator = SystemRandomNumberGenerator()
        func part(_ count: Int) -> String {
            "fm2_" + Data([0x94, 0x93, 0xC4] + (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
                .base64EncodedString()
        }
        let token = part(96) + "," + part(64)
        #expect(try secrets("FLY_API_TOKEN=\"FlyV1 \(token)\"", name: ".env") == [token])
        #expect(try secrets("FLY_API_TOKEN=\"FlyV1 fm2_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"", name: ".env").isEmpty)
    }
}
