import Foundation

/// What to scan, and how: everything `linger scan` is told, in the library's terms.
public struct ScanRequest: Sendable {
    /// Where the content comes from.
    public enum Input: Sendable, Equatable {
        /// A directory (walked) or a single file.
        case path(String)
        /// Standard input (or any descriptor), reported under `name`.
        case stream(descriptor: Int32, name: String)
        /// A git repository: its history, a range of commits, or what is staged.
        case repository(String, GitScanMode)
    }

    public var input: Input
    public var rules: CompiledRules
    /// The operator's configuration (`--config`, `LINGER_CONFIG`); nil looks for the user's own file.
    public var operatorConfig: String?
    /// `--ignore-file`; nil takes the nearest `.lingerignore`.
    public var ignoreFile: String?
    /// The time verdicts are judged and the ledger written at.
    public var now = Date()
    public var maxFileSize = 10 * 1024 * 1024
    public var jobs = Processors.active
    /// Keep candidates that checks turned down, with the reason.
    public var explainDrops = false
    public var decodeEncodedContent = true
    /// Whether history sweeps scan only what each delta adds (`--full-blobs` turns it off).
    public var deltaAware = true
    /// Open archives and compressed streams, decode UTF-16, read executables' strings.
    public var openContainers = true
    /// Why live checks must not run, when they must not (`--no-verify`, `LINGER_NO_VERIFY`).
    public var liveChecksOff: String?
    /// The ledger to record in (nil: none). Created when missing.
    public var ledger: LedgerAddress?
    /// A ledger to read overdue secrets from for the baseline, without recording.
    public var baselineLedger: LedgerAddress?
    /// Known secrets (`--baseline`), and the deadline in days for those the ledger shows live.
    public var baseline: String?
    public var sla: Int?
    /// Keep suppression entries that matched nothing (otherwise they are dropped from the outcome).
    public var reportUnusedIgnores = false
    /// Decides every secret's identity: the same key must be used for a scan and its rechecks.
    public var fingerprintKey = FingerprintKey.fromEnvironment()
    /// Counts blobs as a history is read (for a progress display).
    public var progress: ScanProgress?
    /// The walk of the `.path` input, started before the rules were ready (`DirectoryListing`,
    /// leaving out the rules' database cache); a listing of another path is not used.
    public var listing: DirectoryListing?

    public init(input: Input, rules: CompiledRules) {
        self.input = input
        self.rules = rules
    }
}

/// What a pipeline run produced: the result to report, and what to tell the user beside it.
public struct ScanRun: Sendable {
    public var result = ScanResult()
    /// Warnings and notes, one line each, in the order they arose (config refusals, expired
    /// ignore entries, the ledger's summary).
    public var notices: [String] = []
    /// What the ledger recorded, when it was asked to.
    public var recorded: LedgerRecording?
    /// Why recording in the ledger failed, when it did: the findings still stand, the run is an error.
    public var ledgerFailure: String?
}

/// The whole scan `linger scan` runs, as named stages read top to bottom:
/// settings → inputs, matching and analysis (with key–certificate links) → suppression →
/// live checks → baseline → ledger. The CLI parses arguments, prints and maps the outcome to an
/// exit code; `recheck` and `revoke` build their scanners from the same settings.
public struct ScanPipeline: Sendable {
    public let request: ScanRequest

    public init(_ request: ScanRequest) { self.request = request }

    public func run() throws -> ScanRun {
        // A walk started early is ended on any way out (after a scan, it has ended already).
        defer { request.listing?.cancel() }
        var run = ScanRun()
        let settings = try resolveSettings()
        run.notices += settings.config.refused.map { "warning: \($0)" }
        run.result = try scanInputs(settings)
        try suppress(&run, settings)
        verify(&run.result, settings)
        try applyBaselineAndRecord(&run, settings)
        return run
    }

    /// `request.listing`, when it walks the `.path` input.
    var listing: DirectoryListing? {
        guard let listing = request.listing, case .path(let path) = request.input, listing.path == path else { return nil }
        return listing
    }

    // MARK: Stage 1: settings, resolved once

    /// Everything a scan decides before reading content.
    public struct Settings: Sendable {
        public var config: LingerConfig
        /// Where the scanned path sits in its work tree (nil for a stream).
        public var place: RepositoryPlace?
        public var options: ScanOptions
        public var scanner: SecretScanner
    }

