import Foundation
import Yams

/// A problem in `.linger.yml`, naming the file and the key.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    case invalid(file: String, key: String, problem: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): cannot read the configuration: \(reason)"
        case .invalid(let file, let key, let problem): return "\(file): `\(key)`: \(problem)"
        }
    }
}

/// Who wrote a configuration file, which decides what it may set.
public enum ConfigTrust: Sendable, Equatable {
    /// Named by whoever runs Linger (`--config`, `LINGER_CONFIG`, the user's own file): may set
    /// everything, live-check hosts and keys from the environment included.
    case operatorFile
    /// Found in the scanned content (`.linger.yml`): whoever controls the content wrote it. It may
    /// set the JWT policy, allow lists, deadlines and key revocations, reading files only inside
    /// its own folder; never where secrets are sent, how long Linger waits, or what it reads from
    /// the environment. What it tries anyway is listed in `refused` and ignored.
    case repositoryFile
}

/// A `.linger.yml` (README documents the format): the JWT policy and key revocations.
public struct LingerConfig: Sendable {
    public var jwt = JWTPolicy()
    public var keys = KeyRevocationPolicy()
    /// How many days after notification a secret must be rotated by.
    public var sla = SLAPolicy()
    /// Findings not to report: by rule, path and secret.
    public var allow: [AllowEntry] = []
    /// Live checks: provider base URLs (enterprise hosts) and the timeout.
    public var verification = VerificationSettings()
    /// The folder the file is in: paths inside it are relative to it.
    public var baseDirectory: String
    /// The top-level sections the file set (`jwt`, `allow`, …), for layering one file over another.
    public var sections: Set<String> = []
    /// The folder of the file each section came from (`allow` from the repository's file, `jwt`
    /// from the user's): path globs in a section are relative to it.
    public var sectionDirectories: [String: String] = [:]
    /// Settings a repository file tried to set and may not, each with why: reported, then ignored.
    public var refused: [String] = []

    public init(jwt: JWTPolicy = JWTPolicy(), baseDirectory: String) {
        self.jwt = jwt
        self.baseDirectory = baseDirectory
    }

    public static let fileName = ".linger.yml"
    /// The longest a live check may wait for a provider, whatever a configuration asks.
    public static let maxTimeout: TimeInterval = 120
    /// The largest configuration file read (a real one is a few kilobytes).
    public static let maxFileSize = 1 << 20
    /// Operator-only sections and keys, as `refused` names them.
    static let operatorOnly =
        "only the operator's configuration (--config, LINGER_CONFIG, or ~/.config/linger/config.yml) may set it"

