import Foundation
import Synchronization

/// Settings for one scan.
public struct ScanOptions: Sendable {
    /// Files larger than this are skipped and reported.
    public var maxFileSize: Int = 10 * 1024 * 1024
    /// Worker threads.
    public var jobs: Int = Processors.active
    /// Keep candidates that checks turned down, with the reason (`--verbose`).
    public var explainDrops = false
    /// Judges every JWT found (checks, signature, verdict); nil leaves JWTs unanalysed.
    public var jwtAnalyzer: JWTAnalyzer? = JWTAnalyzer()
    /// Parses every private key found (format, size, fingerprints, passphrases); nil leaves them as matched.
    public var keyAnalyzer: KeyAnalyzer? = KeyAnalyzer()
    /// Revoked keys and CRLs for the key verdicts.
    public var keyRevocations = KeyRevocationPolicy()
    /// Whether base64 and hex runs that decode to text are decoded and scanned too.
    public var decodeEncodedContent = true
    /// Whether archives and compressed streams (zip, jar, tar, gzip, bzip2, nested) are opened and
    /// their entries scanned, UTF-16 text decoded, and printable runs of executables scanned.
    public var openContainers = true
    /// What opening containers may cost per input (depth, entries, inflated bytes, ratio).
    public var containerLimits = ContainerLimits()
    /// The time verdicts are judged at (certificate expiry).
    public var now = Date()
    /// Whether a history sweep reads packed blobs itself and scans only what each delta adds
    /// (`--full-blobs` turns it off: every blob is read through libgit2 and scanned whole).
    public var deltaAware = true

    public init() {}
}

/// A candidate turned down by a check, with where it was (for `--verbose`).
public struct DroppedFinding: Sendable, Equatable {
    public var ruleID: String
    public var path: String
    public var line: Int
    public var reason: String
    /// The blob it was in, for content read from git.
    public var blob: GitObjectID? = nil
}

/// Counts for the summary.
public struct ScanStatistics: Sendable, Equatable {
    /// Files, or blobs for a git scan.
    public var filesScanned = 0
    public var bytesScanned = 0
    /// What was counted: "file" or "blob".
    public var unit = "file"
    /// Distinct secrets found only in objects no reference reaches (deleted, not yet collected),
    /// set aside in a history sweep without `--all-objects`.
    public var unreachableSecrets = 0
    /// Blobs a delta-aware sweep scanned only around what their delta changed (counted whole in
    /// `filesScanned` and `bytesScanned`), and the bytes it scanned for them.
    public var blobsByDelta = 0
    public var deltaBytesScanned = 0
}

/// Everything a scan found, in a deterministic order.
public struct ScanResult: Sendable {
    public var findings: [Finding] = []
    public var skipped: [SkippedInput] = []
    public var dropped: [DroppedFinding] = []
    public var statistics = ScanStatistics()
    public var rules: [Rule] = []
    /// Blobs a git scan read, with their sizes (before unreachable ones are set aside).
    var scannedBlobs: [(GitObjectID, Int)] = []
    /// Certificates and public keys seen, to link private keys to.
    public var sightings: [PublicKeySighting] = []
    /// Revocation lists seen in the scanned content.
    public var revocations: [RevokedCertificates] = []
    /// What `.lingerignore` and `.linger.yml`'s `allow` list set aside, when there were any.
    public var suppression: SuppressionOutcome?
    /// What a baseline (`--baseline`) set aside, when one was given.
    public var baseline: BaselineOutcome?

    public init() {}

    /// Whether some input could not be read or fully scanned.
    public var isIncomplete: Bool { skipped.contains { $0.isError } }

    mutating func sort() {
        findings.sort {
            if ($0.path, $0.region.line, $0.region.column, $0.ruleID) != (
                $1.path, $1.region.line, $1.region.column, $1.ruleID
            ) {
                return ($0.path, $0.region.line, $0.region.column, $0.ruleID) < (
                    $1.path, $1.region.line, $1.region.column, $1.ruleID
                )
            }
            // Versions of one file in history: oldest commit first, then by blob.
            let a = ($0.provenance?.commit?.authorTime ?? 0, $0.provenance?.blobID ?? "", $0.fingerprint)
            let b = ($1.provenance?.commit?.authorTime ?? 0, $1.provenance?.blobID ?? "", $1.fingerprint)
            return a < b
        }
        skipped.sort { ($0.path, $0.reason.rawValue) < ($1.path, $1.reason.rawValue) }
        dropped.sort { ($0.path, $0.line, $0.ruleID) < ($1.path, $1.line, $1.ruleID) }
    }
}