    /// `--config` (or `LINGER_CONFIG`), else the nearest `.linger.yml` from the scanned folder up
    /// to its work tree's top, restricted to what scanned content may set, under the user's own
    /// file; then the analysers' settings, and the scanner with the fingerprint key.
    public func resolveSettings() throws -> Settings {
        let place: RepositoryPlace? = listing?.place ?? request.input.path.map { RepositoryPlace(scanning: $0) }
        var config = try LingerConfig.resolve(
            operatorFile: request.operatorConfig, repositoryFile: place?.nearest(LingerConfig.fileName)?.file)
        config.resolveRuleAliases(request.rules.ruleSet)
        // Globs in a `.linger.yml` are relative to its own folder.
        config.jwt.pathBase = place?.base(of: config.sectionDirectories["jwt"] ?? "") ?? ""
        let root = request.input.path ?? FileManager.default.currentDirectoryPath
        var options = try ScanOptions.analysing(with: config, now: request.now, repositoryName: Self.repositoryName(root))
        options.maxFileSize = request.maxFileSize
        options.jobs = request.jobs
        options.explainDrops = request.explainDrops
        options.decodeEncodedContent = request.decodeEncodedContent
        options.openContainers = request.openContainers
        options.deltaAware = request.deltaAware
        let scanner = SecretScanner(rules: request.rules, options: options, fingerprintKey: request.fingerprintKey)
        return Settings(config: config, place: place, options: options, scanner: scanner)
    }

    /// The repository's name is a passphrase candidate for encrypted keys (`service.git` → service).
    static func repositoryName(_ path: String) -> String? {
        var name = PathName.name(URL(fileURLWithPath: path).standardizedFileURL.path)
        if name.hasSuffix(".git") { name.removeLast(4) }
        return name.isEmpty || name == "/" ? nil : name
    }

    // MARK: Stage 2: inputs, matching, analysis, key links

    func scanInputs(_ settings: Settings) throws -> ScanResult {
        switch request.input {
        case .repository(let path, let mode):
            return try settings.scanner.scan(repository: path, mode: mode, progress: request.progress)
        case .stream(let descriptor, let name):
            return try settings.scanner.scan(descriptor: descriptor, name: name)
        case .path(let path):
            if let listing { return try settings.scanner.scan(listing: listing) }
            return try settings.scanner.scan(
                directory: DirectoryInput(
                    root: path, displayPrefix: settings.place?.prefix ?? "",
                    excludedFolders: request.rules.cacheDirectory.map { [$0] } ?? []))
        }
    }

    // MARK: Stage 3: suppression

    /// `.lingerignore` (or `--ignore-file`) and the configuration's allow list.
    func suppress(_ run: inout ScanRun, _ settings: Settings) throws {
        let place = settings.place
        // --ignore-file, else the nearest `.lingerignore` from the scanned folder up to the top.
        var file = request.ignoreFile
        var ignoreBase = file.flatMap { place?.base(of: PathName.parent($0)) } ?? ""
        if file == nil, let nearest = place?.nearest(IgnoreFile.fileName) {
            (file, ignoreBase) = (nearest.file, nearest.base)
        }
        var ignore = try file.map(IgnoreFile.load) ?? IgnoreFile()
        // gitleaks' `.gitleaksignore` too, where a team kept one: its rule names are resolved
        // through the rules' aliases, its paths are relative to its own folder.
        if request.ignoreFile == nil, let nearest = place?.nearest(IgnoreFile.gitleaksFileName) {
            ignore.places += try IgnoreFile.load(file: nearest.file).places.map { entry in
                var entry = entry
                entry.base = nearest.base
                return entry
            }
        }
        for index in ignore.places.indices {
            ignore.places[index].ruleIDs = request.rules.ruleSet.ruleIDs(named: ignore.places[index].rule)
            if request.ignoreFile != nil { ignore.places[index].base = ignoreBase }
        }
        var suppressor = Suppressor(ignore: ignore, allow: settings.config.allow, now: request.now)
        suppressor.ignoreBase = ignoreBase
        suppressor.allowBase = place?.base(of: settings.config.sectionDirectories["allow"] ?? "") ?? ""
        guard !suppressor.isEmpty else { return }
        suppressor.apply(to: &run.result)
        guard let outcome = run.result.suppression else { return }
        run.notices += outcome.expired.map { "\($0.source): `\($0.text)` expired; it no longer applies" }
        if request.reportUnusedIgnores {
            run.notices += outcome.unused.map { "\($0.source): `\($0.text)` matched nothing" }
        } else {
            run.result.suppression?.unused = []
        }
    }

    // MARK: Stage 4: live checks

