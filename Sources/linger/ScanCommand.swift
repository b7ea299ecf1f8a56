import ArgumentParser
import Foundation
import LingerKit

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan a directory, a file, or standard input for secrets.",
        discussion: """
            PATH is a directory (scanned recursively; .git folders skipped, symlinks not followed), \
            a file, or - for standard input. Secrets are redacted unless --show-secrets is given.

            Exit codes: 0 no findings; 1 findings; 2 usage or fatal error, or some input could \
            not be read and nothing was found.
            """)

    @Argument(help: ArgumentHelp("Directory or file to scan, or - for standard input.", valueName: "path"))
    var path: String = "."

    @Option(name: .shortAndLong, help: "Report format: text, json, jsonl or sarif.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the report to this file (mode 0600) instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(help: "Show secrets in full instead of a short prefix then ***.")
    var showSecrets = false

    @Option(help: ArgumentHelp("Skip files larger than this; accepts K, M, G suffixes (binary units).", valueName: "size"))
    var maxFileSize: ByteSize = ByteSize(bytes: 10 * 1024 * 1024)

    @Option(name: .shortAndLong, help: "Worker threads (default: number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: ArgumentHelp("Name standard input has in reports.", valueName: "name"))
    var stdinName = "<stdin>"

    @Option(help: "Colour in text output: auto (only on a terminal), always or never.")
    var color: ColorChoice = .auto

    @Flag(name: .shortAndLong, help: "Also list every skipped input and every candidate a check turned down, with the reason.")
    var verbose = false

    @OptionGroup var ruleOptions: RuleOptions

    enum ColorChoice: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let rules = ruleOptions.compiledRules()
        var options = ScanOptions()
        options.maxFileSize = maxFileSize.bytes
        options.jobs = jobs
        options.explainDrops = verbose
        let scanner = SecretScanner(rules: rules, options: options, fingerprintKey: Self.fingerprintKey())
        let result: ScanResult
        do {
            if path == "-" {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                result = try scanner.scan(bytes: [UInt8](data), name: stdinName)
            } else {
                result = try scanner.scan(directory: DirectoryInput(root: path))
            }
        } catch {
            fail(String(describing: error))
        }
        let useColor: Bool
        switch color {
        case .always: useColor = true
        case .never: useColor = false
        case .auto: useColor = output == nil && FileHandleOutput.isTerminal(STDOUT_FILENO) && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
        let reportOptions = ReportOptions(showSecrets: showSecrets, color: useColor, verbose: verbose)
        let data: Data
        do {
            data = try format.report.render(result, options: reportOptions)
            if let output {
                try FileHandleOutput.writeFile(data, to: output)
            } else {
                FileHandleOutput.standardOutput.write(data)
            }
        } catch {
            fail(String(describing: error))
        }
        if !result.findings.isEmpty { throw ExitCode(ExitStatus.findings) }
        if result.isIncomplete { throw ExitCode(ExitStatus.error) }
    }

    /// `$LINGER_FINGERPRINT_KEY`, when an organisation wants fingerprints only it can reproduce.
    static func fingerprintKey() -> [UInt8] {
        if let key = ProcessInfo.processInfo.environment["LINGER_FINGERPRINT_KEY"], !key.isEmpty { return Array(key.utf8) }
        return FindingBuilder.defaultFingerprintKey
    }
}

extension ReportFormat: ExpressibleByArgument {}

/// A size with an optional binary suffix: `512`, `64K`, `10M`, `1G` (also `KiB`, `MB`, …).
struct ByteSize: ExpressibleByArgument {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = text.prefix { $0.isNumber }
        guard let number = Int(digits), number > 0 else { return nil }
        let multipliers: [String: Int] = ["": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30]
        guard let multiplier = multipliers[String(text.dropFirst(digits.count))] else { return nil }
        bytes = number * multiplier
    }

    var defaultValueDescription: String { "\(bytes / (1024 * 1024))M" }
}