    public static func load(file: String, trust: ConfigTrust = .operatorFile) throws -> LingerConfig {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw ConfigError.unreadable(file: file, reason: "no such file, or not readable")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: maxFileSize + 1)) ?? Data()
        guard data.count <= maxFileSize else {
            throw ConfigError.unreadable(file: file, reason: "larger than \(maxFileSize / 1024) KiB; not a configuration")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: file, trust: trust)
    }

    /// The configuration a run uses. `operatorFile` (`--config`, else `$LINGER_CONFIG`) is the
    /// whole configuration when given. Otherwise the repository's `.linger.yml` (restricted: see
    /// `ConfigTrust.repositoryFile`) with the user's own file
    /// (`$XDG_CONFIG_HOME/linger/config.yml`, else `~/.config/linger/config.yml`) over it: each
    /// section the user's file sets replaces the repository's.
    public static func resolve(
        operatorFile: String?, repositoryFile: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> LingerConfig {
        if let named = operatorFile ?? environment["LINGER_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            return try load(file: named, trust: .operatorFile)
        }
        var config =
            try repositoryFile.map { try load(file: $0, trust: .repositoryFile) } ?? LingerConfig(baseDirectory: ".")
        if let user = userFile(environment: environment), FileManager.default.fileExists(atPath: user) {
            config.overlay(try load(file: user, trust: .operatorFile))
        }
        return config
    }

    /// The user's own configuration file, where it would be.
    public static func userFile(environment: [String: String]) -> String? {
        if let base = environment["XDG_CONFIG_HOME"], base.hasPrefix("/") { return base + "/linger/config.yml" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.config/linger/config.yml" }
        return nil
    }

    /// Takes every section `other` sets from `other`.
    mutating func overlay(_ other: LingerConfig) {
        if other.sections.contains("jwt") {
            jwt = other.jwt
            baseDirectory = other.baseDirectory
        }
        if other.sections.contains("keys") { keys = other.keys }
        if other.sections.contains("sla") { sla = other.sla }
        if other.sections.contains("allow") { allow = other.allow }
        if other.sections.contains("verification") { verification = other.verification }
        sections.formUnion(other.sections)
        for section in other.sections { sectionDirectories[section] = other.sectionDirectories[section] }
    }

    public static func parse(_ text: String, file: String, trust: ConfigTrust = .operatorFile) throws -> LingerConfig {
        let document: Any?
        do {
            document = try YAMLDocument.load(text)
        } catch let error as YAMLDocument.Refusal {
            throw ConfigError.unreadable(file: file, reason: error.description)
        } catch {
            throw ConfigError.unreadable(file: file, reason: "not valid YAML: \(error)")
        }
        var config = LingerConfig(baseDirectory: PathName.parent(file))
        guard let document else { return config }
        guard let top = document as? [String: Any] else {
            throw ConfigError.invalid(file: file, key: "(top)", problem: "expected a mapping")
        }
        try YAMLKeys.check(top, known: ["jwt", "keys", "sla", "allow", "verification"], file: file, at: nil)
        config.sections = Set(top.keys)
        for section in top.keys { config.sectionDirectories[section] = config.baseDirectory }
        /// A file path a repository file may name: relative, inside its own folder.
        func allowedPath(_ path: String, key: String) -> Bool {
            guard trust == .repositoryFile else { return true }
            let components = path.split(separator: "/")
            if path.hasPrefix("/") || components.contains("..") || path.hasPrefix("~") {
                config.refused.append(
                    "\(file): `\(key)`: \(path) ignored: a repository's file may name only files inside its own folder")
                return false
            }
            return true
        }
        if let value = top["verification"], trust == .repositoryFile {
            _ = value
            config.sections.remove("verification")
            config.refused.append(
                "\(file): `verification` ignored: it says where found secrets are sent; \(operatorOnly)")
        } else if let value = top["verification"] {
            guard let section = value as? [String: Any] else {
                throw ConfigError.invalid(file: file, key: "verification", problem: "expected a mapping")
            }
            try YAMLKeys.check(section, known: ["base_urls", "timeout"], file: file, at: "verification")
            if let urls = section["base_urls"] {
                guard let map = urls as? [String: Any] else {
                    throw ConfigError.invalid(file: file, key: "verification.base_urls", problem: "expected a mapping")
                }
                for (provider, value) in map {
                    let text = "\(value)"
                    guard let url = URL(string: text), (try? HTTPClient.check(url)) != nil else {
                        throw ConfigError.invalid(
                            file: file, key: "verification.base_urls.\(provider)",
                            problem: "must be an https:// URL (or http:// to 127.0.0.1)")
                    }
                    config.verification.baseURLs[provider] = text
                }
            }
            if let timeout = section["timeout"] {
                config.verification.timeout = min(
                    try duration(timeout, file: file, key: "verification.timeout"), maxTimeout)
            }
        }
        if let value = top["allow"] { config.allow = try AllowEntry.parse(value, file: file) }
        if let value = top["sla"] { config.sla = try SLAPolicy.parse(value, file: file) }
        if let value = top["keys"] {
            guard let section = value as? [String: Any] else {
                throw ConfigError.invalid(file: file, key: "keys", problem: "expected a mapping")
            }
            try YAMLKeys.check(section, known: ["revoked", "crls"], file: file, at: "keys")
            config.keys.revoked = Set(
                (try strings(section["revoked"], file: file, key: "keys.revoked") ?? []).map {
                    $0.hasPrefix("SHA256:") ? $0 : $0.lowercased()
                })
            for path in try strings(section["crls"], file: file, key: "keys.crls") ?? []
            where allowedPath(path, key: "keys.crls") {
                let full = path.hasPrefix("/") ? path : (config.baseDirectory as NSString).appendingPathComponent(path)
                guard let data = FileManager.default.contents(atPath: full),
                    let list = CertificateReader.readCRL(pem: [UInt8](data), path: path)
                else {
                    throw ConfigError.invalid(
                        file: file, key: "keys.crls", problem: "\(path) is not a readable CRL (PEM or DER)")
                }
                config.keys.revocationLists.append(list)
            }
        }
        guard let jwt = top["jwt"] else { return config }
        guard let section = jwt as? [String: Any] else {
            throw ConfigError.invalid(file: file, key: "jwt", problem: "expected a mapping")
        }
        try YAMLKeys.check(section, known: ["max_lifetime", "keys", "applications"], file: file, at: "jwt")
        if let value = section["max_lifetime"] {
            config.jwt.maxLifetime = try duration(value, file: file, key: "jwt.max_lifetime")
        }
        /// Key sources a repository file may not name are refused: files outside its folder, and
        /// the environment (a repository could otherwise test guesses against a CI secret).
        func permitted(_ sources: [TrustedKeySource], key: String) -> [TrustedKeySource] {
            sources.filter { source in
                switch source {
                case .hmacEnvironment(let variable):
                    guard trust == .repositoryFile else { return true }
                    config.refused.append("\(file): `\(key)`: hmac_env \(variable) ignored: \(operatorOnly)")
                    return false
                case .jwks(let path), .pem(let path):
                    return allowedPath(path, key: key)
                }
            }
        }
        config.jwt.keys = permitted(try keys(section["keys"], file: file, key: "jwt.keys"), key: "jwt.keys")
        if let list = section["applications"] {
            guard let applications = list as? [Any] else {
                throw ConfigError.invalid(file: file, key: "jwt.applications", problem: "expected a list")
            }
            for (index, item) in applications.enumerated() {
                let here = "jwt.applications[\(index)]"
                guard let fields = item as? [String: Any] else {
                    throw ConfigError.invalid(file: file, key: here, problem: "expected a mapping")
                }
                try YAMLKeys.check(
                    fields, known: ["algorithms", "audiences", "issuers", "keys", "max_lifetime", "name", "paths"],
                    file: file, at: here)
                guard let name = fields["name"] as? String, !name.isEmpty else {
                    throw ConfigError.invalid(file: file, key: "\(here).name", problem: "each application needs a name")
                }
                let paths = try strings(fields["paths"], file: file, key: "\(here).paths") ?? []
                if paths.isEmpty {
                    throw ConfigError.invalid(file: file, key: "\(here).paths", problem: "name at least one path glob")
                }
                let algorithms = try strings(fields["algorithms"], file: file, key: "\(here).algorithms")
                if let bad = algorithms?.first(where: { JWTAlgorithm(rawValue: $0) == nil && $0 != "none" }) {
                    throw ConfigError.invalid(
                        file: file, key: "\(here).algorithms", problem: "unknown algorithm \(bad)")
                }
                config.jwt.applications.append(
                    JWTPolicy.Application(
                        name: name, paths: paths,
                        issuers: try strings(fields["issuers"], file: file, key: "\(here).issuers"),
                        audiences: try strings(fields["audiences"], file: file, key: "\(here).audiences"),
                        algorithms: algorithms,
                        maxLifetime: try fields["max_lifetime"].map {
                            try duration($0, file: file, key: "\(here).max_lifetime")
                        },
                        keys: permitted(try keys(fields["keys"], file: file, key: "\(here).keys"), key: "\(here).keys")))
            }
        }
        return config
    }

    static func strings(_ value: Any?, file: String, key: String) throws -> [String]? {
        guard let value else { return nil }
        if let single = value as? String { return [single] }
        guard let list = value as? [Any], list.allSatisfy({ $0 is String }) else {
            throw ConfigError.invalid(file: file, key: key, problem: "expected a list of strings")
        }
        return list.compactMap { $0 as? String }
    }

    static func keys(_ value: Any?, file: String, key: String) throws -> [TrustedKeySource] {
        guard let value else { return [] }
        guard let list = value as? [Any] else {
            throw ConfigError.invalid(file: file, key: key, problem: "expected a list")
        }
        return try list.enumerated().map { index, item in
            guard let entry = item as? [String: Any], entry.count == 1, let (kind, raw) = entry.first,
                let text = raw as? String
            else {
                throw ConfigError.invalid(
                    file: file, key: "\(key)[\(index)]",
                    problem: "expected one of `jwks: FILE`, `pem: FILE`, `hmac_env: VARIABLE`")
            }
            switch kind {
            case "jwks": return .jwks(path: text)
            case "pem": return .pem(path: text)
            case "hmac_env": return .hmacEnvironment(variable: text)
            default:
                throw ConfigError.invalid(
                    file: file, key: "\(key)[\(index)].\(kind)",
                    problem: "unknown key source (known: jwks, pem, hmac_env)")
            }
        }
    }

    /// `90`, `90s`, `15m`, `24h`, `7d`.
    static func duration(_ value: Any, file: String, key: String) throws -> TimeInterval {
        let text = String(describing: value).trimmingCharacters(in: .whitespaces).lowercased()
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last, let scale = units[unit], let number = Double(text.dropLast()), number > 0,
            (number * scale).isFinite
        {
            return number * scale
        }
        if let number = Double(text), number > 0, number.isFinite { return number }
        throw ConfigError.invalid(
            file: file, key: key, problem: "expected a duration such as 90s, 15m, 24h or 7d, not \"\(text)\"")
    }
}

/// Rotation deadlines: days from notification to rotation, by default, by confidence and by rule.
/// `.linger.yml`:
///
///     sla:
///       days: 5
///       confidence: { high: 2 }
///       rules: { aws-access-key-pair: 1 }
public struct SLAPolicy: Sendable, Equatable {
    public var days: Int?
    public var byConfidence: [Confidence: Int] = [:]
    public var byRule: [String: Int] = [:]

    public init(days: Int? = nil, byConfidence: [Confidence: Int] = [:], byRule: [String: Int] = [:]) {
        self.days = days
        self.byConfidence = byConfidence
        self.byRule = byRule
    }

    public static let defaultDays = 5

    /// The deadline for a secret: its rule's, else its confidence's, else `base` (`--sla`), else the
    /// file's `days`, else 5.
    public func days(rule: String, confidence: Confidence, base: Int?) -> Int {
        byRule[rule] ?? byConfidence[confidence] ?? base ?? days ?? Self.defaultDays
    }

    /// The deadline for a ledger secret.
    public func days(for secret: LedgerSecret, base: Int?) -> Int {
        days(rule: secret.ruleID, confidence: secret.confidence, base: base)
    }

    static func parse(_ value: Any, file: String) throws -> SLAPolicy {
        guard let section = value as? [String: Any] else {
            throw ConfigError.invalid(file: file, key: "sla", problem: "expected a mapping")
        }
        func dayCount(_ value: Any?, key: String) throws -> Int {
            guard let number = value as? Int ?? (value as? String).flatMap({ Int($0) }), number >= 0 else {
                throw ConfigError.invalid(file: file, key: key, problem: "expected a whole number of days")
            }
            return number
        }
        var policy = SLAPolicy()
        try YAMLKeys.check(section, known: ["days", "confidence", "rules"], file: file, at: "sla")
        if let days = section["days"] { policy.days = try dayCount(days, key: "sla.days") }
        if let value = section["confidence"] {
            guard let map = value as? [String: Any] else {
                throw ConfigError.invalid(file: file, key: "sla.confidence", problem: "expected a mapping")
            }
            for (name, days) in map {
                guard let confidence = Confidence(rawValue: name) else {
                    throw ConfigError.invalid(
                        file: file, key: "sla.confidence.\(name)", problem: "not a confidence (low, medium, high)")
                }
                policy.byConfidence[confidence] = try dayCount(days, key: "sla.confidence.\(name)")
            }
        }
        if let value = section["rules"] {
            guard let map = value as? [String: Any] else {
                throw ConfigError.invalid(file: file, key: "sla.rules", problem: "expected a mapping")
            }
            for (rule, days) in map { policy.byRule[rule] = try dayCount(days, key: "sla.rules.\(rule)") }
        }
        return policy
    }
}

extension ScanOptions {
    /// Options with the analysers set up from a configuration: the JWT policy and trusted keys, key
    /// revocations, the time checks run at, and the repository's name (a passphrase candidate).
    public static func analysing(with config: LingerConfig, now: Date, repositoryName: String?) throws -> ScanOptions {
        var options = ScanOptions()
        let keys = try TrustedKeys.load(policy: config.jwt, baseDirectory: config.baseDirectory)
        options.jwtAnalyzer = JWTAnalyzer(policy: config.jwt, now: now, keys: keys)
        options.keyRevocations = config.keys
        options.now = now
        options.keyAnalyzer = KeyAnalyzer(repositoryName: repositoryName)
        return options
    }
}

extension LingerConfig {
    /// Rule names in allow lists and SLAs resolved to rule ids: another scanner's id (an alias,
    /// `aws-access-token` or `gitleaks:aws-access-token`) names every rule that carries it.
    public mutating func resolveRuleAliases(_ rules: RuleSet) {
        for index in allow.indices where !allow[index].rules.isEmpty {
            allow[index].rules = allow[index].rules.flatMap { rules.ruleIDs(named: $0) }
        }
        var byRule: [String: Int] = [:]
        for (name, days) in sla.byRule {
            for id in rules.ruleIDs(named: name) where byRule[id] == nil || id == name { byRule[id] = days }
        }
        sla.byRule = byRule
    }
}
