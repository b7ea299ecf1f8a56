import Foundation

/// What `BlobScanner.scanText` looked at in one piece of content, recorded for a delta-aware
/// sweep: the byte spans of everything that can interact with a finding (matches, candidates a
/// check turned down, encoded runs that held a secret), whether anything consulted the whole
/// input, and the encoded runs decoded (their number and bytes are capped per input).
struct ContentTrace {
    var spans: [Range<Int>] = []
    var wholeInput = false
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
    /// Upper bounds of the encoded runs decoded in the blob and their decoded bytes (`EncodedContent` caps both).
    var runs = 0
    var decodedBytes = 0

    var isTrivial: Bool { components.isEmpty && runs == 0 && decodedBytes == 0 }
}

/// How a delta-aware sweep chooses what to scan again. Lines within `contextLines` of a changed
/// byte form the *core*; each core is scanned with `marginLines` (and at least `marginBytes`)
/// around it, and a component the scan finds in the core must end `contextLines` short of the
/// margin's edge, or the whole blob is scanned. A candidate whose confirmation window reaches
/// back past the margin extends it (the window then starts where a whole-blob scan starts it).
/// Content that holds an anchor of a construct spanning many lines (`-----BEGIN `, `---- BEGIN
/// SSH2`, a PuTTY key, an OpenSSH public key), where a rule read the whole input (a
/// `content_pattern`, an analyser, a PCRE2 match limit) or where the encoded-run caps could be
/// reached, is scanned whole.
enum DeltaScan {
    static let contextLines = 2
    static let marginLines = 8
    static let marginBytes = 1024
    /// When the parts to scan again add up to more than this share of the blob, it is scanned whole.
    static let wholeShare = 0.6

    /// The start of the line `lines` lines above the one holding `position`.
    static func lineStart(before position: Int, lines: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        var cursor = min(position, bytes.count)
        var remaining = lines
        while cursor > 0 {
            if bytes[cursor - 1] == 0x0A {
                if remaining == 0 { break }
                remaining -= 1
            }
            cursor -= 1
        }
        return cursor
    }

    /// The end (after its newline) of the line `lines` lines below the one holding `position - 1`.
    static func lineEnd(after position: Int, lines: Int, in bytes: UnsafeRawBufferPointer) -> Int {
        var cursor = max(position, 0)
        if cursor > 0 && bytes[cursor - 1] == 0x0A && cursor > 0 { cursor -= 1 }
        var remaining = lines
        while cursor < bytes.count {
            if bytes[cursor] == 0x0A {
                if remaining == 0 { return cursor + 1 }
                remaining -= 1
            }
            cursor += 1
        }
        return bytes.count
    }

