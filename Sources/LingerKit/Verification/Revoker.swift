import Foundation

/// What a provider said when asked to revoke a secret.
public struct RevocationOutcome: Sendable, Equatable {
    /// The provider confirmed it (the rule's `confirmed` answer): only then is the secret
    /// recorded as revoked.
    public var confirmed: Bool
    /// The answer, in words (never the secret).
    public var evidence: String
}

/// Revokes a secret at its provider through the rule's `revocation` request: the host fixed in the
/// rule (or the operator's override for that provider), HTTPS verified, no redirects, the body
/// capped — the same client live checks use. Never automatic: `linger revoke` asks for it.
public struct Revoker: Sendable {
    public let settings: VerificationSettings

    public init(settings: VerificationSettings = VerificationSettings()) { self.settings = settings }

    public func revoke(_ secret: String, rule: Rule) -> RevocationOutcome {
        guard let revocation = rule.revocation else {
            let page = rule.rotation.map { "; rotate it at \($0)" } ?? ""
            return RevocationOutcome(
                confirmed: false, evidence: "\(rule.id) has no public revocation endpoint\(page)")
        }
        let name = revocation.provider
        let verifier = Verifier(settings: settings)
        guard let url = verifier.target(revocation, secret: secret, id: nil) else {
            return RevocationOutcome(confirmed: false, evidence: "\(name): the request could not be formed")
        }
        let headers = revocation.headers.mapValues { Validation.fill($0, secret: secret, id: nil, urlEncoded: false) }
        let body = revocation.body.map { Validation.fill($0, secret: secret, id: nil, urlEncoded: false) }
        do {
            let response = try verifier.client.send(
                revocation.method, url, headers: headers, body: body.map { Data($0.utf8) })
            if revocation.live.matches(response) {
                return RevocationOutcome(confirmed: true, evidence: "\(name) confirmed the revocation (HTTP \(response.status))")
            }
            return RevocationOutcome(
                confirmed: false, evidence: "\(name) did not confirm the revocation (HTTP \(response.status))")
        } catch {
            return RevocationOutcome(confirmed: false, evidence: "\(name): \(error)")
        }
    }
}
