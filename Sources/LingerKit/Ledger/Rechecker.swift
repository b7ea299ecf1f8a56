import Foundation

/// What a recheck found for one secret.
public struct RecheckOutcome: Sendable, Equatable {
    public var secret: LedgerSecret
    public var check: LedgerCheck
    /// Where the value was re-read from (`path` in the repository), when it could be.
    public var readFrom: String?
}

/// Re-reads secrets from the places the ledger saw them and judges them again: JWT expiry and
/// signature, key revocation and certificates. The value is never stored: it is read from the
/// repository (the blob by id, through libgit2) or the file, then forgotten.
public struct Rechecker {
    /// Builds the scanner for a repository (its configuration decides JWT policy and revocations).
    public var scanner: (_ location: String) throws -> SecretScanner
    /// Asks providers, for rules that say how; nil makes no network calls.
    public var verifier: Verifier?
    /// Why live checks are off when `verifier` is nil, for the evidence of unverified secrets.
    public var liveChecksOff = "--no-verify"

    public init(verifier: Verifier? = nil, scanner: @escaping (_ location: String) throws -> SecretScanner) {
        self.scanner = scanner
        self.verifier = verifier
    }

    /// The check for each secret, in the order given. Secrets are re-read and scanned together per
    /// repository, so that a key is judged with the certificates re-read beside it.
    /// The secret's value, re-read from where the ledger saw it (nil when it can no longer be
    /// read): what `linger revoke` sends to the provider. Never stored.
    public func value(of secret: LedgerSecret, in ledger: any LedgerStore) throws -> (value: String, rule: String)? {
        var reader = self
        reader.verifier = nil
        let found = try reader.reRead([secret], in: ledger)
        return found.findings[secret.fingerprint].map { ($0.0.secret, $0.0.ruleID) }
    }

    public func recheck(_ secrets: [LedgerSecret], in ledger: any LedgerStore, at now: Date) throws -> [RecheckOutcome] {
        let (found, sourcesOf) = try reRead(secrets, in: ledger)
        return outcomes(secrets, found: found, sourcesOf: sourcesOf, at: now)
    }

    /// Re-reads and scans the places the ledger saw `secrets`: each fingerprint's finding (with
    /// the path it was read from), and which places were tried.
    private func reRead(_ secrets: [LedgerSecret], in ledger: any LedgerStore) throws -> (
        findings: [String: (Finding, String)], sourcesOf: [String: [String]]
    ) {
        struct Source: Hashable {
            var location: String
            var name: String
        }
        var tried: [String: [String]] = [:]
        var contents: [Source: [UInt8]] = [:]
        var sourcesOf: [String: [Source]] = [:]
        var repositories: [String: GitRepository?] = [:]
        for secret in secrets {
            for occurrence in try ledger.occurrences(of: secret.fingerprint) {
                guard let (name, bytes) = read(occurrence, repositories: &repositories) else { continue }
                let source = Source(location: occurrence.location, name: name)
                if contents[source] == nil { contents[source] = bytes }
                sourcesOf[secret.fingerprint, default: []].append(source)
                tried[secret.fingerprint, default: []].append(name)
            }
        }
        // Scan each repository's re-read contents as one batch.
        var found: [String: (Finding, String)] = [:]
        let byLocation = Dictionary(grouping: contents.keys, by: \.location)
        for location in byLocation.keys.sorted() {
            let sources = byLocation[location]!.sorted { $0.name < $1.name }
            var result = try scanner(location).scan(blobs: sources.map { ($0.name, contents[$0]!) })
            let wanted = Set(secrets.map(\.fingerprint))
            result.findings = result.findings.filter { wanted.contains($0.fingerprint) }
            verifier?.verify(&result)
            result.noteUncheckedSecrets(verifier == nil ? .off(reason: liveChecksOff) : .ran)
            for finding in result.findings where found[finding.fingerprint] == nil {
                found[finding.fingerprint] = (finding, finding.path)
            }
        }
        return (found, tried)
    }

    private func outcomes(
        _ secrets: [LedgerSecret], found: [String: (Finding, String)], sourcesOf: [String: [String]], at now: Date
    ) -> [RecheckOutcome] {
        secrets.map { secret in
            guard let (finding, path) = found[secret.fingerprint] else {
                let tried = sourcesOf[secret.fingerprint]?.isEmpty == false
                return RecheckOutcome(
                    secret: secret,
                    check: LedgerCheck(
                        time: now, method: "value-unavailable", verdict: .unknown,
                        evidence: tried
                            ? "value unavailable: the recorded content no longer holds it; rotation unconfirmed"
                            : "value unavailable: history rewritten or files gone; rotation unconfirmed"),
                    readFrom: nil)
            }
            let method =
                finding.verification.map { "http:" + $0.provider }
                ?? (finding.jwt != nil ? "jwt-analysis" : (finding.key != nil ? "key-analysis" : "re-read"))
            let evidence = finding.verdictEvidence
            return RecheckOutcome(
                secret: secret,
                check: LedgerCheck(time: now, method: method, verdict: finding.verdict, evidence: evidence),
                readFrom: path)
        }
    }

    /// The content of an occurrence: the blob by id from the repository, else the file as it is now.
    private func read(_ occurrence: LedgerOccurrence, repositories: inout [String: GitRepository?]) -> (
        String, [UInt8]
    )? {
        let location = occurrence.location
        guard !location.isEmpty else { return nil }
        if let blob = occurrence.blobID, let id = GitObjectID(hex: blob) {
            if repositories[location] == nil { repositories[location] = try? GitRepository(path: location) }
            if let repository = repositories[location] ?? nil, let bytes = repository.blobBytes(id) {
                return (occurrence.path, bytes)
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory) else { return nil }
        let file =
            isDirectory.boolValue ? (location as NSString).appendingPathComponent(occurrence.path) : location
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        return (occurrence.path, [UInt8](data))
    }
}
