#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a finding is: 1-based lines, and columns counted in Unicode code points (SARIF's
/// `unicodeCodePoints`; a byte that is not valid UTF-8 counts as one).
public struct SourceRegion: Sendable, Equatable, Codable {
    public var line: Int
    public var column: Int
    public var endLine: Int
    /// One past the secret's last code point on `endLine`.
    public var endColumn: Int
}

/// A reported secret: the rule that found it, where, and the secret itself (kept in memory only;
/// reports redact it unless asked not to).
public struct Finding: Sendable, Equatable {
    public var ruleID: String
    public var ruleName: String
    public var confidence: Confidence
    public var tags: [String]
    /// Display path of the input (relative to the scan root, or `<stdin>`); inside an archive,
    /// the archive's path, `!`, and `entryPath` (`dist/app.zip!config/.env`).
    public var path: String
    /// Inside an archive: the entry's path within the outermost input (`config/.env`, or
    /// `lib/app.jar!application.properties` for an archive inside an archive). Lines are the entry's.
    public var entryPath: String?
    public var region: SourceRegion
    public var secret: String
    /// Keyed SHA-256 of the rule family and the secret: one value per secret wherever it appears.
    public var fingerprint: String
    public var entropy: Double
    /// The text before the secret on its first line and after it on its last line (trimmed).
    public var contextBefore: String
    public var contextAfter: String
    /// Where in git history the secret lives, for findings from a repository's history or index.
    public var provenance: Provenance?
    /// The git object id of the content the secret is in (for plain files, the id git would give
    /// it): where the ledger re-reads the secret from.
    public var blobID: String?
    /// Whether the secret still works, judged from `evidence` by `Verdict.judge` (the one place
    /// precedence is written down). `unverified` until something says more.
    public private(set) var verdict: Verdict = .unverified
    /// What the verdict rests on (an expiry date, a provider's answer, why nothing was confirmed).
    public private(set) var verdictEvidence: String?
    /// Everything analysers, live checks and the scan's settings said about whether it works.
    public private(set) var evidence: [VerdictEvidence] = []

    /// Adds what an analyser, a live check or the scan found, and judges the verdict again.
    public mutating func record(_ item: VerdictEvidence) {
        evidence.append(item)
        (verdict, verdictEvidence) = Verdict.judge(evidence)
    }

    /// Whether anything has been said about this secret's validity yet.
    public var hasEvidence: Bool { !evidence.isEmpty }
    /// How the secret was encoded where it was found (`base64`, `hex`, `base64 > hex`), when Linger
    /// decoded it to find it; the region is then the encoded text's.
    public var decodedFrom: String?
    /// What the provider answered when asked whether the secret works (live verification).
    public var verification: VerificationOutcome?
    /// What the token's own structure tells (for an AWS access key id, the account it belongs to).
    public var attributes: [String: String] = [:]
    /// For JWTs: the decoded token, the checks it fails and its signature.
    public var jwt: JWTAnalysis?
    /// For private keys: format, algorithm, size, fingerprints, weaknesses, linked certificates.
    public var key: KeyAnalysis?
    /// In a grouped report (one finding per secret): every place the secret was found, this
    /// finding's own first, up to the listing limit; empty in an ungrouped one.
    public var occurrences: [Occurrence] = []
    /// How many places there are in all (more than `occurrences` holds when capped).
    public var occurrenceCount = 1

    /// The line as it reads, with the secret shown or redacted.
    public func contextLine(showSecret: Bool) -> String {
        let firstLine =
            secret.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first
            .map(String.init) ?? secret
        let shown = showSecret ? firstLine : Redaction.redact(secret)
        let continues = secret.contains("\n")
        return contextBefore + shown + (continues ? " …" : contextAfter)
    }
}

/// Where a finding lives in a git repository.
public struct Provenance: Sendable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// A blob reachable from a reference.
        case history
        /// A blob in the object database that no reference reaches (deleted, not yet collected).
        case unreachable
        /// A blob staged in the index.
        case staged
    }
    public var source: Source
    /// The blob's git object id.
    public var blobID: String
    /// The commit that introduced the blob at `path` (the oldest that holds it); nil when none does.
    public var commit: GitCommitInfo?
    /// Other paths in history that hold the same blob (copies, renames), sorted.
    public var otherPaths: [String]
    /// The introducing commit's position in the walk (parents before children): breaks ties
    /// between commits with the same author date.
    public var commitOrder: Int?

    public init(source: Source, blobID: String, commit: GitCommitInfo?, otherPaths: [String] = []) {
        self.source = source
        self.blobID = blobID
        self.commit = commit
        self.otherPaths = otherPaths
    }
}

/// One place a secret was found, in a grouped report.
public struct Occurrence: Sendable, Equatable, Codable {
    public var path: String
    public var line: Int
    public var column: Int
    /// The commit that introduced the content at this place, in a history scan.
    public var commit: String?
    /// The blob holding it, in a git scan.
    public var blob: String?
}

/// How secrets appear in output by default: a short prefix, then `***`.
public enum Redaction {
    public static func redact(_ secret: String) -> String {
        // A PEM armour line names the kind of key and reveals nothing of it: keep it.
        if secret.hasPrefix("-----BEGIN "), let close = secret.dropFirst(11).range(of: "-----") {
            return String(secret[..<close.upperBound]) + "***"
        }
        let scalars = Array(secret.unicodeScalars)
        let shown = scalars.count >= 24 ? 4 : (scalars.count >= 12 ? 2 : 0)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars.prefix(shown).map { $0 == "\n" || $0 == "\r" ? " " : $0 })
        return String(result) + "***"
    }
}

/// Line starts of one blob, to turn byte offsets into lines and columns.
struct LineIndex {
    private let starts: [Int]

    init(_ bytes: UnsafeRawBufferPointer) {
        var starts = [0]
        // memchr: a blob's newlines are found at memory speed (this runs for every blob with findings).
        if let base = bytes.baseAddress {
            var position = 0
            while position < bytes.count, let hit = memchr(base + position, 0x0A, bytes.count - position) {
                position = UnsafeRawPointer(hit) - base + 1
                starts.append(position)
            }
        }
        self.starts = starts
    }

    /// 0-based line index containing `offset`.
    func lineIndex(of offset: Int) -> Int { Self.index(of: offset, in: starts) }

    /// Which of the stretches beginning at `starts` (ascending, the first 0) holds `offset`: the
    /// last start at or before it.
    static func index(of offset: Int, in starts: [Int]) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if starts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    func lineStart(_ line: Int) -> Int { starts[line] }

    /// End of the line's text: before its `\n` (and a `\r` before that).
    func lineEnd(_ line: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        var end = line + 1 < starts.count ? starts[line + 1] - 1 : bytes.count
        if end > starts[line] && end - 1 < bytes.count && bytes[end - 1] == 0x0D { end -= 1 }
        return max(end, starts[line])
    }

    /// 1-based column of `offset` on `line`, in code points.
    static func column(of offset: Int, lineStart: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        var column = 1
        var position = lineStart
        while position < offset {
            if bytes[position] & 0xC0 != 0x80 { column += 1 }
            position += 1
        }
        return column
    }
}
