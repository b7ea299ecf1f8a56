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

    /// Findings for `matches`. `masks` are the spans of every secret-like text in the blob (all
    /// matches, candidates a check turned down, encoded runs that held a secret): the context
    /// shown with one finding never shows another secret on the same line in full.
    func findings(
        for matches: [Match], in bytes: UnsafeRawBufferPointer, path: String, provenance: Provenance? = nil,
        masks extra: [Range<Int>] = []
    ) -> [Finding] {
        guard !matches.isEmpty else { return [] }
        let index = LineIndex(bytes)
        let masks = SpanIndex(matches.map(\.secretRange) + extra)
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
            let before = Self.contextBefore(bytes, firstStart..<range.lowerBound, masks: masks, own: range)
            var after =
                range.upperBound < lastEnd
                ? Self.maskedText(bytes, range.upperBound..<lastEnd, masks: masks, own: range) : ""
            if after.count > Self.contextLimit { after = after.prefix(Self.contextLimit) + "…" }
            return Finding(
                ruleID: rule.id, ruleName: rule.name, confidence: rule.confidence, tags: rule.tags, path: path,
                region: region, secret: String(decoding: secret, as: UTF8.self),
                fingerprint: fingerprint(family: rule.family, secret: secret), entropy: match.entropy,
                contextBefore: before, contextAfter: after, provenance: provenance, blobID: provenance?.blobID,
                verdict: .unverified,
                verdictEvidence: nil, jwt: nil, key: nil)
        }
    }

    /// The line's text before a secret: leading blanks dropped, at most `contextLimit` characters,
    /// other secrets masked.
    static func contextBefore(_ bytes: UnsafeRawBufferPointer, _ segment: Range<Int>, masks: SpanIndex, own: Range<Int>)
        -> String
    {
        var before = maskedText(bytes, segment, masks: masks, own: own)
        before = String(before.drop { $0 == " " || $0 == "\t" })
        if before.count > contextLimit { before = "…" + before.suffix(contextLimit) }
        return before
    }

    /// `segment` as text, with every masked span in it (but `own`) redacted as reports redact a
    /// secret: a prefix, then `***`.
    static func maskedText(_ bytes: UnsafeRawBufferPointer, _ segment: Range<Int>, masks: SpanIndex, own: Range<Int>)
        -> String
    {
        var text = ""
        var position = segment.lowerBound
        for span in masks.overlapping(segment) where span != own && !span.contains(own.lowerBound) {
            let start = max(span.lowerBound, segment.lowerBound)
            guard start >= position else {
                position = max(position, min(span.upperBound, segment.upperBound))
                continue
            }
            text += String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<start]), as: UTF8.self)
            let end = min(span.upperBound, segment.upperBound)
            let hidden = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[span]), as: UTF8.self)
            // Only what lies in the segment is shown, and never more than the redacted prefix.
            text += start == span.lowerBound ? Redaction.redact(hidden) : "***"
            position = end
        }
        if position < segment.upperBound {
            text += String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<segment.upperBound]), as: UTF8.self)
        }
        return text
    }
}

/// Spans sorted by start, for finding those that overlap a line quickly (a file with tens of
/// thousands of secrets must not cost a scan of all of them per finding).
struct SpanIndex {
    private let spans: [Range<Int>]
    private let longest: Int

    init(_ spans: [Range<Int>]) {
        self.spans = spans.filter { !$0.isEmpty }.sorted { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) }
        longest = self.spans.map(\.count).max() ?? 0
    }

    /// The spans overlapping `segment`, by start.
    func overlapping(_ segment: Range<Int>) -> [Range<Int>] {
        guard !spans.isEmpty, !segment.isEmpty else { return [] }
        // A span overlapping the segment starts at most `longest` before it.
        let from = segment.lowerBound - longest
        var low = spans.firstPosition { $0.lowerBound >= from }
        var result = [Range<Int>]()
        while low < spans.count && spans[low].lowerBound < segment.upperBound {
            if spans[low].overlaps(segment) { result.append(spans[low]) }
            low += 1
        }
        return result
    }
}
