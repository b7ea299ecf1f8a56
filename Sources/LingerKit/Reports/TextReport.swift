import Foundation

/// `--format text`: for people. One block per finding with its line, then a summary.
public struct TextReport: Report {
    public init() {}

    public func render(_ result: ScanResult, options: ReportOptions) throws -> Data {
        let style = Style(enabled: options.color)
        var out = ""
        for finding in result.findings {
            let confidence: String
            switch finding.confidence {
            case .high: confidence = style.red("high")
            case .medium: confidence = style.yellow("medium")
            case .low: confidence = style.dim("low")
            }
            out += "\(style.bold(finding.ruleID))  \(finding.ruleName)  [\(confidence)]\n"
            out += "  \(style.cyan("\(TerminalText.line(finding.path)):\(finding.region.line):\(finding.region.column)"))"
            if finding.region.endLine != finding.region.line { out += "  (to line \(finding.region.endLine))" }
            out += "\n"
            if let provenance = finding.provenance {
                out += "  " + Self.describe(provenance, style: style) + "\n"
            }
            out += "  \(finding.region.line) | \(finding.contextLine(showSecret: options.showSecrets))\n"
            if let jwt = finding.jwt { out += Self.describe(jwt, options: options, style: style) }
            if let key = finding.key { out += Self.describe(key, options: options, style: style) }
            if let encoding = finding.decodedFrom {
                out += "  decoded from \(encoding): the file holds the encoded form\n"
            }
            if !finding.attributes.isEmpty {
                out +=
                    "  "
                    + finding.attributes.sorted { $0.key < $1.key }.map {
                        "\($0.key.replacingOccurrences(of: "_", with: " ")) \($0.value)"
                    }
                    .joined(separator: "  ") + "\n"
            }
            do {
                let verdict: String
                switch finding.verdict {
                case .live: verdict = style.red("live")
                case .unverified: verdict = style.yellow("unverified")
                case .inactive: verdict = style.green("inactive")
                case .unknown: verdict = style.dim("unknown")
                }
                out += "  verdict \(verdict)\(finding.verdictEvidence.map { " (\($0))" } ?? "")\n"
            }
            out +=
                "  secret \(finding.shownSecret(options))  fingerprint \(finding.fingerprint.prefix(16))  tags \(finding.tags.joined(separator: ", "))\n"
            if finding.occurrenceCount > 1 {
                let shown = finding.occurrences.dropFirst().prefix(Self.placesShown).map { place in
                    "\(TerminalText.line(place.path)):\(place.line)" + (place.commit.map { " (\($0.prefix(12)))" } ?? "")
                }
                let more = finding.occurrenceCount - 1 - shown.count
                out +=
                    "  found in \(finding.occurrenceCount) places; also \(shown.joined(separator: ", "))"
                    + (more > 0 ? " and \(more) more (JSON lists them)" : "") + "\n"
            }
            out += "\n"
        }
        if result.findings.count > 1 {
            out += Self.table(result) + "\n"
        }
        if options.verbose {
            for drop in result.dropped {
                out += style.dim("dropped \(drop.ruleID) at \(TerminalText.line(drop.path)):\(drop.line): \(drop.reason)") + "\n"
            }
            for skip in result.skipped {
                out += style.dim("skipped \(TerminalText.line(skip.path)) (\(skip.reason.rawValue)): \(TerminalText.line(skip.detail))") + "\n"
            }
            if !result.dropped.isEmpty || !result.skipped.isEmpty { out += "\n" }
        } else {
            for skip in result.skipped where skip.isError {
                out += style.yellow("not scanned: \(TerminalText.line(skip.path)) (\(skip.reason.rawValue)): \(TerminalText.line(skip.detail))") + "\n"
            }
        }
        out += summary(result, style: style) + "\n"
        // Scanned content, paths and commit messages are the attacker's: no escape sequence or
        // carriage return of theirs reaches the terminal. Colour comes back only where Style put it.
        return Data(style.restore(TerminalText.neutralise(out)).utf8)
    }