/// Scans inputs with a rule set: a pool of workers, each with its own matcher and read buffer.
public final class SecretScanner: @unchecked Sendable {
    public let rules: CompiledRules
    public let options: ScanOptions
    public let builder: FindingBuilder

    public init(
        rules: CompiledRules, options: ScanOptions, fingerprintKey: FingerprintKey = .fromEnvironment()
    ) {
        self.rules = rules
        self.options = options
        self.builder = FindingBuilder(rules: rules.ruleSet.rules, fingerprintKey: fingerprintKey.bytes)
    }

    /// Scans a file or a directory tree.
    public func scan(directory input: DirectoryInput) throws -> ScanResult {
        try scan(listing: DirectoryListing(input: input))
    }

    /// Scans what `listing` walks. The walk runs beside the workers: they read the first files
    /// while it lists the rest (listing /usr/include first was a tenth of the scan's time on two
    /// cores), and it may have started before this scan (`DirectoryListing`).
    /// A listing is scanned once.
    public func scan(listing: DirectoryListing) throws -> ScanResult {
        let queue = listing.takeQueue()
        // A root that cannot be read has ended the walk (its queue closed).
        let root = try listing.root()
        var workers = 1
        if case .directory = root { workers = options.jobs }
        // With the database cache, the database without the restricted rules pays for its
        // loading after a few megabytes (a pre-commit hook, or --no-cache, would not gain).
        let scanned = Result {
            try runWorkers(
                queue: queue, workers: workers, gitDirectory: nil,
                pathFreeDatabaseAfter: rules.cachesDatabases ? 16 << 20 : nil)
        }
        let skipped = listing.skipped()
        var result = try scanned.get()
        result.rules = rules.ruleSet.rules
        result.skipped += skipped
        finish(&result)
        return result
    }

    /// The steps after every scan: link keys to certificates (and judge them), then sort.
    func finish(_ result: inout ScanResult) {
        restrictToRulePaths(&result)
        KeyLinker.link(&result, policy: options.keyRevocations, now: options.now)
        result.sort()
    }

    /// Scans in-memory contents together (keys are linked to certificates among them).
    public func scan(blobs: [(name: String, bytes: [UInt8])]) throws -> ScanResult {
        let worker = try BlobScanner(scanner: self)
        for (name, bytes) in blobs where bytes.count <= options.maxFileSize {
            _ = bytes.withUnsafeBytes { worker.scanBlob($0, origin: .stream(name: name)) }
        }
        var result = worker.result
        result.rules = rules.ruleSet.rules
        finish(&result)
        return result
    }

    /// Scans what a descriptor delivers (standard input), reading at most one byte past
    /// `--max-file-size`: a larger input is drained without being kept, and reported as not
    /// scanned (an incomplete scan, exit 2: nothing of it was read for secrets).
    public func scan(descriptor: Int32, name: String) throws -> ScanResult {
        let limit = options.maxFileSize
        var bytes = [UInt8]()
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                var result = ScanResult()
                result.rules = rules.ruleSet.rules
                result.skipped.append(
                    SkippedInput(path: name, reason: .unreadable, detail: String(cString: strerror(errno))))
                return result
            }
            if count == 0 { break }
            total += count
            if bytes.count <= limit { bytes += chunk[0..<min(count, limit + 1 - bytes.count)] }
        }
        guard total <= limit else {
            var result = ScanResult()
            result.rules = rules.ruleSet.rules
            result.skipped.append(
                SkippedInput(
                    path: name, reason: .inputTooLarge,
                    detail: "\(total) bytes; the limit is \(limit) (--max-file-size): nothing of it was scanned"))
            return result
        }
        return try scan(bytes: bytes, name: name)
    }

    /// Scans one in-memory input.
    public func scan(bytes: [UInt8], name: String) throws -> ScanResult {
        let worker = try BlobScanner(scanner: self)
        if bytes.count > options.maxFileSize {
            worker.result.skipped.append(
                SkippedInput(
                    path: name, reason: .tooLarge,
                    detail: "\(bytes.count) bytes; the limit is \(options.maxFileSize) (--max-file-size)"))
        } else {
            _ = bytes.withUnsafeBytes { worker.scanBlob($0, origin: .stream(name: name)) }
        }
        var result = worker.result
        result.rules = rules.ruleSet.rules
        finish(&result)
        return result
    }
}

