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

            With --git, PATH is a git repository (work tree or bare) and Linger reads its history \
            through libgit2: every blob reachable from any reference, each unique blob once. \
            --since REV and --range A..B scan only what those commits introduced (for CI); \
            --staged scans what the index adds over HEAD and reports only added lines (for \
            pre-commit hooks).

            Exit codes: 0 nothing fails the gate; 1 findings fail the gate (--fail-on); 2 usage \
            or fatal error, or some input could not be read and nothing failed the gate; 3 a live \
            secret was found.
            """)

    @Argument(
        help: ArgumentHelp(
            "Directory or file to scan, - for standard input, or the repository with --git, --since, --range or --staged.",
            valueName: "path"))
    var path: String = "."

    @Flag(
        help: "Scan the repository's history: every blob reachable from any branch, tag, remote-tracking ref or stash.")
    var git = false

    @Flag(help: "With --git, also scan blobs that no reference reaches (deleted, not yet garbage-collected).")
    var allObjects = false

    @Flag(
        help: """
            With --git, read every blob through libgit2 and scan it whole, instead of scanning \
            only what each packed delta changes (the results are the same; this is slower).
            """)
    var fullBlobs = false

    @Option(help: ArgumentHelp("Scan only what commits after REV introduce (REV..HEAD).", valueName: "rev"))
    var since: String?

    @Option(help: ArgumentHelp("Scan only what the commits in A..B introduce.", valueName: "A..B"))
    var range: String?

    @Flag(help: "Scan what the index adds or changes over HEAD; report only matches on added lines.")
    var staged = false

    @Flag(help: "No progress display on standard error (it is shown only on a terminal).")
    var noProgress = false

    @OptionGroup var settings: SettingsOptions

    @Flag(help: "One finding per place a secret was found, instead of one per secret with its places.")
    var ungrouped = false

    @Option(help: "Rule ids in reports: linger's own, or gitleaks' where a rule covers one of its rules.")
    var ruleIds: RuleIDStyle = .linger

    enum RuleIDStyle: String, ExpressibleByArgument, CaseIterable { case linger, gitleaks }

    @Option(name: .shortAndLong, help: "Report format: text, json, jsonl, sarif, junit or csv.")
    var format: ReportFormat = .text

    @OptionGroup var destination: OutputOption
    var output: String? { destination.output }

    @Option(
        name: .customLong("report"),
        help: ArgumentHelp(
            "Also write a report in FORMAT to PATH (mode 0600), e.g. sarif=linger.sarif; repeatable. One scan, several reports.",
            valueName: "format=path"))
    var reports: [ReportDestination] = []

    @Flag(help: "Show secrets in full instead of a short prefix then ***. Ignored when CI=true: CI logs are shared.")
    var showSecrets = false

    @Option(
        help:
            "What fails the gate (exit 1): any finding, medium or high confidence, high only, unverified (live or not confirmed dead), or only live secrets. A live secret always exits 3."
    )
    var failOn: GateThreshold = .any

    @Option(
        help: ArgumentHelp("Skip files larger than this; accepts K, M, G suffixes (binary units).", valueName: "size"))
    var maxFileSize: ByteSize = ByteSize(bytes: 10 * 1024 * 1024)

    @Option(name: .shortAndLong, help: "Worker threads (default: number of cores).")
    var jobs: Int = Processors.active

    @Option(help: ArgumentHelp("Name standard input has in reports.", valueName: "name"))
    var stdinName = "<stdin>"

    @Option(help: "Colour in text output: auto (only on a terminal), always or never.")
    var color: ColorChoice = .auto

    @Flag(
        name: .shortAndLong,
        help: "Also list every skipped input and every candidate a check turned down, with the reason.")
    var verbose = false

    @Flag(help: "Do not decode base64 and hex runs to scan what they hold (decoding is on by default).")
    var noDecode = false

    @Flag(
        help: """
            Do not open archives and compressed files (zip, jar, tar, gzip, bzip2), decode UTF-16 \
            or read executables' strings: treat them as binary and skip them.
            """)
    var noArchives = false

    @Flag(
        help:
            "Do not ask providers whether secrets work (live checks are on except for --staged and standard input; LINGER_NO_VERIFY=1 turns them off too)."
    )
    var noVerify = false

    @Option(
        help: ArgumentHelp(
            "Fingerprints and paths not to report (default: .lingerignore in the scanned folder or repository, if there is one).",
            valueName: "file"))
    var ignoreFile: String?

    @Flag(help: "List .lingerignore and allow-list entries that matched nothing in this scan.")
    var reportUnusedIgnores = false

    @Flag(help: "Record the findings in the ledger (.linger/ledger.sqlite at the top of the scanned repository).")
    var ledger = false

    @Option(
        name: .customLong("ledger-path"),
        help: ArgumentHelp("Record the findings in this ledger file (implies --ledger).", valueName: "file"))
    var ledgerPath: String?

    @Option(
        name: .customLong("ledger-url"),
        help: ArgumentHelp(
            "Record the findings in a PostgreSQL ledger (implies --ledger): postgresql://USER@HOST[:PORT]/DATABASE; also LINGER_LEDGER_URL with --ledger.",
            valueName: "url"))
    var ledgerURL: String?

    @Option(
        help: ArgumentHelp(
            "Known secrets (from `linger baseline`, or a JSON report): they neither show nor fail the gate, unless the ledger shows them live past their deadline.",
            valueName: "file"))
    var baseline: String?

    @Option(help: "With --baseline: days after notification a secret must be rotated by (default 5).")
    var sla: Int?

    @OptionGroup var ruleOptions: RuleOptions

    enum ColorChoice: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    func validate() throws { try invocation.validate() }

    /// The command line's values, as plain values: what runs the scan.
    var invocation: ScanInvocation {
        var values = ScanInvocation()
        values.path = path
        values.git = git
        values.allObjects = allObjects
        values.fullBlobs = fullBlobs
        values.since = since
        values.range = range
        values.staged = staged
        values.noProgress = noProgress
        values.config = settings.config
        values.now = settings.now
        values.ungrouped = ungrouped
        values.ruleIds = ruleIds
        values.format = format
        values.output = destination.output
        values.reports = reports
        values.showSecrets = showSecrets
        values.failOn = failOn
        values.maxFileSize = maxFileSize.bytes
        values.jobs = jobs
        values.stdinName = stdinName
        values.color = color
        values.verbose = verbose
        values.noDecode = noDecode
        values.noArchives = noArchives
        values.noVerify = noVerify
        values.ignoreFile = ignoreFile
        values.reportUnusedIgnores = reportUnusedIgnores
        values.ledger = ledger
        values.ledgerPath = ledgerPath
        values.ledgerURL = ledgerURL
        values.baseline = baseline
        values.sla = sla
        values.extraRules = ruleOptions.extraRules
        values.onlyRules = ruleOptions.onlyRules
        values.noCache = ruleOptions.noCache
        values.cacheDirectory = ruleOptions.cacheDirectory
        return values
    }

    func run() throws { try invocation.run() }
}

/// What `linger scan` was asked, as plain values. ArgumentParser fills it from any command line
/// (`ScanCommand.invocation`); the common ones — a pre-commit hook's flags, a path, a report
/// format — are read without it (`ScanInvocation.fast`), since building `scan`'s forty options by
/// reflection was a sixth of a hook's run. A test checks that both readings agree on every
/// command line the fast one takes.
struct ScanInvocation: Equatable {
    var path = "."
    var git = false
    var allObjects = false
    var fullBlobs = false
    var since: String?
    var range: String?
    var staged = false
    var noProgress = false
    var config: String?
    var now: String?
    var ungrouped = false
    var ruleIds: ScanCommand.RuleIDStyle = .linger
    var format: ReportFormat = .text
    var output: String?
    var reports: [ReportDestination] = []
    var showSecrets = false
    var failOn: GateThreshold = .any
    var maxFileSize = 10 * 1024 * 1024
    var jobs = Processors.active
    var stdinName = "<stdin>"
    var color: ScanCommand.ColorChoice = .auto
    var verbose = false
    var noDecode = false
    var noArchives = false
    var noVerify = false
    var ignoreFile: String?
    var reportUnusedIgnores = false
    var ledger = false
    var ledgerPath: String?
    var ledgerURL: String?
    var baseline: String?
    var sla: Int?
    var extraRules: [String] = []
    var onlyRules: [String] = []
    var noCache = false
    var cacheDirectory: String?

    /// `arguments` (after the program name) read without ArgumentParser, when they are `scan`
    /// and flags without values (a hook's invocation is `linger scan --staged --no-progress`),
    /// at most one path (not starting with `-`), at most one `--format`/`-f` with a format's
    /// name, one `--output`/`-o` with a file and one `--jobs`/`-j` with a number, each at most
    /// once, that pass `validate()`; otherwise nil, and ArgumentParser reads them. (A directory
    /// scan of /usr/include spends 3 ms of its 160 in ArgumentParser.)
    /// The short options `fast` reads, by their long names.
    private static let longNames = ["-v": "--verbose", "-f": "--format", "-o": "--output", "-j": "--jobs"]

    static func fast(_ arguments: [String]) -> ScanInvocation? {
        guard arguments.first == "scan" else { return nil }
        var invocation = ScanInvocation()
        var seen = Set<String>()
        var rest = arguments.dropFirst()[...]
        while let argument = rest.popFirst() {
            if !argument.hasPrefix("-") {
                guard seen.insert("path").inserted, argument != "help" else { return nil }
                invocation.path = argument
                continue
            }
            let flag = Self.longNames[argument] ?? argument
            guard seen.insert(flag).inserted else { return nil }
            switch flag {
            case "--format":
                guard let name = rest.popFirst(), let format = ReportFormat(rawValue: name) else { return nil }
                invocation.format = format
            case "--output":
                // A value that reads as an option is ArgumentParser's to judge.
                guard let file = rest.popFirst(), !file.isEmpty, !file.hasPrefix("-") else { return nil }
                invocation.output = file
            case "--jobs":
                guard let text = rest.popFirst(), !text.hasPrefix("-"), let jobs = Int(text) else { return nil }
                invocation.jobs = jobs
            case "--staged": invocation.staged = true
            case "--no-progress": invocation.noProgress = true
            case "--no-verify": invocation.noVerify = true
            case "--verbose": invocation.verbose = true
            case "--ungrouped": invocation.ungrouped = true
            case "--no-decode": invocation.noDecode = true
            case "--no-archives": invocation.noArchives = true
            case "--show-secrets": invocation.showSecrets = true
            case "--report-unused-ignores": invocation.reportUnusedIgnores = true
            case "--git": invocation.git = true
            case "--all-objects": invocation.allObjects = true
            case "--full-blobs": invocation.fullBlobs = true
            case "--no-cache": invocation.noCache = true
            default: return nil
            }
        }
        guard (try? invocation.validate()) != nil else { return nil }
        return invocation
    }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        let modes = [git, since != nil, range != nil, staged].filter { $0 }.count
        if modes > 1 { throw ValidationError("choose one of --git, --since, --range and --staged") }
        if allObjects && !git { throw ValidationError("--all-objects goes with --git") }
        if fullBlobs && !git { throw ValidationError("--full-blobs goes with --git") }
        if path == "-" && modes > 0 { throw ValidationError("standard input is not a repository") }
        if (ledger || ledgerPath != nil || ledgerURL != nil) && path == "-" {
            throw ValidationError("--ledger: standard input cannot be re-read later; scan a file or repository")
        }
        if let range, Self.splitRange(range) == nil {
            throw ValidationError("--range takes A..B (two revisions), not \"\(range)\"")
        }
    }

    static func splitRange(_ text: String) -> (String, String)? {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2, !parts[1].isEmpty, !parts[1].hasPrefix(".") else { return nil }
        return (parts[0].isEmpty ? "HEAD" : parts[0], parts[1])
    }

    var gitMode: GitScanMode? {
        if git { return .history(includeUnreachable: allObjects) }
        if let since { return .range(include: ["HEAD"], exclude: [since]) }
        if let range, let (from, to) = Self.splitRange(range) { return .range(include: [to], exclude: [from]) }
        if staged { return .staged }
        return nil
    }

    /// The scanned input, in the pipeline's terms.
    var input: ScanRequest.Input {
        if let gitMode { return .repository(path, gitMode) }
        if path == "-" { return .stream(descriptor: STDIN_FILENO, name: stdinName) }
        return .path(path)
    }

    /// The ledger this scan records in: --ledger-url, --ledger-path, or with --ledger
    /// LINGER_LEDGER_URL or the default file.
    func recordingLedger() throws -> LedgerAddress? {
        guard ledger || ledgerPath != nil || ledgerURL != nil else { return nil }
        return try LedgerAddress.resolve(
            url: ledgerURL, path: ledgerPath, fallback: { Ledger.defaultPath(in: Ledger.repositoryRoot(for: path)) })
    }

    func run() throws {
        if gitMode != nil || (path != "-" && RepositoryPlace.mayLieInRepository(path)) {
            GitRepository.startLibraryInBackground()
        }
        // The walk starts now, beside the rules' start, which leaves a core idle. It leaves out
        // the database cache, where a cold start is about to write.
        let cache = RuleOptions.cacheFolder(noCache: noCache, cacheDirectory: cacheDirectory)
        let listing =
            gitMode == nil && path != "-" ? DirectoryListing(path: path, excludedFolders: cache.map { [$0] } ?? []) : nil
        var request = ScanRequest(input: input, rules: RuleOptions.compile(
                extra: extraRules, only: onlyRules, noCache: noCache, cacheDirectory: cacheDirectory, examples: false))
        request.listing = listing
        request.operatorConfig = config
        request.ignoreFile = ignoreFile
        request.now = now.flatMap(Timestamp.parse) ?? Date()
        request.maxFileSize = maxFileSize
        request.jobs = jobs
        request.explainDrops = verbose
        request.decodeEncodedContent = !noDecode
        request.openContainers = !noArchives
        request.deltaAware = !fullBlobs
        request.liveChecksOff = Self.liveChecksOff(noVerify: noVerify)
        do {
            request.ledger = try recordingLedger()
        } catch {
            fail(String(describing: error))
        }
        if request.ledger == nil && baseline != nil {
            // With only --baseline, the default ledger if there is one: it says which known secrets are overdue.
            let defaultPath = Ledger.defaultPath(in: Ledger.repositoryRoot(for: path))
            if FileManager.default.fileExists(atPath: defaultPath) { request.baselineLedger = .file(defaultPath) }
        }
        request.baseline = baseline
        request.sla = sla
        request.reportUnusedIgnores = reportUnusedIgnores
        var display: ProgressDisplay?
        if gitMode != nil && !noProgress && FileHandleOutput.isTerminal(STDERR_FILENO) {
            let progress = ScanProgress()
            request.progress = progress
            display = ProgressDisplay(progress: progress)
        }
        display?.start()
        let started = Date()
        let run: ScanRun
        do {
            run = try ScanPipeline(request).run()
        } catch {
            display?.stop()
            fail(String(describing: error))
        }
        display?.stop()
        for notice in run.notices { FileHandleOutput.standardError.write("linger: \(TerminalText.neutralise(notice))\n") }
        var result = run.result
        // The ledger saw every place; reports show one finding per secret unless asked not to.
        if !ungrouped { result.groupBySecret() }
        if ruleIds != .linger { result.nameRules(as: ruleIds.rawValue) }
        try report(result, started: started)
        // The findings were printed; a ledger that could not be written is still an error.
        if let failure = run.ledgerFailure { fail(failure) }
        let outcome = GateOutcome(result: result, threshold: failOn)
        if outcome != .passed { throw ExitCode(outcome.exitStatus) }
    }

    /// The report to standard output (or --output), and each --report file.
    func report(_ result: ScanResult, started: Date) throws {
        let useColor: Bool
        switch color {
        case .always: useColor = true
        case .never: useColor = false
        case .auto:
            useColor =
                output == nil && FileHandleOutput.isTerminal(STDOUT_FILENO)
                && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        }
        var reveal = showSecrets
        if showSecrets && Self.isCI() {
            // CI logs and artifacts are read by many: secrets stay redacted there.
            FileHandleOutput.standardError.write("linger: CI=true: --show-secrets ignored; secrets stay redacted\n")
            reveal = false
        }
        var reportOptions = ReportOptions(showSecrets: reveal, color: useColor, verbose: verbose)
        reportOptions.scanStarted = started
        reportOptions.scanEnded = Date()
        if gitMode == nil && ([format] + reports.map(\.format)).contains(.gitlabSecretDetection) {
            // GitLab's report names a commit for every finding: a folder's is its work tree's HEAD.
            reportOptions.scannedCommit = try? GitRepository(path: path).resolveCommit("HEAD").description
        }
        do {
            try FileHandleOutput.emit(try format.report.render(result, options: reportOptions), to: output)
            // Files never carry colour, whatever the terminal.
            var fileOptions = reportOptions
            fileOptions.color = false
            for destination in reports {
                try FileHandleOutput.writeFile(
                    try destination.format.report.render(result, options: fileOptions), to: destination.path)
            }
        } catch {
            fail(String(describing: error))
        }
    }

    /// Why live checks are off (--no-verify, or LINGER_NO_VERIFY=1), or nil when they run.
    static func liveChecksOff(
        noVerify: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if noVerify { return "--no-verify" }
        guard let value = environment["LINGER_NO_VERIFY"]?.lowercased() else { return nil }
        return value == "1" || value == "true" || value == "yes" ? "LINGER_NO_VERIFY" : nil
    }

    static func isCI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["CI"]?.lowercased() else { return false }
        return value == "true" || value == "1" || value == "yes"
    }

}

extension ReportFormat: ExpressibleByArgument {}

/// `--report FORMAT=PATH`: a report written to a file beside the main one.
struct ReportDestination: ExpressibleByArgument, Equatable {
    var format: ReportFormat
    var path: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="),
            let format = ReportFormat(rawValue: String(argument[..<equals]).lowercased())
        else { return nil }
        let path = String(argument[argument.index(after: equals)...])
        guard !path.isEmpty else { return nil }
        self.format = format
        self.path = path
    }
}
extension GateThreshold: ExpressibleByArgument {}

/// A size with an optional binary suffix: `512`, `64K`, `10M`, `1G` (also `KiB`, `MB`, …).
struct ByteSize: ExpressibleByArgument {
    var bytes: Int

    init(bytes: Int) { self.bytes = bytes }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = text.prefix { $0.isNumber }
        guard let number = Int(digits), number > 0 else { return nil }
        let multipliers: [String: Int] = [
            "": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20,
            "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30,
        ]
        guard let multiplier = multipliers[String(text.dropFirst(digits.count))] else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        bytes = product
    }

    var defaultValueDescription: String { "\(bytes / (1024 * 1024))M" }
}
