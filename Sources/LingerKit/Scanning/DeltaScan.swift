import Foundation

/// What `BlobScanner.scanText` looked at in one piece of content, recorded for a delta-aware
/// sweep: the byte spans of everything that can interact with a finding (matches, candidates a
/// check turned down, encoded runs that held a secret), whether anything consulted the whole
/// input (an analyser, a PCRE2 match limit, a construct spanning many lines), which rules'
/// `content_pattern`s the input was searched for and with what answer, and the encoded runs
/// decoded (their number and bytes are capped per input).
struct ContentTrace {
    var spans: [Range<Int>] = []
    var wholeInput = false
    var contentHolds: [Int: Bool] = [:]
    var runs = 0
    var decodedBytes = 0
}

/// What a scanned blob leaves for the deltas built on it: its findings grouped into
/// *components* — maximal groups of lines joined by overlapping spans — each with its byte extent
/// (whole lines). A component's results depend only on its own lines and the few around them, so
/// where a delta copies a component with that neighbourhood unchanged, the findings are the same
/// at the new place; only lines near what the delta inserts are scanned again.
struct DeltaSummary {
    struct Component {
        /// Whole lines, as a byte range of the blob.
        var bytes: Range<Int>
        /// Its findings, with line numbers counted from the component's first line (0).
        var findings: [Finding]
    }
    var components: [Component] = []
    /// The blob's size: a copy that reaches the base's end keeps the end of the file as it was.
    var size = 0
    /// Upper bounds of the encoded runs decoded in the blob and their decoded bytes (`EncodedContent` caps both).
    var runs = 0
    var decodedBytes = 0
    /// Rules whose `content_pattern` the blob was searched for, and whether it holds it: a delta
    /// must give the same answers, or it is scanned whole.
    var contentHolds: [Int: Bool] = [:]
}

/// How a delta-aware sweep chooses what to scan again. Lines within `contextLines` of a changed
/// byte (an insert, the ends of a copy, a base component a copy cuts) form a *core*; each core is
/// scanned as a slice with `marginLines` (and at least `marginBytes`) around it, and a component
/// the slice finds in a core must end `contextLines` short of the slice's edge, or the whole blob
/// is scanned. Two kinds of match can reach past that: a candidate whose confirmation window the
/// slice cut short (the slice is widened to where a whole-blob scan starts the window), and a
/// match of a rule whose pattern can span lines (`CompiledRules.lineSpanningRules`, each bounded
/// by its `max_length`): their candidates are looked for within `lineReach` of each core, and a
/// slice is widened to hold the window of any that reaches a core. Content holding an anchor of a
/// construct spanning many lines (`-----BEGIN `, `---- BEGIN `, a PuTTY key, an OpenSSH public
/// key), where something read the whole input (an analyser, a PCRE2 match limit), that answers a
/// rule's `content_pattern` otherwise than its base did, that holds several YAML documents where a
/// `content_pattern` is searched, or where the encoded-run caps could be reached, is scanned
/// whole; slices search `content_pattern`s in the whole blob.
enum DeltaScan {
    static let contextLines = 1
    static let marginLines = 1
    static let marginBytes = 64
    /// Slices closer than this are scanned as one.
    static let joinGap = 512
    /// When the parts to scan again add up to more than this share of the blob, it is scanned whole.
    static let wholeShare = 0.6

    /// The start of the line `lines` lines above the one holding `position`.
    static func lineStart(before position: Int, lines: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var cursor = min(position, bytes.count)
        var remaining = lines
        while cursor > 0 {
            if base[cursor - 1] == 0x0A {
                if remaining == 0 { break }
                remaining -= 1
            }
            cursor -= 1
        }
        return cursor
    }

    /// The end (after its newline) of the line `lines` lines below the one holding `position - 1`.
    static func lineEnd(after position: Int, lines: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var cursor = min(max(position, 0), bytes.count)
        if cursor > 0 && base.load(fromByteOffset: cursor - 1, as: UInt8.self) == 0x0A { cursor -= 1 }
        var remaining = lines
        while cursor < bytes.count, let hit = memchr(base + cursor, 0x0A, bytes.count - cursor) {
            let newline = UnsafeRawPointer(hit) - base
            if remaining == 0 { return newline + 1 }
            remaining -= 1
            cursor = newline + 1
        }
        return bytes.count
    }