/// One worker's state: a matcher, a reusable read buffer and what it found so far.
final class BlobScanner {
    let scanner: SecretScanner
    let matcher: Matcher
    var result = ScanResult()
    private var buffer: UnsafeMutableRawBufferPointer
    /// git's binary test: a NUL byte within the first 8000 bytes.
    static let binaryProbeLength = 8000
    /// The archive entries being scanned, outermost first (`["app.jar", "config.properties"]`).
    private var entryChain: [String] = []
    /// What may still be inflated for the outermost input being scanned.
    private var containerBudget = ContainerBudget(ContainerLimits())
    /// When set, `scanText` records what it looked at (for delta-aware sweeps).
    var trace: ContentTrace?
    /// Scratch for `CompiledRules.lineSpanningDatabase`, made on first use.
    var lineSpanningScratch: VectorscanScratch?

    init(scanner: SecretScanner) throws {
        self.scanner = scanner
        self.matcher = try Matcher(rules: scanner.rules)
        buffer = .allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit { buffer.deallocate() }

    func scanFile(_ file: FileEntry) {
        let limit = scanner.options.maxFileSize
        func tooLarge(_ size: Int) {
            result.skipped.append(
                SkippedInput(
                    path: file.displayPath, reason: .tooLarge,
                    detail: "\(size) bytes; the limit is \(limit) (--max-file-size)"))
        }
        if let size = file.size, size > limit { return tooLarge(size) }
        // O_NONBLOCK: a file swapped for a FIFO since it was listed must not block the open, and
        // fstat on the descriptor (not the name) says what was really opened.
        let descriptor = file.open(flags: O_CLOEXEC | O_NONBLOCK | (file.followsLinks ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else {
            let failure = errno
            // A file over the limit is too large whether or not it could be opened. (A size the
            // walk read was checked above; this asks only for one it left unread.)
            if let size = file.sizeWhenNeeded(), size > limit { return tooLarge(size) }
            let reason =
                failure == ELOOP
                ? "became a symbolic link during the scan; not followed" : String(cString: strerror(failure))
            result.skipped.append(SkippedInput(path: file.displayPath, reason: .unreadable, detail: reason))
            return
        }
        defer { close(descriptor) }
        var opened = stat()
        guard fstat(descriptor, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG else {
            result.skipped.append(
                SkippedInput(
                    path: file.displayPath, reason: .notRegularFile,
                    detail: "not a regular file when opened (a FIFO, socket or device swapped in during the scan)"))
            return
        }
        // Read up to one byte past the limit: a file that grew since it was listed is caught here.
        // The buffer is sized to the file once (doubling a 1 GB read peaked at 1.5 GB in copies).
        let expected = Int(opened.st_size)
        if expected > limit { return tooLarge(expected) }
        if expected >= buffer.count && expected <= limit {
            buffer.deallocate()
            buffer = .allocate(byteCount: expected + 1, alignment: 16)
        }
        var length = 0
        while true {
            if length == buffer.count {
                if buffer.count > limit { break }
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                larger.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer[0..<length]))
                buffer.deallocate()
                buffer = larger
            }
            let asked = buffer.count - length
            let count = read(descriptor, buffer.baseAddress! + length, asked)
            if count < 0 {
                if errno == EINTR { continue }
                result.skipped.append(
                    SkippedInput(path: file.displayPath, reason: .unreadable, detail: String(cString: strerror(errno))))
                return
            }
            if count == 0 { break }
            length += count
            // A short read that ends where fstat said the file ends is its end: no second read
            // to be told so (one system call in two, for the small files of a source tree).
            if count < asked && length == expected { break }
        }
        if length > limit {
            result.skipped.append(
                SkippedInput(
                    path: file.displayPath, reason: .tooLarge,
                    detail: "grew past the limit of \(limit) bytes while being read"))
            return
        }
        scanBlob(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), origin: .file(path: file.displayPath))
    }

    /// Scans one piece of content; everything it adds (findings, skips, dropped candidates,
    /// certificates) carries the blob it came from. Returns the range of findings it added.
    @discardableResult
    func scanBlob(_ bytes: UnsafeRawBufferPointer, origin: ContentOrigin) -> Range<Int> {
        guard let blob = origin.blob else { return scanContent(bytes, path: origin.path, provenance: nil) }
        let marks = (result.skipped.count, result.dropped.count, result.sightings.count)
        let found = scanContent(bytes, path: origin.path, provenance: origin.provenance)
        for index in marks.0..<result.skipped.count { result.skipped[index].blob = blob }
        for index in marks.1..<result.dropped.count { result.dropped[index].blob = blob }
        for index in marks.2..<result.sightings.count { result.sightings[index].blob = blob }
        return found
    }

    /// Scans each entry of an archive or compressed stream as content of its own, named
    /// `path!entry`; entries that are themselves containers are opened in turn, to the limits.
    /// What is not read (a bomb, an encrypted entry, a damaged archive) is reported as skipped.
    /// Returns false when the content only looked like a container (it is then scanned as is).
    private func openContainer(_ bytes: UnsafeRawBufferPointer, format: ContainerFormat, path: String, provenance: Provenance?) -> Bool {
        let limits = scanner.options.containerLimits
        func chain(_ name: String?) -> String? {
            let names = entryChain + (name.map { [$0] } ?? [])
            return names.isEmpty ? nil : names.joined(separator: "!")
        }
        func skip(_ name: String?, _ detail: String, damaged: Bool = false) {
            var skipped = SkippedInput(
                path: path + (name.map { "!" + $0 } ?? ""), reason: damaged ? .damagedArchive : .archive,
                detail: "\(format.rawValue): \(detail)")
            skipped.entryPath = chain(name)
            result.skipped.append(skipped)
        }
        if entryChain.count >= limits.maxDepth {
            skip(nil, "archives nested \(entryChain.count) deep; the limit is \(limits.maxDepth); not opened")
            return true
        }
        if entryChain.isEmpty { containerBudget = ContainerBudget(limits) }
        let reader = ContainerReader(limits: limits, maxEntryBytes: scanner.options.maxFileSize, budget: containerBudget)
        let opened = reader.read(
            bytes, format: format, name: path,
            visit: { name, entry in
                let findingsBefore = result.findings.count
                let skipsBefore = result.skipped.count
                entryChain.append(name)
                // Nested containers draw on the same budget (entryChain is not empty there).
                _ = scanContent(entry, path: path + "!" + name, provenance: provenance)
                let suffix = entryChain.joined(separator: "!")
                entryChain.removeLast()
                for index in findingsBefore..<result.findings.count where result.findings[index].entryPath == nil {
                    result.findings[index].entryPath = suffix
                }
                for index in skipsBefore..<result.skipped.count where result.skipped[index].entryPath == nil {
                    result.skipped[index].entryPath = suffix
                }
            },
            skip: { name, problem in
                if case .damaged = problem { skip(name, problem.detail, damaged: true) } else { skip(name, problem.detail) }
            })
        if opened { return true }
        // Binary content that starts like an archive but cannot be listed is a damaged archive;
        // text that merely starts like one is scanned as text by the caller.
        if bytes.prefix(Self.binaryProbeLength).contains(0) {
            skip(nil, "not a readable \(format.rawValue) (truncated or damaged: its entries cannot be listed)", damaged: true)
            return true
        }
        return false
    }

    private func scanContent(_ bytes: UnsafeRawBufferPointer, path: String, provenance: Provenance?) -> Range<Int> {
        let firstFinding = result.findings.count
        // memchr: a byte-at-a-time search of the probe was 3.5 % of a directory scan's time.
        let probeLength = min(bytes.count, Self.binaryProbeLength)
        let holdsNUL = probeLength > 0 && memchr(bytes.baseAddress!, 0, probeLength) != nil
        // DER certificates and CRLs (binary or not) matter for linking keys to certificates.
        let lower = path.lowercased()
        if bytes.count < 64 * 1024, bytes.first == 0x30,
            [".der", ".cer", ".crt", ".crl"].contains(where: lower.hasSuffix)
        {
            if var certificate = CertificateReader.readCertificate(der: bytes) {
                certificate.path = path
                certificate.line = 1
                result.sightings.append(certificate)
            } else if let crl = CertificateReader.readCRL(pem: Array(bytes), path: path) {
                result.revocations.append(crl)
            }
        }
        if scanner.options.openContainers, let format = ContainerFormat.of(bytes),
            openContainer(bytes, format: format, path: path, provenance: provenance)
        {
            return firstFinding..<result.findings.count
        }
        if holdsNUL {
            // Text inside binary content: UTF-16, or an executable's strings.
            if scanner.options.openContainers,
                let text = BinaryText.utf16(bytes) ?? BinaryText.printableRuns(ofExecutable: bytes)
            {
                return text.withUnsafeBytes { scanContent($0, path: path, provenance: provenance) }
            }
            result.skipped.append(
                SkippedInput(path: path, reason: .binary, detail: "binary content (a NUL byte near the start)"))
            return firstFinding..<firstFinding
        }
        return scanText(bytes, path: path, provenance: provenance)
    }

    /// Scans content as text: matching, encoded runs, certificates, analysers. With `trace` set,
    /// records what a delta-aware sweep needs to reuse the results (see `DeltaScan`).
    @discardableResult
    func scanText(_ bytes: UnsafeRawBufferPointer, path: String, provenance: Provenance?) -> Range<Int> {
        let firstFinding = result.findings.count
        result.statistics.filesScanned += 1
        result.statistics.bytesScanned += bytes.count
        let outcome: MatchOutcome
        do {
            // A history blob's path is not known yet (""): its findings are restricted once it is.
            outcome = try matcher.match(bytes, path: path)
        } catch {
            result.skipped.append(SkippedInput(path: path, reason: .unreadable, detail: "matching failed: \(error)"))
            return firstFinding..<firstFinding
        }
        let rules = scanner.rules.ruleSet.rules
        if trace != nil {
            trace!.spans += outcome.matches.map { min($0.range.lowerBound, $0.secretRange.lowerBound)..<max($0.range.upperBound, $0.secretRange.upperBound) }
            trace!.spans += outcome.dropped.map {
                min($0.matchRange.lowerBound, $0.secretRange.lowerBound)..<max($0.matchRange.upperBound, $0.secretRange.upperBound)
            }
            // A `content_pattern` judged per YAML document rests on where every document begins.
            if !outcome.abandoned.isEmpty || outcome.contentJudgedByDocument { trace!.wholeInput = true }
            trace!.contentHolds.merge(outcome.contentHolds) { first, _ in first }
        }
        // Certificates and public keys, for linking keys to them; their anchors also mark content
        // whose results a delta-aware sweep does not reuse (constructs spanning many lines).
        if trace != nil && outcome.anchors.startsManyLineConstruct { trace!.wholeInput = true }
        if (trace == nil || trace!.wholeInput) && outcome.anchors.mayHoldKeys {
            var index: LineIndex?
            let found = CertificateReader.scan(bytes, path: path) { offset in
                if index == nil { index = LineIndex(bytes) }
                return (index?.lineIndex(of: offset) ?? 0) + 1
            }
            result.sightings += found.sightings
            result.revocations += found.revocations
        }
        // Runs inside a confident match are that match's business (a JWT, a base64 PEM); a
        // generic match on an encoded value gives way to what the value decodes to.
        let confident = outcome.matches.filter { rules[$0.ruleIndex].confidence > .low }.map(\.range)
        var decoded =
            scanner.options.decodeEncodedContent
            ? decodedFindings(
                in: bytes, excluding: confident, candidates: outcome.encodedCandidates, path: path,
                provenance: provenance) : []
        if trace != nil { trace!.spans += decoded.map(\.run) }
        // Every secret-like span of the blob is masked in every finding's context: matches,
        // candidates a check turned down, encoded text that held a secret.
        let masks = outcome.dropped.map(\.secretRange) + decoded.map(\.run)
        if !decoded.isEmpty {
            let index = LineIndex(bytes)
            let spans = SpanIndex(outcome.matches.map(\.secretRange) + masks)
            for position in decoded.indices {
                let run = decoded[position].run
                let lineStart = index.lineStart(index.lineIndex(of: run.lowerBound))
                decoded[position].finding.contextBefore = FindingBuilder.contextBefore(
                    bytes, lineStart..<run.lowerBound, masks: spans, own: run)
            }
        }
        var findings = scanner.builder.findings(
            for: outcome.matches, in: bytes, path: path, provenance: provenance, masks: masks)
        var ruleIndices = outcome.matches.map(\.ruleIndex)
        if scanner.options.decodeEncodedContent {
            let decodedRuns = decoded.map(\.run)
            let keep = outcome.matches.indices.filter { index in
                rules[outcome.matches[index].ruleIndex].confidence > .low
                    || !decodedRuns.contains { $0.overlaps(outcome.matches[index].secretRange) }
            }
            if keep.count < findings.count {
                findings = keep.map { findings[$0] }
                ruleIndices = keep.map { ruleIndices[$0] }
            }
            // A generic rule's value that is itself base64 text (a Kubernetes Secret's `data:`):
            // the secret is what it decodes to.
            var standIns = Set<Int>()
            for index in findings.indices where rules[ruleIndices[index]].confidence == .low {
                guard var value = EncodedContent.decodeWholeValue(Array(findings[index].secret.utf8)) else { continue }
                while let last = value.last, last == 0x0A || last == 0x0D { value.removeLast() }
                guard !value.isEmpty, let text = String(validating: value, as: UTF8.self) else { continue }
                // What it decodes to faces the rule's filters too (`cGFzc3dvcmQ=` is "password").
                if rules[ruleIndices[index]].filters.contains(where: { $0.rejection(of: value) != nil }) {
                    standIns.insert(index)
                    continue
                }
                findings[index].secret = text
                findings[index].fingerprint = scanner.builder.fingerprint(
                    family: rules[ruleIndices[index]].family, secret: value)
                findings[index].entropy = shannonEntropy(value)
                findings[index].decodedFrom = "base64"
            }
            if !standIns.isEmpty {
                let kept = findings.indices.filter { !standIns.contains($0) }
                findings = kept.map { findings[$0] }
                ruleIndices = kept.map { ruleIndices[$0] }
            }
            findings += decoded.map(\.finding)
            ruleIndices += decoded.map(\.ruleIndex)
        }
        for index in findings.indices {
            findings[index].attributes = TokenStructure.attributes(
                family: rules[ruleIndices[index]].family, secret: findings[index].secret)
        }
        if provenance == nil && !findings.isEmpty {
            let id = Digest.gitBlobID(bytes)
            for index in findings.indices { findings[index].blobID = id }
        }
        // Each finding goes to the analyser its rule names (`analyzer:` in the rule file).
        let context = AnalysisContext(path: path) { SameFileWords.extract(from: bytes) }
        for index in findings.indices {
            guard let kind = rules[ruleIndices[index]].analyzer, let analyzer = scanner.options.analyzer(kind) else {
                continue
            }
            // An analyser may read the whole file (passphrases, HMAC keys from its words).
            if trace != nil { trace!.wholeInput = true }
            analyzer.analyze(&findings[index], in: context)
        }
        result.findings += findings
        for region in outcome.abandoned {
            result.skipped.append(
                SkippedInput(
                    path: path, reason: .matchLimit,
                    detail:
                        "rule \(rules[region.ruleIndex].id), bytes \(region.range.lowerBound)-\(region.range.upperBound): \(region.reason)"
                ))
        }
        if scanner.options.explainDrops && !outcome.dropped.isEmpty {
            let index = LineIndex(bytes)
            for drop in outcome.dropped {
                result.dropped.append(
                    DroppedFinding(
                        ruleID: rules[drop.ruleIndex].id, path: path,
                        line: index.lineIndex(of: drop.secretRange.lowerBound) + 1,
                        reason: drop.reason))
            }
        }
        return firstFinding..<result.findings.count
    }
}

extension BlobScanner {
    /// Findings in base64 and hex runs that decode to text (two levels deep), placed at the
    /// encoded text and marked with how it was encoded. Runs holding a finding already are left.
    /// `candidates`: the encoded-run candidates of `bytes` when matching traced them.
    func decodedFindings(
        in bytes: UnsafeRawBufferPointer, excluding: [Range<Int>],
        candidates: [(range: Range<Int>, allHex: Bool)]? = nil, path: String, provenance: Provenance?
    ) -> [(finding: Finding, ruleIndex: Int, run: Range<Int>)] {
        var found: [(finding: Finding, ruleIndex: Int, run: Range<Int>)] = []
        var index: LineIndex?
        // Decoded text is an input of its own: its `content_pattern`s are searched in it, and its
        // confirmation windows are not the slice's (a delta-aware sweep reads those afterwards).
        let (scope, recording) = (matcher.contentScope, matcher.recordWindows)
        matcher.contentScope = nil
        matcher.recordWindows = false
        defer { (matcher.contentScope, matcher.recordWindows) = (scope, recording) }
        func scan(
            _ content: UnsafeRawBufferPointer, excluding: [Range<Int>],
            candidates: [(range: Range<Int>, allHex: Bool)]?, outer: Range<Int>?, layers: [String]
        ) {
            let runs = EncodedContent.runs(in: content, excluding: excluding, candidates: candidates)
            if outer == nil && trace != nil {
                trace!.runs += runs.count
                trace!.decodedBytes += runs.reduce(0) { $0 + $1.decoded.count }
            }
            for run in runs {
                let place = outer ?? run.range
                let encoding = layers + [run.encoding.rawValue]
                run.decoded.withUnsafeBytes { decoded in
                    guard let outcome = try? matcher.match(decoded) else { return }
                    let inner = scanner.builder.findings(
                        for: outcome.matches, in: decoded, path: path, provenance: provenance)
                    if !inner.isEmpty && index == nil { index = LineIndex(bytes) }
                    for (match, var finding) in zip(outcome.matches, inner) {
                        guard let index else { continue }
                        let firstLine = index.lineIndex(of: place.lowerBound)
                        let lastLine = index.lineIndex(of: max(place.lowerBound, place.upperBound - 1))
                        finding.region = SourceRegion(
                            line: firstLine + 1,
                            column: LineIndex.column(
                                of: place.lowerBound, lineStart: index.lineStart(firstLine), in: bytes),
                            endLine: lastLine + 1,
                            endColumn: LineIndex.column(
                                of: place.upperBound, lineStart: index.lineStart(lastLine), in: bytes))
                        // The line as it reads up to the encoded text (filled in, with every other
                        // secret on the line masked, once all are known); the secret stands in for it.
                        finding.contextAfter = ""
                        finding.decodedFrom = encoding.joined(separator: " > ")
                        found.append((finding, match.ruleIndex, place))
                    }
                    if layers.count < 1 {
                        scan(
                            decoded, excluding: outcome.matches.map(\.range), candidates: outcome.encodedCandidates,
                            outer: place, layers: encoding)
                    }
                }
            }
        }
        scan(bytes, excluding: excluding, candidates: candidates, outer: nil, layers: [])
        return found
    }
}

extension ScanResult {
    /// Adds another worker's findings, skips, sightings and counts to this result.
    mutating func absorb(_ part: ScanResult) {
        findings += part.findings
        skipped += part.skipped
        dropped += part.dropped
        scannedBlobs += part.scannedBlobs
        sightings += part.sightings
        revocations += part.revocations
        statistics.filesScanned += part.statistics.filesScanned
        statistics.bytesScanned += part.statistics.bytesScanned
        statistics.blobsByDelta += part.statistics.blobsByDelta
        statistics.deltaBytesScanned += part.statistics.deltaBytesScanned
    }
}

extension SecretScanner {
    /// Drops findings of rules with a `path_pattern` in files it does not match (any of the paths
    /// a history blob was seen at counts). Runs once every finding has its final path.
    func restrictToRulePaths(_ result: inout ScanResult) {
        guard rules.restrictsPaths, !result.findings.isEmpty else { return }
        // Read in place: `enumerated()` copied each of the 300 rules (a retain per field).
        let all = rules.ruleSet.rules
        var indices = [String: Int](minimumCapacity: all.count)
        for index in all.indices where indices[all[index].id] == nil { indices[all[index].id] = index }
        let state = PCRE2MatchState()
        result.findings.removeAll { finding in
            guard let index = indices[finding.ruleID] else { return false }
            let paths = [finding.path] + (finding.provenance?.otherPaths ?? [])
            return !paths.contains { rules.rule(index, appliesTo: $0, state: state) }
        }
    }
}
