import Foundation

/// The keys a user trusts to sign JWTs, loaded from the sources a policy names.
public struct TrustedKeys: Sendable {
    /// Keys for one scope (an application, or everything else).
    public struct KeySet: Sendable {
        public var publicKeys: [(name: String, key: PublicKey)] = []
        /// HMAC secrets, by the environment variable they came from. Held in memory only.
        public var hmacSecrets: [(name: String, secret: [UInt8])] = []

        public init() {}

        var isEmpty: Bool { publicKeys.isEmpty && hmacSecrets.isEmpty }

        enum Verification: Equatable {
            case valid(by: String)
            case invalid(tried: String)
            case noKey
        }

        func verify(scheme: JWTAlgorithm, signingInput: [UInt8], signature: [UInt8], keyID: String?) -> Verification {
            if let digest = scheme.hmacDigest {
                guard !hmacSecrets.isEmpty else { return .noKey }
                for (name, secret) in hmacSecrets
                where Digest.constantTimeEqual(Digest.hmac(digest, key: secret, message: signingInput), signature) {
                    return .valid(by: "the HMAC secret in $\(name)")
                }
                return .invalid(tried: hmacSecrets.map { "$\($0.name)" }.joined(separator: ", "))
            }
            var candidates = publicKeys.filter { $0.key.fits(scheme) }
            // A kid narrows the candidates when keys carry kids; a kid no key has is still tried against all.
            if let keyID, candidates.contains(where: { $0.key.keyID == keyID }) {
                candidates = candidates.filter { $0.key.keyID == keyID }
            }
            guard !candidates.isEmpty else { return .noKey }
            for (name, key) in candidates where key.verify(scheme, message: signingInput, signature: signature) {
                return .valid(by: name)
            }
            return .invalid(tried: candidates.map(\.name).joined(separator: ", "))
        }
    }

    public var global = KeySet()
    public var applications: [String: KeySet] = [:]

    public init() {}

    /// The keys for tokens of `application` (its own when it names some, else the global ones).
    func keys(for application: JWTPolicy.Application?) -> KeySet {
        if let application, let own = applications[application.name], !own.isEmpty { return own }
        return global
    }

    /// Loads every key `policy` names; paths are relative to `baseDirectory`.
    public static func load(
        policy: JWTPolicy, baseDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> TrustedKeys {
        var trusted = TrustedKeys()
        trusted.global = try loadSet(policy.keys, baseDirectory: baseDirectory, environment: environment)
        for application in policy.applications {
            trusted.applications[application.name] = try loadSet(
                application.keys, baseDirectory: baseDirectory, environment: environment)
        }
        return trusted
    }

    static func loadSet(_ sources: [TrustedKeySource], baseDirectory: String, environment: [String: String]) throws
        -> KeySet
    {
        var set = KeySet()
        for source in sources {
            switch source {
            case .hmacEnvironment(let variable):
                guard let value = environment[variable], !value.isEmpty else {
                    throw KeyError.unreadable("$\(variable)", "the environment variable is not set")
                }
                set.hmacSecrets.append((variable, Array(value.utf8)))
            case .pem(let path):
                let full = path.hasPrefix("/") ? path : (baseDirectory as NSString).appendingPathComponent(path)
                guard let data = FileManager.default.contents(atPath: full) else {
                    throw KeyError.unreadable(path, "no such file")
                }
                for (index, key) in try PublicKey.fromPEM([UInt8](data), source: path).enumerated() {
                    set.publicKeys.append((index == 0 ? path : "\(path) #\(index + 1)", key))
                }
            case .jwks(let path):
                let full = path.hasPrefix("/") ? path : (baseDirectory as NSString).appendingPathComponent(path)
                guard let data = FileManager.default.contents(atPath: full) else {
                    throw KeyError.unreadable(path, "no such file")
                }
                guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw KeyError.invalid(path, "not a JSON object")
                }
                let jwks = (object["keys"] as? [[String: Any]]) ?? [object]
                for jwk in jwks {
                    let key = try PublicKey.fromJWK(jwk, source: path)
                    set.publicKeys.append(("\(path)\(key.keyID.map { " (kid \($0))" } ?? "")", key))
                }
            }
        }
        return set
    }
}
