import Foundation

/// What an application accepts from a JWT: read from `.linger.yml` (README documents the format).
public struct JWTPolicy: Sendable {
    /// One application: the paths its tokens live under, and whom and what it trusts.
    public struct Application: Sendable {
        public var name: String
        /// Globs over scanned paths (`services/billing/**`, `*.env`).
        public var paths: [String]
        public var issuers: [String]?
        public var audiences: [String]?
        public var algorithms: [String]?
        public var maxLifetime: TimeInterval?
        public var keys: [TrustedKeySource]

        public init(
            name: String, paths: [String], issuers: [String]? = nil, audiences: [String]? = nil,
            algorithms: [String]? = nil, maxLifetime: TimeInterval? = nil, keys: [TrustedKeySource] = []
        ) {
            self.name = name
            self.paths = paths
            self.issuers = issuers
            self.audiences = audiences
            self.algorithms = algorithms
            self.maxLifetime = maxLifetime
            self.keys = keys
        }
    }

    /// Tokens living longer than this (exp − iat) fail `lifetime-too-long`.
    public var maxLifetime: TimeInterval = 24 * 3600
    public var applications: [Application] = []
    /// Keys trusted for tokens outside every application.
    public var keys: [TrustedKeySource] = []

    public init(maxLifetime: TimeInterval = 24 * 3600, applications: [Application] = [], keys: [TrustedKeySource] = [])
    {
        self.maxLifetime = maxLifetime
        self.applications = applications
        self.keys = keys
    }

    /// Where the file that set this policy lies, relative to the paths reports use (a
    /// `.linger.yml` in `svc/` of a repository: "svc"); its globs are relative to it.
    public var pathBase = ""

    /// The first application whose globs match `path` (a report path; outside `pathBase`, none).
    public func application(for path: String) -> Application? {
        guard let local = PathName.relative(path, under: pathBase) else { return nil }
        return applications.first { app in app.paths.contains { Glob.matches($0, local) } }
    }
}

/// Where a trusted key comes from.
public enum TrustedKeySource: Sendable, Equatable {
    /// A JWKS document (`{"keys": [...]}`) or a single JWK.
    case jwks(path: String)
    /// A PEM public key or X.509 certificate.
    case pem(path: String)
    /// An HMAC secret, read from this environment variable (never from a file in the repository).
    case hmacEnvironment(variable: String)
}