    /// Ranges merged where they overlap or touch, in order.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var result = [Range<Int>]()
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
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
            let end = lineEnd(after: index.lineStart(last), lines: 0, in: bytes)
            return (start..<end, first, last)
        }
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
        if bytes.prefix(Self.binaryProbeLength).contains(0) { return false }
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
        var summary = DeltaSummary(runs: recorded.runs, decodedBytes: recorded.decodedBytes)
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
    /// copied lines are moved to where the copies put them. Returns what this blob's own deltas
    /// may reuse, or nil when the blob had to be (and was) scanned whole.
    func scanDelta(
        _ bytes: UnsafeRawBufferPointer, operations: [DeltaOperation], base: DeltaSummary, origin: ContentOrigin
    ) -> DeltaSummary? {
        guard isPlainText(bytes), let provenance = origin.provenance else { return scanWholeBlob(bytes, origin: origin) }
        if let summary = tryDelta(bytes, operations: DeltaScan.coalesced(operations), base: base, provenance: provenance) {
            result.statistics.filesScanned += 1
            result.statistics.bytesScanned += bytes.count
            return summary
        }
        return scanWholeBlob(bytes, origin: origin)
    }

    private func tryDelta(
        _ bytes: UnsafeRawBufferPointer, operations: [DeltaOperation], base: DeltaSummary, provenance: Provenance
    ) -> DeltaSummary? {
        let count = bytes.count
        // Changed bytes: every insert, both ends of every copy, and the copied part of any base
        // component a copy cuts through.
        var changed = [Range<Int>]()
        for operation in operations {
            guard let source = operation.sourceStart else {
                changed.append(operation.target)
                continue
            }
            changed.append(operation.target.lowerBound..<(operation.target.lowerBound + 1))
            changed.append((operation.target.upperBound - 1)..<operation.target.upperBound)
            let sourceRange = source..<(source + operation.target.count)
            for component in base.components where component.bytes.overlaps(sourceRange) {
                if sourceRange.lowerBound <= component.bytes.lowerBound && component.bytes.upperBound <= sourceRange.upperBound {
                    continue
                }
                let start = max(component.bytes.lowerBound, sourceRange.lowerBound) - source + operation.target.lowerBound
                let end = min(component.bytes.upperBound, sourceRange.upperBound) - source + operation.target.lowerBound
                changed.append(start..<max(end, start + 1))
            }
        }
        let cores = DeltaScan.merged(
            changed.map {
                DeltaScan.lineStart(before: $0.lowerBound, lines: DeltaScan.contextLines, in: bytes)
                    ..< DeltaScan.lineEnd(after: $0.upperBound, lines: DeltaScan.contextLines, in: bytes)
            })
        func widened(_ core: Range<Int>) -> Range<Int> {
            var start = DeltaScan.lineStart(before: core.lowerBound, lines: DeltaScan.marginLines, in: bytes)
            if core.lowerBound - start < DeltaScan.marginBytes {
                start = DeltaScan.lineStart(before: max(0, core.lowerBound - DeltaScan.marginBytes), lines: 0, in: bytes)
            }
            var end = DeltaScan.lineEnd(after: core.upperBound, lines: DeltaScan.marginLines, in: bytes)
            if end - core.upperBound < DeltaScan.marginBytes {
                end = DeltaScan.lineEnd(after: min(count, core.upperBound + DeltaScan.marginBytes), lines: 0, in: bytes)
            }
            return start..<end
        }
        var regions = DeltaScan.merged(cores.map(widened))
        if Double(regions.reduce(0) { $0 + $1.count }) > DeltaScan.wholeShare * Double(count) { return nil }

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
        var summary = DeltaSummary(runs: base.runs, decodedBytes: base.decodedBytes)
        var kept = [Range<Int>]()
        var regionNumber = 0
        var extensions = 0
        while regionNumber < regions.count {
            let region = regions[regionNumber]
            let slice = UnsafeRawBufferPointer(rebasing: bytes[region])
            if CertificateReader.hasAnchor(slice) { return abandon() }
            let before = result.findings.count
            trace = ContentTrace()
            matcher.recordWindows = true
            scanText(slice, path: "", provenance: provenance)
            matcher.recordWindows = false
            guard let recorded = trace, !recorded.wholeInput else { return abandon() }
            trace = nil
            let coresHere = cores.filter { $0.overlaps(region) }
            // A confirmation window the slice cut short at its start, reaching a core: start the
            // slice where a whole-blob scan starts that window, and scan it again.
            if region.lowerBound > 0 {
                let deficit = matcher.windowDeficits.filter { window in
                    coresHere.contains { $0.lowerBound < region.lowerBound + window.end + Matcher.lookahead }
                }.map(\.deficit).max() ?? 0
                if deficit > 0 {
                    extensions += 1
                    guard extensions <= 8 else { return abandon() }
                    result.findings.removeSubrange(before...)
                    result.skipped.removeSubrange(marks.1...)
                    let start = DeltaScan.lineStart(before: max(0, region.lowerBound - deficit), lines: 0, in: bytes)
                    regions[regionNumber] = start..<region.upperBound
                    // Reaching back into the region before: simpler to scan the whole blob.
                    if regionNumber > 0 && regions[regionNumber - 1].upperBound >= start { return abandon() }
                    continue
                }
            }
            summary.runs += recorded.runs
            summary.decodedBytes += recorded.decodedBytes
            let sliceIndex = LineIndex(slice)
            let lastLine = sliceIndex.lineIndex(of: max(0, slice.count - 1))
            let groups = DeltaScan.components(of: recorded.spans, in: slice, index: sliceIndex)
            let found = Array(result.findings[before...])
            result.findings.removeSubrange(before...)
            var firstLineOfRegion: Int?
            for group in groups {
                let absolute = (group.bytes.lowerBound + region.lowerBound)..<(group.bytes.upperBound + region.lowerBound)
                guard coresHere.contains(where: { $0.overlaps(absolute) }) else { continue }
                // Too close to the slice's edge to be sure it is whole, or that its neighbourhood is.
                if region.lowerBound > 0 && group.firstLine < DeltaScan.contextLines { return abandon() }
                if region.upperBound < count && group.lastLine > lastLine - DeltaScan.contextLines { return abandon() }
                kept.append(absolute)
                var component = DeltaSummary.Component(bytes: absolute, findings: [])
                if firstLineOfRegion == nil && found.contains(where: { group.firstLine <= $0.region.line - 1 && $0.region.line - 1 <= group.lastLine }) {
                    firstLineOfRegion = lineNumber(of: region.lowerBound)
                }
                for finding in found where group.firstLine <= finding.region.line - 1 && finding.region.line - 1 <= group.lastLine {
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
            regionNumber += 1
        }
        result.statistics = statistics
        if summary.runs >= EncodedContent.maximumRuns || summary.decodedBytes >= EncodedContent.maximumDecodedBytes {
            return abandon()
        }
        // The base's components that copies carry whole, away from every change.
        for operation in operations {
            guard let source = operation.sourceStart else { continue }
            let sourceRange = source..<(source + operation.target.count)
            for component in base.components
            where sourceRange.lowerBound <= component.bytes.lowerBound && component.bytes.upperBound <= sourceRange.upperBound {
                let moved = (component.bytes.lowerBound - source + operation.target.lowerBound)..<(component.bytes.upperBound - source + operation.target.lowerBound)
                if cores.contains(where: { $0.overlaps(moved) }) || kept.contains(where: { $0.overlaps(moved) }) { continue }
                if !component.findings.isEmpty {
                    let firstLine = lineNumber(of: moved.lowerBound)
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
        summary.components.sort { $0.bytes.lowerBound < $1.bytes.lowerBound }
        return summary
    }
}