    /// Groups spans into components: whole-line extents, merged where they share a line.
    /// Returns each component's byte extent and first line (0-based).
    static func components(of spans: [Range<Int>], in bytes: UnsafeRawBufferPointer, index: LineIndex)
        -> [(bytes: Range<Int>, firstLine: Int, lastLine: Int)]
    {
        var lines = spans.map { span -> (Int, Int) in
            let first = index.lineIndex(of: span.lowerBound)
            let last = index.lineIndex(of: max(span.lowerBound, span.upperBound - 1))
            return (first, last)
        }
        lines.sort { $0.0 < $1.0 }
        var groups = [(Int, Int)]()
        for (first, last) in lines {
            if let previous = groups.last, first <= previous.1 {
                groups[groups.count - 1].1 = max(previous.1, last)
            } else {
                groups.append((first, last))
            }
        }
        return groups.map { first, last in
            let start = index.lineStart(first)
            var end = index.lineStart(last)
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            return (start..<min(bytes.count, end + 1), first, last)
        }
    }

    /// The instructions as runs of bytes equal to the base's: a copy is continued through the
    /// instructions after it (copies from elsewhere, inserts) for as long as what they put in the
    /// result is what the base holds next anyway. git's deltas copy repeated text from wherever
    /// its block index finds it first, so a one-line change can come as hundreds of copies; each
    /// boundary would be a change to scan around. One pass: every result byte is compared once.
    static func chained(
        _ operations: [DeltaOperation], result: UnsafeRawBufferPointer, base: UnsafeRawBufferPointer
    ) -> [DeltaOperation] {
        var chains = [DeltaOperation]()
        chains.reserveCapacity(operations.count)
        for operation in coalesced(operations) {
            if var last = chains.last, let source = last.sourceStart, last.target.upperBound == operation.target.lowerBound {
                // Does the base go on with what this instruction writes?
                let next = source + last.target.count
                let length = operation.target.count
                if next + length <= base.count,
                    memcmp(result.baseAddress! + operation.target.lowerBound, base.baseAddress! + next, length) == 0
                {
                    last.target = last.target.lowerBound..<operation.target.upperBound
                    chains[chains.count - 1] = last
                    continue
                }
            }
            chains.append(operation)
        }
        return chains
    }

    /// Copy and insert instructions with neighbours merged: copies of adjacent base bytes to
    /// adjacent places (git splits long copies) and consecutive inserts.
    static func coalesced(_ operations: [DeltaOperation]) -> [DeltaOperation] {
        var result = [DeltaOperation]()
        result.reserveCapacity(operations.count)
        for operation in operations {
            if var last = result.last, last.target.upperBound == operation.target.lowerBound {
                switch (last.sourceStart, operation.sourceStart) {
                case (nil, nil):
                    last.target = last.target.lowerBound..<operation.target.upperBound
                    result[result.count - 1] = last
                    continue
                case (let a?, let b?) where a + last.target.count == b:
                    last.target = last.target.lowerBound..<operation.target.upperBound
                    result[result.count - 1] = last
                    continue
                default:
                    break
                }
            }
            result.append(operation)
        }
        return result
    }
}