    static func describe(_ jwt: JWTAnalysis, options: ReportOptions, style: Style) -> String {
        var out = "  jwt \(jwt.algorithm ?? "?")"
        for claim in ["iss", "sub", "aud", "exp"] {
            if let value = jwt.claims[claim] {
                out += "  \(claim) \(claim == "exp" ? (Double(value).map(JWTAnalyzer.date) ?? value) : value)"
            }
        }
        if let application = jwt.application { out += "  application \(application)" }
        out += "  signature \(jwt.signature.rawValue)\n"
        for check in jwt.checks.sorted(by: { $0.severity > $1.severity }) {
            let severity: String
            switch check.severity {
            case .critical, .high: severity = style.red(check.severity.rawValue)
            case .medium: severity = style.yellow(check.severity.rawValue)
            case .low, .info: severity = style.dim(check.severity.rawValue)
            }
            out += "    \(check.check.rawValue) [\(severity)] \(check.message)\n"
        }
        if let key = jwt.recoveredKey {
            out += "    recovered HMAC key: \(options.showSecrets ? key : Redaction.redact(key))\n"
        }
        return out
    }

    static func describe(_ key: KeyAnalysis, options: ReportOptions, style: Style) -> String {
        if let error = key.parseError { return "  key \(key.format): \(style.yellow(error))\n" }
        var out = "  key \(key.format)"
        if let algorithm = key.algorithm { out += ", \(algorithm)" }
        if let bits = key.bits { out += " \(bits) bits" }
        if let curve = key.curve { out += " (\(curve))" }
        if key.encrypted { out += ", encrypted" }
        out += "\n"
        if let ssh = key.sshFingerprint { out += "    \(ssh)\n" }
        if let spki = key.publicKeySHA256 { out += "    public key sha256 \(spki)\n" }
        if let passphrase = key.recoveredPassphrase {
            let shown =
                options.showSecrets ? passphrase : (passphrase.isEmpty ? "(empty)" : Redaction.redact(passphrase))
            out += "    \(style.red("passphrase recovered")) [critical]: \(shown)\n"
        }
        if let reason = key.passphrasesNotTried { out += "    \(reason)\n" }
        for weakness in key.weaknesses { out += "    weak: \(weakness)\n" }
        for link in key.linked {
            out += "    \(link.kind) at \(link.path):\(link.line)"
            if let subject = link.subject { out += " subject \(subject)" }
            if let issuer = link.issuer { out += " issuer \(issuer)" }
            if let notBefore = link.notBefore, let notAfter = link.notAfter {
                out += " valid \(notBefore) to \(notAfter)"
            }
            if link.revoked { out += " " + style.green("revoked") }
            out += "\n"
        }
        return out
    }

    static func describe(_ provenance: Provenance, style: Style) -> String {
        var text: String
        switch provenance.source {
        case .history:
            if let commit = provenance.commit {
                let date = ISO8601.string(fromSeconds: commit.authorTime).prefix(10)
                text =
                    "commit \(style.yellow(String(commit.id.prefix(12)))) \(TerminalText.line(commit.authorName)) <\(TerminalText.line(commit.authorEmail))> \(date) \"\(TerminalText.line(commit.summary))\""
            } else {
                text = "blob \(provenance.blobID.prefix(12))"
            }
        case .unreachable:
            text =
                "blob \(provenance.blobID.prefix(12)), unreachable: no reference leads to it (deleted, not yet garbage-collected)"
        case .staged:
            text = "staged (blob \(provenance.blobID.prefix(12)))"
        }
        if !provenance.otherPaths.isEmpty {
            let shown = provenance.otherPaths.prefix(3).map(TerminalText.line).joined(separator: ", ")
            let more = provenance.otherPaths.count > 3 ? " and \(provenance.otherPaths.count - 3) more" : ""
            text += "; also at \(shown)\(more)"
        }
        return text
    }

