import Foundation

/// Keys the user has revoked: fingerprints listed in `.linger.yml` and CRL files.
public struct KeyRevocationPolicy: Sendable {
    /// SPKI SHA-256 (hex) or OpenSSH `SHA256:…` fingerprints.
    public var revoked: Set<String> = []
    /// Revocation lists read from the files the configuration names.
    public var revocationLists: [RevokedCertificates] = []

    public init(revoked: Set<String> = [], revocationLists: [RevokedCertificates] = []) {
        self.revoked = revoked
        self.revocationLists = revocationLists
    }
}

/// Links each private key found to the certificates and public keys found in the same scan, and
/// records what they say: revoked (configuration or CRL) or every certificate ended → evidence it
/// no longer works; otherwise it is unconfirmed, with why (a readable key is not proof that
/// anything still accepts it). Never `inactive` without one of those pieces of evidence.
public enum KeyLinker {
    public static func link(_ result: inout ScanResult, policy: KeyRevocationPolicy, now: Date) {
        let byKey = Dictionary(grouping: result.sightings, by: \.publicKeySHA256)
        let lists = policy.revocationLists + result.revocations
        let nowSeconds = Int64(exactly: now.timeIntervalSince1970.rounded(.down)) ?? (now.timeIntervalSince1970 > 0 ? .max : .min)
        for index in result.findings.indices {
            guard var key = result.findings[index].key else { continue }
            if let error = key.parseError {
                result.findings[index].record(.unconfirmed(error))
                continue
            }
            guard let spki = key.publicKeySHA256 else {
                result.findings[index].record(
                    .unconfirmed(
                        key.encrypted
                            ? "encrypted, and no common passphrase opens it" + (key.passphrasesNotTried.map { " (\($0))" } ?? "")
                            : "public key unknown"))
                continue
            }
            var seen = Set<String>()
            let sightings = (byKey[spki] ?? []).filter { seen.insert("\($0.path):\($0.line)").inserted }
                .sorted { ($0.path, $0.line) < ($1.path, $1.line) }
            key.linked = sightings.map { sighting in
                LinkedPublicKey(
                    path: sighting.path, line: sighting.line, kind: sighting.kind.rawValue, subject: sighting.subject,
                    issuer: sighting.issuer, notBefore: sighting.notBefore.map(ISO8601.string(fromSeconds:)),
                    notAfter: sighting.notAfter.map(ISO8601.string(fromSeconds:)), serial: sighting.serial,
                    revoked: revokedBy(sighting, lists) != nil)
            }
            result.findings[index].key = key
            if policy.revoked.contains(spki) || key.sshFingerprint.map(policy.revoked.contains) == true {
                result.findings[index].record(.revoked("revoked (listed in the configuration)"))
                continue
            }
            let certificates = sightings.filter { $0.kind == .certificate }
            if !certificates.isEmpty {
                let standing = certificates.filter {
                    revokedBy($0, lists) == nil && ($0.notAfter ?? Int64.max) > nowSeconds
                }
                if standing.isEmpty {
                    if let revoked = certificates.lazy.compactMap({ revokedBy($0, lists) }).first,
                        certificates.allSatisfy({ revokedBy($0, lists) != nil })
                    {
                        result.findings[index].record(.revoked("revoked (certificate listed in \(revoked))"))
                    } else {
                        let last = certificates.compactMap(\.notAfter).max() ?? 0
                        result.findings[index].record(
                            .expired("certificate expired on \(ISO8601.string(fromSeconds: last))"))
                    }
                } else {
                    let until =
                        standing.compactMap(\.notAfter).max().map { " until \(ISO8601.string(fromSeconds: $0))" } ?? ""
                    result.findings[index].record(
                        .unconfirmed(
                            "a readable private key with \(standing.count) certificate\(standing.count == 1 ? "" : "s") valid\(until); nothing confirms a service still accepts it"
                        ))
                }
                continue
            }
            result.findings[index].record(
                .unconfirmed("a readable private key; no certificate or revocation data says whether it is still in use"))
        }
    }

    /// The CRL that revokes `certificate`, when one does.
    static func revokedBy(_ certificate: PublicKeySighting, _ lists: [RevokedCertificates]) -> String? {
        guard certificate.kind == .certificate, let serial = certificate.serial else { return nil }
        return lists.first { $0.issuer == certificate.issuer && $0.serials.contains(serial) }?.path
    }

}