extension BlobScanner {
    /// Whether `bytes` would be scanned as text as they are (not a container, not binary).
    func isPlainText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if let base = bytes.baseAddress, memchr(base, 0, min(bytes.count, Self.binaryProbeLength)) != nil { return false }
        if scanner.options.openContainers, ContainerFormat.of(bytes) != nil { return false }
        return true
    }

    /// Scans a whole blob and, when its content was scanned as text without consulting the whole
    /// input, returns what its deltas may reuse.
    func scanWholeBlob(_ bytes: UnsafeRawBufferPointer, origin: ContentOrigin) -> DeltaSummary? {
        let plain = isPlainText(bytes)
        trace = plain ? ContentTrace() : nil
        let range = scanBlob(bytes, origin: origin)
        guard let recorded = trace else { return nil }
        trace = nil
        if recorded.wholeInput { return nil }
        var summary = DeltaSummary(
            size: bytes.count, runs: recorded.runs, decodedBytes: recorded.decodedBytes,
            contentHolds: recorded.contentHolds)
        guard !recorded.spans.isEmpty else { return summary }
        let index = LineIndex(bytes)
        let groups = DeltaScan.components(of: recorded.spans, in: bytes, index: index)
        summary.components = groups.map { DeltaSummary.Component(bytes: $0.bytes, findings: []) }
        for finding in result.findings[range] {
            let line = finding.region.line - 1
            guard let position = groups.firstIndex(where: { $0.firstLine <= line && line <= $0.lastLine }) else {
                return nil  // a finding outside every span: nothing to reuse safely
            }
            var relative = finding
            relative.region.line -= groups[position].firstLine
            relative.region.endLine -= groups[position].firstLine
            summary.components[position].findings.append(relative)
        }
        return summary
    }

    /// Scans a blob git stores as `operations` against a base whose results are `base`: only
    /// the lines near inserted bytes and copy boundaries are scanned; the base's findings in
    /// copied lines are moved to where the copies put them; when that cannot be done exactly,
    /// the blob is scanned whole. Returns what this blob's own deltas may reuse (nil: nothing).
    func scanDelta(
        _ bytes: UnsafeRawBufferPointer, operations: [DeltaOperation], base: DeltaSummary,
        baseBytes: UnsafeRawBufferPointer, origin: ContentOrigin
    ) -> DeltaSummary? {
        guard isPlainText(bytes), let provenance = origin.provenance else { return scanWholeBlob(bytes, origin: origin) }
        if let summary = tryDelta(
            bytes, operations: DeltaScan.chained(operations, result: bytes, base: baseBytes), base: base,
            provenance: provenance) {
            result.statistics.filesScanned += 1
            result.statistics.bytesScanned += bytes.count
            result.statistics.blobsByDelta += 1
            return summary
        }
        return scanWholeBlob(bytes, origin: origin)
    }

    private func tryDelta(
        _ bytes: UnsafeRawBufferPointer, operations: [DeltaOperation], base: DeltaSummary, provenance: Provenance
    ) -> DeltaSummary? {
        let count = bytes.count
        // What follows only adds to the cores, and slices hold them and only grow with them: a
        // blob already past the share is scanned whole before any more work is done on it.
        guard
            var cores = DeltaScan.cores(
                around: DeltaScan.changedRanges(of: operations, count: count, base: base), in: bytes,
                upTo: Int(DeltaScan.wholeShare * Double(count)))
        else { return nil }
        var regions = DeltaScan.regions(around: cores, in: bytes)
        if DeltaScan.exceedsWholeShare(regions, of: count) { return nil }
        // A window of a line-spanning candidate that reaches a core is itself changed ground: what
        // its slice finds there stands, and no base component is moved into it (a change lines
        // away can change which match the rule makes).
        guard let spanning = lineSpanningWindows(reaching: cores, in: bytes) else { return nil }
        if !spanning.isEmpty {
            cores = (cores
                + spanning.map {
                    DeltaScan.lineStart(before: $0.lowerBound, lines: DeltaScan.contextLines, in: bytes)
                        ..< DeltaScan.lineEnd(after: $0.upperBound, lines: DeltaScan.contextLines, in: bytes)
                }).merged()
            regions = DeltaScan.regions(around: cores, in: bytes)
            if DeltaScan.exceedsWholeShare(regions, of: count) { return nil }
        }
        // Whole-file answers the base's components rest on must hold here too, and in a single
        // document: across several, each is judged in its own (`Matcher`), which a copied
        // component cannot carry.
        if base.contentHolds.values.contains(true) && YAMLDocuments.holdsSeveral(bytes) { return nil }
        for (rule, held) in base.contentHolds where matcher.holdsContent(of: rule, in: bytes) != held { return nil }
        let marks = (result.findings.count, result.skipped.count, result.sightings.count, result.revocations.count)
        let statistics = result.statistics
        func abandon() -> DeltaSummary? {
            result.findings.removeSubrange(marks.0...)
            result.skipped.removeSubrange(marks.1...)
            result.sightings.removeSubrange(marks.2...)
            result.revocations.removeSubrange(marks.3...)
            result.statistics = statistics
            trace = nil
            return nil
        }
        var index: LineIndex?
        func lineNumber(of offset: Int) -> Int {
            if index == nil { index = LineIndex(bytes) }
            return index!.lineIndex(of: offset)
        }
        var summary = DeltaSummary()
        var kept = [Range<Int>]()
        var regionNumber = 0
        var extensions = 0
        func restart() {
            result.findings.removeSubrange(marks.0...)
            result.skipped.removeSubrange(marks.1...)
            summary = DeltaSummary(
                size: count, runs: base.runs, decodedBytes: base.decodedBytes, contentHolds: base.contentHolds)
            kept = []
            regionNumber = 0
        }
        restart()
        while regionNumber < regions.count {
            let region = regions[regionNumber]
            let slice = UnsafeRawBufferPointer(rebasing: bytes[region])
            let before = result.findings.count
            trace = ContentTrace()
            matcher.recordWindows = true
            matcher.contentScope = bytes
            scanText(slice, path: "", provenance: provenance)
            matcher.recordWindows = false
            matcher.contentScope = nil
            guard let recorded = trace, !recorded.wholeInput, result.skipped.count == marks.1 else { return abandon() }
            trace = nil
            let coresHere = cores.filter { $0.overlaps(region) }
            // A confirmation window the slice cut short at its start, reaching a core: start the
            // slice where a whole-blob scan starts that window, and scan every slice again.
            if region.lowerBound > 0 {
                let deficit = matcher.windowDeficits.filter { window in
                    coresHere.contains { $0.lowerBound < region.lowerBound + window.end + Matcher.lookahead }
                }.map(\.deficit).max() ?? 0
                if deficit > 0 {
                    extensions += 1
                    guard extensions <= 8 else { return abandon() }
                    let start = DeltaScan.lineStart(before: max(0, region.lowerBound - deficit), lines: 0, in: bytes)
                    regions[regionNumber] = start..<region.upperBound
                    regions = regions.merged()
                    if DeltaScan.exceedsWholeShare(regions, of: count) { return abandon() }
                    restart()
                    continue
                }
            }
            summary.contentHolds.merge(recorded.contentHolds) { first, _ in first }
            summary.runs += recorded.runs
            summary.decodedBytes += recorded.decodedBytes
            if !recorded.spans.isEmpty {
                let found = Array(result.findings[before...])
                result.findings.removeSubrange(before...)
                guard
                    keepComponents(
                        of: recorded.spans, found: found, slice: region, of: bytes, cores: coresHere, into: &summary,
                        kept: &kept, lineNumber: lineNumber)
                else { return abandon() }
            }
            regionNumber += 1
        }
        result.statistics = statistics
        result.statistics.deltaBytesScanned += regions.reduce(0) { $0 + $1.count }
        if summary.runs >= EncodedContent.maximumRuns || summary.decodedBytes >= EncodedContent.maximumDecodedBytes {
            return abandon()
        }
        moveCarriedComponents(
            of: base, through: operations, into: &summary, avoiding: [cores, kept.merged()], provenance: provenance,
            lineNumber: lineNumber)
        summary.components.sort { $0.bytes.lowerBound < $1.bytes.lowerBound }
        return summary
    }

    /// Keeps what the slice of `bytes` at `slice` found in components reaching one of `cores`:
    /// their findings, placed at their lines in the blob, and the components, for this blob's own
    /// deltas. False when such a component lies too close to the slice's edge to be sure it is
    /// whole, or that its neighbourhood is.
    private func keepComponents(
        of spans: [Range<Int>], found: [Finding], slice region: Range<Int>, of bytes: UnsafeRawBufferPointer,
        cores: [Range<Int>], into summary: inout DeltaSummary, kept: inout [Range<Int>], lineNumber: (Int) -> Int
    ) -> Bool {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[region])
        let sliceIndex = LineIndex(slice)
        let lastLine = sliceIndex.lineIndex(of: max(0, slice.count - 1))
        var firstLineOfRegion: Int?
        for group in DeltaScan.components(of: spans, in: slice, index: sliceIndex) {
            let absolute = (group.bytes.lowerBound + region.lowerBound)..<(group.bytes.upperBound + region.lowerBound)
            guard cores.contains(where: { $0.overlaps(absolute) }) else { continue }
            if region.lowerBound > 0 && group.firstLine < DeltaScan.contextLines { return false }
            if region.upperBound < bytes.count && group.lastLine > lastLine - DeltaScan.contextLines { return false }
            kept.append(absolute)
            var component = DeltaSummary.Component(bytes: absolute, findings: [])
            let inGroup = found.filter { group.firstLine <= $0.region.line - 1 && $0.region.line - 1 <= group.lastLine }
            if firstLineOfRegion == nil && !inGroup.isEmpty { firstLineOfRegion = lineNumber(region.lowerBound) }
            for finding in inGroup {
                var placed = finding
                let shift = firstLineOfRegion ?? 0
                placed.region.line += shift
                placed.region.endLine += shift
                result.findings.append(placed)
                var relative = finding
                relative.region.line -= group.firstLine
                relative.region.endLine -= group.firstLine
                component.findings.append(relative)
            }
            summary.components.append(component)
        }
        return true
    }

    /// Windows (as the matcher confirms them) of candidates of rules whose matches span lines
    /// that reach one of `cores`; nil when they cannot be looked for.
    private func lineSpanningWindows(reaching cores: [Range<Int>], in bytes: UnsafeRawBufferPointer) -> [Range<Int>]? {
        let rules = scanner.rules
        let spanningRules = rules.lineSpanningRules
        guard !spanningRules.isEmpty else { return [] }
        guard let database = rules.lineSpanningDatabase else { return nil }
        if lineSpanningScratch == nil { lineSpanningScratch = try? VectorscanScratch(for: database) }
        guard let scratch = lineSpanningScratch else { return nil }
        let count = bytes.count
        // The matcher confirms a candidate ending at `e` in `e - lookback ..< e + lookahead`:
        // one that can reach a core ends from the look-ahead before the core to `lineReach`
        // after it, and what vectorscan matched for it starts at most `lineReach` before `e`.
        let before = rules.lineReach + Matcher.lookahead
        let after = rules.lineReach
        var spanning = [Range<Int>]()
        for window in cores.map({ max(0, $0.lowerBound - before)..<min(count, $0.upperBound + after) }).merged() {
            do {
                try scratch.scan(UnsafeRawBufferPointer(rebasing: bytes[window])) { position, end in
                    let rule = spanningRules[position]
                    let absolute = window.lowerBound + end
                    let reaches = max(0, absolute - rules.lookback[rule])..<min(count, absolute + Matcher.lookahead)
                    if !cores.positions(overlapping: reaches).isEmpty { spanning.append(reaches) }
                }
            } catch {
                return nil
            }
        }
        return spanning
    }

    /// Moves the base's components that copies carry whole, away from every range of `avoiding`
    /// (each sorted and disjoint), to where the copies put them: into `summary`, and their
    /// findings into the result under this blob.
    private func moveCarriedComponents(
        of base: DeltaSummary, through operations: [DeltaOperation], into summary: inout DeltaSummary,
        avoiding: [[Range<Int>]], provenance: Provenance, lineNumber: (Int) -> Int
    ) {
        let componentRanges = base.components.map(\.bytes)
        for operation in operations {
            guard let source = operation.sourceStart else { continue }
            let sourceRange = source..<(source + operation.target.count)
            for position in componentRanges.positions(overlapping: sourceRange) {
                let component = base.components[position]
                guard sourceRange.lowerBound <= component.bytes.lowerBound
                    && component.bytes.upperBound <= sourceRange.upperBound
                else { continue }
                let moved = (component.bytes.lowerBound - source + operation.target.lowerBound)..<(component.bytes.upperBound - source + operation.target.lowerBound)
                if avoiding.contains(where: { !$0.positions(overlapping: moved).isEmpty }) { continue }
                if !component.findings.isEmpty {
                    let firstLine = lineNumber(moved.lowerBound)
                    for finding in component.findings {
                        var placed = finding
                        placed.region.line += firstLine
                        placed.region.endLine += firstLine
                        placed.provenance = provenance
                        placed.blobID = provenance.blobID
                        result.findings.append(placed)
                    }
                }
                summary.components.append(DeltaSummary.Component(bytes: moved, findings: component.findings))
            }
        }
    }
}