    func summary(_ result: ScanResult, style: Style) -> String {
        let counts = Dictionary(grouping: result.findings, by: \.confidence).mapValues(\.count)
        let files = Set(result.findings.map(\.path)).count
        var line: String
        if result.findings.isEmpty {
            line = style.green("No secrets found")
        } else {
            let breakdown = Confidence.allCases.reversed().compactMap { level in
                counts[level].map { "\($0) \(level.rawValue)" }
            }.joined(separator: ", ")
            line =
                style.bold("\(result.findings.count) secret\(result.findings.count == 1 ? "" : "s") found")
                + " (\(breakdown)) in \(files) file\(files == 1 ? "" : "s")"
        }
        let unit = result.statistics.unit
        line +=
            "; scanned \(result.statistics.filesScanned) \(unit)\(result.statistics.filesScanned == 1 ? "" : "s"), \(Self.byteCount(result.statistics.bytesScanned))"
        if !result.skipped.isEmpty {
            let reasons = Dictionary(grouping: result.skipped, by: \.reason).map {
                "\($0.value.count) \($0.key.rawValue)"
            }.sorted()
            line += "; skipped \(result.skipped.count) (\(reasons.joined(separator: ", ")))"
            if result.skipped.contains(where: { !$0.isError }) { line += ", --verbose lists them" }
        }
        if let suppression = result.suppression, !suppression.suppressed.isEmpty || !suppression.unused.isEmpty {
            let count = suppression.suppressed.count
            let gitleaks = suppression.suppressed.contains { $0.by.source.hasPrefix(IgnoreFile.gitleaksFileName) }
            let sources = gitleaks ? ".lingerignore, .gitleaksignore, allow list" : ".lingerignore, allow list"
            line += "\nSuppressed: \(count) finding\(count == 1 ? "" : "s") (\(sources))"
            if !suppression.unused.isEmpty {
                line +=
                    "; \(suppression.unused.count) entr\(suppression.unused.count == 1 ? "y" : "ies") matched nothing:"
                for entry in suppression.unused { line += "\n  \(entry.source)  \(entry.text)" }
            }
        }
        if let baseline = result.baseline {
            line += "\nBaseline: \(baseline.known.count) known secret\(baseline.known.count == 1 ? "" : "s") not shown"
            if baseline.overdue > 0 { line += "; \(baseline.overdue) shown because live past the deadline" }
            if !baseline.unmatched.isEmpty {
                line +=
                    "; \(baseline.unmatched.count) entr\(baseline.unmatched.count == 1 ? "y" : "ies") matched nothing:"
                for entry in baseline.unmatched {
                    line += "\n  " + entry.label
                }
            }
        }
        let unreachable = result.statistics.unreachableSecrets
        if unreachable > 0 {
            line +=
                "\n\(unreachable) more secret\(unreachable == 1 ? "" : "s") only in objects no reference reaches "
                + "(deleted, not yet garbage-collected): --all-objects shows them"
        }
        if result.isIncomplete { line += "\n" + style.yellow("The scan is incomplete: some inputs could not be read.") }
        return line
    }

    /// Places listed per secret in text (JSON lists up to the grouping limit).
    static let placesShown = 5

    /// Findings per rule and per verdict.
    static func table(_ result: ScanResult) -> String {
        let verdicts = Verdict.allCases
        let rows = result.countsByRuleAndVerdict
        let width = max(4, rows.map(\.rule.count).max() ?? 4)
        var out = "rule".padding(toLength: width, withPad: " ", startingAt: 0)
        for verdict in verdicts { out += "  " + verdict.rawValue }
        out += "  total\n"
        for row in rows {
            out += row.rule.padding(toLength: width, withPad: " ", startingAt: 0)
            for verdict in verdicts {
                let count = String(row.counts[verdict] ?? 0)
                out += "  " + String(repeating: " ", count: max(0, verdict.rawValue.count - count.count)) + count
            }
            let total = String(row.counts.values.reduce(0, +))
            out += "  " + String(repeating: " ", count: max(0, 5 - total.count)) + total + "\n"
        }
        return out
    }

    static func byteCount(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1024 * 1024 { return String(format: "%.1f KiB", Double(bytes) / 1024) }
        return String(format: "%.1f MiB", Double(bytes) / 1024 / 1024)
    }

    /// Colour, marked while the report is built and turned into escape sequences only after the
    /// text was neutralised. A mark is private-use characters around a random nonce the scanned
    /// content cannot know, so content cannot forge one.
    struct Style {
        let enabled: Bool
        let nonce = UInt64.random(in: 1...UInt64.max)
        static let codes = ["0", "1", "2", "31", "32", "33", "36"]
        func mark(_ code: String) -> String { "\u{E000}\(nonce):\(code)\u{E001}" }
        func wrap(_ code: String, _ text: String) -> String { enabled ? mark(code) + text + mark("0") : text }
        func restore(_ text: String) -> String {
            guard enabled else { return text }
            var result = text
            for code in Self.codes { result = result.replacingOccurrences(of: mark(code), with: "\u{1B}[\(code)m") }
            return result
        }
        func bold(_ text: String) -> String { wrap("1", text) }
        func dim(_ text: String) -> String { wrap("2", text) }
        func red(_ text: String) -> String { wrap("31", text) }
        func green(_ text: String) -> String { wrap("32", text) }
        func yellow(_ text: String) -> String { wrap("33", text) }
        func cyan(_ text: String) -> String { wrap("36", text) }
    }
}
