/// Turns matches in one blob into findings: locations, context, fingerprints.
public struct FindingBuilder: Sendable {
    public let rules: [Rule]
    public let fingerprintKey: [UInt8]
    static let contextLimit = 80

    /// The key fingerprints use unless configured: fixed, so fingerprints agree across machines.
    public static let defaultFingerprintKey = Array("linger-fingerprint-v1".utf8)

    public init(rules: [Rule], fingerprintKey: [UInt8] = FindingBuilder.defaultFingerprintKey) {
        self.rules = rules
        self.fingerprintKey = fingerprintKey
    }

    public func fingerprint(family: String, secret: [UInt8]) -> String {
        Digest.hex(Digest.hmacSHA256(key: fingerprintKey, message: Array(family.utf8) + [0] + secret))
    }

    func findings(for matches: [Match], in bytes: UnsafeRawBufferPointer, path: String, provenance: Provenance? = nil)
        -> [Finding]
    {
        guard !matches.isEmpty else { return [] }
        let index = LineIndex(bytes)
        return matches.map { match in
            let rule = rules[match.ruleIndex]
            let range = match.secretRange
            let firstLine = index.lineIndex(of: range.lowerBound)
            let lastOffset = max(range.lowerBound, range.upperBound - 1)
            let lastLine = index.lineIndex(of: lastOffset)
            let firstStart = index.lineStart(firstLine)
            let lastStart = index.lineStart(lastLine)
            let lastEnd = index.lineEnd(lastLine, in: bytes)
            let region = SourceRegion(
                line: firstLine + 1,
                column: LineIndex.column(of: range.lowerBound, lineStart: firstStart, in: bytes),
                endLine: lastLine + 1,
                endColumn: LineIndex.column(of: range.upperBound, lineStart: lastStart, in: bytes))
            let secret = Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
            var before = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[firstStart..<range.lowerBound]), as: UTF8.self)
            var after =
                range.upperBound < lastEnd
                ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range.upperBound..<lastEnd]), as: UTF8.self)
                : ""
            before = String(before.drop { $0 == " " || $0 == "\t" })
            if before.count > Self.contextLimit { before = "…" + before.suffix(Self.contextLimit) }
            if after.count > Self.contextLimit { after = after.prefix(Self.contextLimit) + "…" }
            return Finding(
                ruleID: rule.id, ruleName: rule.name, confidence: rule.confidence, tags: rule.tags, path: path,
                region: region, secret: String(decoding: secret, as: UTF8.self),
                fingerprint: fingerprint(family: rule.family, secret: secret), entropy: match.entropy,
                contextBefore: before, contextAfter: after, provenance: provenance, blobID: provenance?.blobID,
                verdict: .unknown,
                verdictEvidence: nil, jwt: nil, key: nil)
        }
    }
}
