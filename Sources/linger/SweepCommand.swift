import ArgumentParser
import Foundation
import LingerKit

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep many repositories' history into one ledger (SQLite or PostgreSQL).",
        discussion: """
            Reads every repository of a manifest (--manifest: one PATH [OWNER [TEAM]] per line, \
            tab-separated when a path has spaces) or every repository under a folder (--under), a \
            few at a time (--parallel), and records every secret and every place in one ledger. A \
            repository whose refs have not changed since its last recorded sweep is skipped \
            (--force sweeps it again). --shard I/N takes a stable share of the list (by a hash \
            of each path), so N machines — a Kubernetes Indexed Job, a CI matrix — sweep an \
            organisation into one PostgreSQL ledger; each repository records which machine swept \
            it. `linger status` over that ledger gives figures per repository, owner and team.

            Exit codes: 0 every repository swept (or unchanged) and recorded; 2 some repository \
            could not be read or recorded, or the ledger is unavailable (run it again: what was \
            recorded stays, the rest is completed).
            """)

    @Option(help: ArgumentHelp("A file listing the repositories: PATH [OWNER [TEAM]] per line.", valueName: "file"))
    var manifest: String?

    @Option(help: ArgumentHelp("Sweep every repository (work tree or bare clone) under this folder.", valueName: "folder"))
    var under: String?

    @Option(help: ArgumentHelp("This machine's share of the list: I/N, 0 <= I < N.", valueName: "I/N"))
    var shard: String?

    @Flag(help: "Print this shard's lines of the list (ENTRY<TAB>OWNER<TAB>TEAM) and sweep nothing: what a CI job clones before sweeping.")
    var list = false

    @Option(help: "Repositories swept at once.")
    var parallel = 2

    @Flag(help: "Sweep repositories whose refs have not changed since their last recorded sweep.")
    var force = false

    @Flag(help: "Make no live checks (also LINGER_NO_VERIFY=1).")
    var noVerify = false

    @Option(help: ArgumentHelp("The name recorded as the sweeping machine (default: the host name).", valueName: "name"))
    var machine: String?

    @Option(
        name: .customLong("ledger-path"),
        help: ArgumentHelp("An SQLite ledger file (default: .linger/ledger.sqlite in the current folder).", valueName: "file"))
    var ledgerPath: String?

    @Option(
        name: .customLong("ledger-url"),
        help: ArgumentHelp(
            "A PostgreSQL ledger: postgresql://USER@HOST[:PORT]/DATABASE (also LINGER_LEDGER_URL).", valueName: "url"))
    var ledgerURL: String?

    @Option(help: "The summary's format.")
    var format: SweepFormat = .text

    enum SweepFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var settings: SettingsOptions
    @OptionGroup var ruleOptions: RuleOptions

    func validate() throws {
        if (manifest == nil) == (under == nil) { throw ValidationError("give one of --manifest and --under") }
        guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
        if let shard {
            do {
                _ = try SweepManifest.parseShard(shard)
            } catch {
                throw ValidationError(String(describing: error))
            }
        }
    }

    func run() throws {
        var targets: [SweepTarget]
        do {
            targets = try manifest.map(SweepManifest.load(file:)) ?? SweepManifest.discover(under: under ?? ".")
        } catch {
            fail(String(describing: error))
        }
        if targets.isEmpty {
            // A mistyped folder or an empty list must not pass as a clean sweep.
            fail(manifest.map { "no repositories listed in \($0)" } ?? "no git repositories under \(under ?? ".")")
        }
        var machineName = machine ?? ProcessInfo.processInfo.hostName
        if let shard, let (index, count) = try? SweepManifest.parseShard(shard) {
            targets = SweepManifest.shard(targets, index: index, count: count)
            if machine == nil { machineName += " shard \(index)/\(count)" }
        }
        if list {
            let lines = targets.map { [$0.entry, $0.owner ?? "", $0.team ?? ""].joined(separator: "\t") + "\n" }
            FileHandleOutput.standardOutput.write(lines.joined())
            return
        }
        let ledger: any LedgerStore
        do {
            let address =
                try LedgerAddress.resolve(
                    url: ledgerURL, path: ledgerPath,
                    fallback: { Ledger.defaultPath(in: FileManager.default.currentDirectoryPath) })
                ?? .file(Ledger.defaultPath(in: FileManager.default.currentDirectoryPath))
            ledger = try address.open(creating: true)
        } catch {
            fail(String(describing: error))
        }
        var sweep = FleetSweep(targets: targets, ledger: ledger, rules: ruleOptions.compiledRules(), machine: machineName)
        sweep.parallel = parallel
        sweep.force = force
        sweep.liveChecksOff = ScanInvocation.liveChecksOff(noVerify: noVerify)
        sweep.operatorConfig = settings.config
        sweep.now = settings.time
        let quiet = format == .json
        let summary: SweepSummary
        do {
            summary = try sweep.run { outcome in
                guard !quiet else { return }
                FileHandleOutput.standardError.write("linger: \(TerminalText.neutralise(Self.line(outcome)))\n")
            }
        } catch {
            fail(String(describing: error))
        }
        switch format {
        case .text: FileHandleOutput.standardOutput.write(Self.text(summary, ledger: ledger.location))
        case .json:
            let document = SweepDocument(summary, ledger: ledger.location, machine: machineName)
            var data = try HygieneJSONReport.encoder.encode(document)
            data.append(0x0A)
            FileHandleOutput.standardOutput.write(String(decoding: data, as: UTF8.self))
        }
        if !summary.failed.isEmpty { throw ExitCode(ExitStatus.error) }
    }

    static func line(_ outcome: SweepOutcome) -> String {
        let name =
            outcome.target.path + (outcome.repository == outcome.target.path ? "" : " (\(outcome.repository))")
        switch outcome.status {
        case .swept:
            return "\(name): \(outcome.secrets) secret(s), \(outcome.occurrences) place(s), "
                + "\(outcome.recording.newSecrets) new" + (outcome.incomplete ? " (some input could not be read)" : "")
                + String(format: " in %.1f s", outcome.seconds)
        case .unchanged: return "\(name): refs unchanged since the last sweep, skipped"
        case .failed(let reason): return "\(outcome.target.path): \(reason)"
        }
    }

    static func text(_ summary: SweepSummary, ledger: String) -> String {
        var out = "\(summary.outcomes.count) repositories, ledger \(ledger), "
        out += String(format: "%.1f s", summary.seconds) + ": \(summary.swept) swept, \(summary.unchanged) unchanged"
        out += ", \(summary.failed.count) failed\n"
        out += "\(summary.newSecrets) new secret(s), \(summary.newOccurrences) new place(s), "
        out += "\(summary.occurrences) place(s) read"
        if summary.seconds > 0 {
            out += String(format: "; %.0f secrets recorded per second", Double(summary.newSecrets) / summary.seconds)
        }
        out += "\n"
        for failure in summary.failed { out += "failed: \(Self.line(failure))\n" }
        if summary.swept == 0 && summary.unchanged == 0 && !summary.failed.isEmpty {
            out += "Nothing was swept.\n"
        }
        return out
    }
}

