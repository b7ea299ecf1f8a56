import Foundation

/// `--format junit`: JUnit XML, which CI dashboards (GitLab, Jenkins, Azure DevOps) read. Each
/// finding is a failed test case named after its rule and location; a clean scan is one passing
/// case; skipped inputs are skipped cases.
public struct JUnitReport: Report {
    public init() {}

    public func render(_ result: ScanResult, options: ReportOptions) throws -> Data {
        var cases = [String]()
        for finding in result.findings {
            let location = "\(finding.path):\(finding.region.line):\(finding.region.column)"
            var detail = "\(finding.ruleName) at \(location)\n"
            detail += "confidence: \(finding.confidence.rawValue); fingerprint: \(finding.fingerprint)\n"
            detail += "line: \(finding.contextLine(showSecret: options.showSecrets))\n"
            if let commit = finding.provenance?.commit {
                detail += "commit: \(commit.id) by \(commit.authorName) <\(commit.authorEmail)>: \(commit.summary)\n"
            }
            cases.append(
                """
                    <testcase classname="\(Self.escape(finding.path))" name="\(Self.escape("\(finding.ruleID) at \(location)"))">
                      <failure type="\(Self.escape(finding.ruleID))" message="\(Self.escape("\(finding.ruleName): \(finding.shownSecret(options))"))">\(Self.escape(detail))</failure>
                    </testcase>
                """)
        }
        for skip in result.skipped {
            let tag = skip.isError ? "error" : "skipped"
            cases.append(
                """
                    <testcase classname="\(Self.escape(skip.path))" name="\(Self.escape("not scanned: \(skip.path)"))">
                      <\(tag) message="\(Self.escape("\(skip.reason.rawValue): \(skip.detail)"))"/>
                    </testcase>
                """)
        }
        if result.findings.isEmpty {
            cases.append(
                """
                    <testcase classname="linger" name="no secrets found in \(result.statistics.filesScanned) \(result.statistics.unit)s"/>
                """)
        }
        let failures = result.findings.count
        let errors = result.skipped.filter(\.isError).count
        let skipped = result.skipped.count - errors
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="linger" tests="\(cases.count)" failures="\(failures)" errors="\(errors)" skipped="\(skipped)">
              <testsuite name="linger secret scan" tests="\(cases.count)" failures="\(failures)" errors="\(errors)" skipped="\(skipped)">
            \(cases.joined(separator: "\n"))
              </testsuite>
            </testsuites>

            """
        return Data(xml.utf8)
    }

    /// XML (and HTML) attribute and text escaping; control characters other than tab and newline
    /// are dropped (XML 1.0 cannot hold them).
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