extension DeltaScan {
    /// The changed bytes of a delta's result: every insert, both ends of every copy (unless it
    /// starts both files or ends both), and the copied part of any base component a copy cuts.
    static func changedRanges(of operations: [DeltaOperation], count: Int, base: DeltaSummary) -> [Range<Int>] {
        let componentRanges = base.components.map(\.bytes)
        var changed = [Range<Int>]()
        for operation in operations {
            guard let source = operation.sourceStart else {
                changed.append(operation.target)
                continue
            }
            if operation.target.lowerBound != 0 || source != 0 {
                changed.append(operation.target.lowerBound..<(operation.target.lowerBound + 1))
            }
            if operation.target.upperBound != count || source + operation.target.count != base.size {
                changed.append((operation.target.upperBound - 1)..<operation.target.upperBound)
            }
            let sourceRange = source..<(source + operation.target.count)
            for position in componentRanges.positions(overlapping: sourceRange) {
                let component = base.components[position]
                if sourceRange.lowerBound <= component.bytes.lowerBound && component.bytes.upperBound <= sourceRange.upperBound {
                    continue
                }
                let start = max(component.bytes.lowerBound, sourceRange.lowerBound) - source + operation.target.lowerBound
                let end = min(component.bytes.upperBound, sourceRange.upperBound) - source + operation.target.lowerBound
                changed.append(start..<max(end, start + 1))
            }
        }
        return changed
    }