    /// Asks providers (for rules that say how), unless checks are off; then every secret whose
    /// check did not run says why.
    func verify(_ result: inout ScanResult, _ settings: Settings) {
        let mode: LiveCheckMode
        switch request.input {
        case .repository(_, .staged):
            mode = .off(reason: "live checks do not run for --staged")
        case .stream:
            mode = .off(reason: "live checks do not run for standard input")
        default:
            if let reason = request.liveChecksOff {
                mode = .off(reason: reason)
            } else {
                Verifier(settings: settings.config.verification).verify(&result)
                mode = .ran
            }
        }
        result.noteUncheckedSecrets(mode)
    }

    // MARK: Stage 5 and 6: baseline, ledger

    /// Sets baselined findings aside (unless the ledger shows them live past their deadline),
    /// then records everything found in the ledger. A ledger that cannot be opened or written is
    /// reported in `ledgerFailure`: the findings still stand.
    func applyBaselineAndRecord(_ run: inout ScanRun, _ settings: Settings) throws {
        let address = request.ledger ?? request.baselineLedger
        guard request.ledger != nil || request.baseline != nil else { return }
        var ledger: (any LedgerStore)?
        if let address {
            do {
                ledger = try address.open()
            } catch {
                run.ledgerFailure = String(describing: error)
            }
        }
        if let baseline = request.baseline {
            let known = try Baseline.load(file: baseline)
            var overdueLive = Set<String>()
            if let ledger {
                let status = HygieneStatus(
                    secrets: try ledger.secrets(), checks: [:], ledger: ledger.location, now: request.now,
                    deadline: { settings.config.sla.days(for: $0, base: request.sla) })
                overdueLive = Set(status.secrets.filter(\.isLiveOverdue).map(\.fingerprint))
            }
            known.apply(to: &run.result) { overdueLive.contains($0) }
        }
        guard request.ledger != nil, let ledger else { return }
        do {
            let recorded = try ledger.record(run.result, repository: recordedRepository(), at: request.now)
            run.recorded = recorded
            var message = "ledger \(ledger.location): \(HygieneTextReport.plural(recorded.newSecrets, "new secret"))"
            message +=
                ", \(recorded.secretsSeen) seen, \(HygieneTextReport.plural(recorded.newOccurrences, "new place"))"
            if recorded.reopened > 0 { message += ", \(recorded.reopened) resolved secret(s) found again and reopened" }
            run.notices.append(message)
        } catch {
            run.ledgerFailure = "recording in the ledger: \(error)"
        }
    }

    /// How the ledger names the scanned repository: its `origin` (without credentials) for a git
    /// scan, else its path; and where it is on this machine, to re-read secrets from later.
    func recordedRepository() -> LedgerRepository {
        let path = request.input.path ?? "."
        let location = URL(fileURLWithPath: path).standardizedFileURL.path
        if case .repository = request.input, let repository = try? GitRepository(path: path) {
            let root = Ledger.repositoryRoot(for: path)
            return LedgerRepository(identity: repository.originURL ?? root, location: root)
        }
        return LedgerRepository(identity: location, location: location)
    }
}

extension ScanRequest.Input {
    /// The scanned path, for everything but a stream.
    public var path: String? {
        switch self {
        case .path(let path), .repository(let path, _): return path
        case .stream: return nil
        }
    }
}

extension ScanPipeline {
    /// The scanner `recheck` and `revoke` re-read secrets with: the configuration's analysers,
    /// one worker, and the fingerprint key — the same identity as the scan that recorded them.
    public static func rescanner(
        rules: CompiledRules, config: LingerConfig, now: Date,
        fingerprintKey: FingerprintKey = .fromEnvironment()
    ) -> (_ location: String) throws -> SecretScanner {
        { location in
            var options = try ScanOptions.analysing(with: config, now: now, repositoryName: repositoryName(location))
            options.jobs = 1
            return SecretScanner(rules: rules, options: options, fingerprintKey: fingerprintKey)
        }
    }
}

/// The key fingerprints are made with: Linger's default, or `$LINGER_FINGERPRINT_KEY` when an
/// organisation wants fingerprints only it can reproduce.
public struct FingerprintKey: Sendable, Equatable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public static let standard = FingerprintKey(bytes: FindingBuilder.defaultFingerprintKey)

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> FingerprintKey
    {
        if let key = environment["LINGER_FINGERPRINT_KEY"], !key.isEmpty { return FingerprintKey(bytes: Array(key.utf8)) }
        return .standard
    }
}