/// `linger sweep --format json`.
struct SweepDocument: Encodable {
    struct Repository: Encodable {
        var path: String
        var repository: String
        var status: String
        var reason: String?
        var secrets: Int
        var occurrences: Int
        var newSecrets: Int
        var incomplete: Bool
        var seconds: Double
    }
    var ledger: String
    var machine: String
    var seconds: Double
    var swept: Int
    var unchanged: Int
    var failed: Int
    var newSecrets: Int
    var repositories: [Repository]

    init(_ summary: SweepSummary, ledger: String, machine: String) {
        self.ledger = ledger
        self.machine = machine
        seconds = summary.seconds
        swept = summary.swept
        unchanged = summary.unchanged
        failed = summary.failed.count
        newSecrets = summary.newSecrets
        repositories = summary.outcomes.map { outcome in
            var status = "swept"
            var reason: String?
            switch outcome.status {
            case .swept: break
            case .unchanged: status = "unchanged"
            case .failed(let why):
                status = "failed"
                reason = why
            }
            return Repository(
                path: outcome.target.path, repository: outcome.repository, status: status, reason: reason,
                secrets: outcome.secrets, occurrences: outcome.occurrences, newSecrets: outcome.recording.newSecrets,
                incomplete: outcome.incomplete, seconds: outcome.seconds)
        }
    }
}