    /// The cores: changed ranges merged first (a delta's boundaries crowd together), then widened
    /// to whole lines with `contextLines` on each side, merged where they meet. Nil as soon as
    /// they hold more than `limit` bytes.
    static func cores(
        around changed: [Range<Int>], in bytes: UnsafeRawBufferPointer, upTo limit: Int = .max
    ) -> [Range<Int>]? {
        var cores = [Range<Int>]()
        var covered = 0  // by every core but the last
        for range in changed.merged() {
            if let last = cores.last, covered + last.count > limit { return nil }
            if let last = cores.last, range.lowerBound < last.upperBound {
                if range.upperBound > last.upperBound {
                    cores[cores.count - 1] = last.lowerBound..<lineEnd(after: range.upperBound, lines: contextLines, in: bytes)
                }
                continue
            }
            let core = lineStart(before: range.lowerBound, lines: contextLines, in: bytes)
                ..< lineEnd(after: range.upperBound, lines: contextLines, in: bytes)
            if let last = cores.last, core.lowerBound <= last.upperBound {
                cores[cores.count - 1] = last.lowerBound..<max(last.upperBound, core.upperBound)
            } else {
                covered += cores.last?.count ?? 0
                cores.append(core)
            }
        }
        if let last = cores.last, covered + last.count > limit { return nil }
        return cores
    }

    /// The slices to scan for `cores`: each with `marginLines` (at least `marginBytes`) around
    /// it, and slices closer than `joinGap` scanned as one (fewer, longer calls into the matcher).
    static func regions(around cores: [Range<Int>], in bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
        let count = bytes.count
        func widened(_ core: Range<Int>) -> Range<Int> {
            var start = lineStart(before: core.lowerBound, lines: marginLines, in: bytes)
            if core.lowerBound - start < marginBytes {
                start = lineStart(before: max(0, core.lowerBound - marginBytes), lines: 0, in: bytes)
            }
            var end = lineEnd(after: core.upperBound, lines: marginLines, in: bytes)
            if end - core.upperBound < marginBytes {
                end = lineEnd(after: min(count, core.upperBound + marginBytes), lines: 0, in: bytes)
            }
            return start..<end
        }
        var regions = [Range<Int>]()
        for region in cores.map(widened).merged() {
            if let last = regions.last, region.lowerBound - last.upperBound < joinGap {
                regions[regions.count - 1] = last.lowerBound..<region.upperBound
            } else {
                regions.append(region)
            }
        }
        return regions
    }

    /// Whether scanning `regions` would cost more than scanning the whole blob is worth.
    static func exceedsWholeShare(_ regions: [Range<Int>], of count: Int) -> Bool {
        Double(regions.reduce(0) { $0 + $1.count }) > wholeShare * Double(count)
    }
}
