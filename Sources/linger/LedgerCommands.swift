import ArgumentParser
import Foundation
import LingerKit

/// Options every ledger verb shares: which ledger, which configuration, what time it is.
struct LedgerOptions: ParsableArguments {
    @Option(
        name: .customLong("ledger-path"),
        help: ArgumentHelp(
            "The ledger file (default: .linger/ledger.sqlite at the top of the repository holding the current folder).",
            valueName: "file"))
    var ledgerPath: String?

    @Option(
        name: .customLong("ledger-url"),
        help: ArgumentHelp(
            "A PostgreSQL ledger many machines share: postgresql://USER@HOST[:PORT]/DATABASE (also LINGER_LEDGER_URL; password from PGPASSWORD or ~/.pgpass; TLS verified for any host but loopback).",
            valueName: "url"))
    var ledgerURL: String?

    @OptionGroup var settings: SettingsOptions

    @Flag(help: "Create the ledger if there is none (otherwise a missing ledger is an error, exit 2).")
    var create = false

    var time: Date { settings.time }

    /// The built-in rules, parsed once per run: SLA aliases and rotation pages both read them.
    static let builtInRules = try? RuleSet(rules: RuleSet.builtIn())

    var path: String { ledgerPath ?? Ledger.defaultPath(in: Ledger.repositoryRoot(for: ".")) }

    /// Which ledger: --ledger-url, LINGER_LEDGER_URL, --ledger-path, or the default file.
    var address: LedgerAddress {
        do {
            return try LedgerAddress.resolve(url: ledgerURL, path: ledgerPath, fallback: { path }) ?? .file(path)
        } catch {
            fail(String(describing: error))
        }
    }

    /// The ledger. A missing file is an error unless --create says to start one: a recheck in the
    /// wrong folder, or with a ledger CI failed to restore, must not pass on an empty ledger.
    func open(creating: Bool = false, readOnly: Bool = false) -> any LedgerStore {
        let address = address
        if !(create || creating) && !address.exists {
            fail(
                ledgerPath == nil
                    ? "no ledger at \(path) (looked for .linger/ledger.sqlite at the top of the repository holding the "
                        + "current folder); name one with --ledger-path or --ledger-url, or start one on purpose with --create or `linger ledger init`"
                    : "no ledger at \(path); start one on purpose with --create or `linger ledger init`")
        }
        do {
            if case .file(let file) = address, readOnly && FileManager.default.fileExists(atPath: file)
                && !FileManager.default.isWritableFile(atPath: file)
            {
                return try Ledger(readingOnly: file)
            }
            return try address.open(creating: create || creating)
        } catch {
            fail(String(describing: error))
        }
    }

    /// The configuration: --config, else .linger.yml in the folder holding the ledger's folder.
    func configuration() -> LingerConfig {
        do {
            let folder = PathName.parent(PathName.parent(path))
            let candidate = ((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(LingerConfig.fileName)
            var config = try LingerConfig.resolveReporting(
                operatorFile: settings.config,
                repositoryFile: FileManager.default.fileExists(atPath: candidate) ? candidate : nil)
            // SLAs may name rules by another scanner's ids.
            if let rules = Self.builtInRules { config.resolveRuleAliases(rules) }
            return config
        } catch {
            fail(String(describing: error))
        }
    }

    func status(_ ledger: any LedgerStore, sla: Int?, config: LingerConfig) -> HygieneStatus {
        do {
            let secrets = try ledger.secrets()
            let checks = try ledger.checks()
            let occurrences = try ledger.allOccurrences()
            let deadline = { (secret: LedgerSecret) in config.sla.days(for: secret, base: sla) }
            var status = HygieneStatus(
                secrets: secrets, checks: checks, ledger: ledger.location, now: time, deadline: deadline,
                occurrences: occurrences, owners: OwnerResolver(), rules: Self.builtInRules?.rules ?? [])
            status.addBreakdowns(
                secrets: secrets, checks: checks, occurrences: occurrences, sweeps: try ledger.sweptRepositories(),
                deadline: deadline)
            return status
        } catch {
            fail("reading the ledger: \(error)")
        }
    }
}

struct NotifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Record that secrets' owners were told, or tell them through a webhook.",
        discussion: """
            Without --webhook the notification is recorded as given (someone was told another \
            way). With --webhook Linger POSTs a JSON summary (fingerprints, rules, places; never a \
            secret's value), retrying network errors, 429 and 5xx with backoff; a delivery that \
            fails is recorded as failed and the secrets stay open. Webhooks must be https:// (or \
            http:// to 127.0.0.1).

            Exit codes: 0 recorded or delivered; 2 error, or the webhook delivery failed.
            """)

    @Option(name: .customLong("fingerprint"), help: "A secret's fingerprint or its first 8+ characters (repeatable).")
    var fingerprints: [String] = []

    @Flag(help: "Every secret not notified yet (state open).")
    var allNew = false

    @Option(help: ArgumentHelp("POST a summary to this URL.", valueName: "url"))
    var webhook: String?

    @Option(help: "Send one notification per group: owner (CODEOWNERS, else the introducing commit's author).")
    var groupBy: NotifyGrouping?

    enum NotifyGrouping: String, ExpressibleByArgument, CaseIterable { case owner }

    @Option(help: "The webhook's body: json (Linger's own), slack (incoming webhook) or teams (message card).")
    var webhookFormat: WebhookFormat = .json

    @Option(help: "The channel to record (default: webhook with --webhook, manual otherwise).")
    var channel: String?

    @Option(help: "Who was told (a team, an address).")
    var recipient: String?

    @Option(help: "A note to record with the notification.")
    var note: String?

    @Option(help: "Webhook attempts before giving up.")
    var attempts = 3

    @Option(help: ArgumentHelp("Seconds to wait for the webhook's answer, per attempt.", valueName: "seconds"))
    var timeout = 10.0

    @Option(help: ArgumentHelp("Seconds before the first retry (doubling after).", valueName: "seconds"))
    var backoff = 1.0

    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        if fingerprints.isEmpty == !allNew {
            throw ValidationError("give --fingerprint F (one or more) or --all-new")
        }
        if attempts < 1 { throw ValidationError("--attempts must be at least 1") }
        if let webhook {
            guard let url = URL(string: webhook) else { throw ValidationError("--webhook: not a URL: \(webhook)") }
            do { try HTTPClient.check(url) } catch { throw ValidationError("--webhook: \(error)") }
        }
    }

    func run() throws {
        let ledger = ledgerOptions.open()
        var notification = NotificationRun(
            selection: allNew ? .allNew : .fingerprints(fingerprints),
            channel: channel ?? (webhook == nil ? "manual" : "webhook"))
        notification.recipient = recipient
        notification.note = note
        notification.groupByOwner = groupBy == .owner
        notification.webhookFormat = webhookFormat
        notification.webhook = webhook.flatMap(URL.init(string:)).map {
            WebhookNotifier(url: $0, client: HTTPClient(timeout: timeout), attempts: attempts, backoff: backoff)
        }
        let run: (groups: [NotificationRun.Group], places: [String: [LedgerOccurrence]])
        do {
            run = try notification.run(in: ledger, at: ledgerOptions.time)
        } catch {
            fail(String(describing: error))
        }
        guard !run.groups.isEmpty else {
            FileHandleOutput.standardOutput.write("No new secrets to notify.\n")
            return
        }
        var failures = [String]()
        for group in run.groups {
            let count = HygieneTextReport.plural(group.secrets.count, "secret")
            let to = groupBy == nil ? "" : " to \(group.recipient ?? "unowned")"
            let channelName = notification.channel
            let headline: String
            switch group.delivery {
            case .recorded: headline = "Recorded notification of \(count)\(to) via \(channelName)."
            case .delivered: headline = "Notified \(count)\(to) via \(channelName) (\(group.detail ?? "delivered"))."
            case .failed:
                failures.append(
                    "webhook delivery failed (\(group.detail ?? "no answer")): recorded as failed; \(count)\(to) not notified")
                continue
            }
            // Which secrets, and where: the owner needs more than a count.
            let listing = group.secrets.map {
                "  " + WebhookNotifier.summaryLine($0, run.places[$0.fingerprint] ?? [], markdown: false) + "\n"
            }.joined()
            FileHandleOutput.standardOutput.write(TerminalText.neutralise(headline + "\n" + listing))
        }
        if !failures.isEmpty { fail(failures.joined(separator: "; ")) }
    }
}

struct RecheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recheck",
        abstract: "Check again whether notified secrets still work, and flag those live past their deadline.",
        discussion: """
            For every notified, unresolved secret, Linger re-reads its value from where it was \
            seen (the blob by id through libgit2, or the file), judges it again (JWT expiry and \
            signature, key revocation and certificates) and records the check. A secret found \
            inactive is resolved. A value that cannot be read any more is `unknown`, never \
            taken for rotated.

            Exit codes: 0 every secret past its deadline is confirmed rotated; 1 some overdue \
            secret is not — live, unverified (no live check, or checks off) or unknown (the \
            check failed) — each named with why (with --only-live, only live ones fail); 2 error \
            (no ledger here included).
            """)

    @Option(
        help:
            "Days after notification a secret must be rotated by (default 5; .linger.yml `sla` overrides per rule and confidence)."
    )
    var sla: Int?

    @Option(name: .shortAndLong, help: "Output format: text or json.")
    var format: HygieneFormat = .text

    @Flag(help: "Do not ask providers whether secrets work (LINGER_NO_VERIFY=1 does the same).")
    var noVerify = false

    @Flag(help: "Fail only on overdue secrets confirmed live, not on those whose rotation is unconfirmed.")
    var onlyLive = false

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var ruleOptions: RuleOptions

    enum HygieneFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() throws {
        let ledger = ledgerOptions.open()
        let now = ledgerOptions.time
        let config = ledgerOptions.configuration()
        let rules = ruleOptions.compiledRules()
        let off = ScanInvocation.liveChecksOff(noVerify: noVerify)
        var rechecker = Rechecker(
            verifier: off == nil ? Verifier(settings: config.verification) : nil,
            scanner: ScanPipeline.rescanner(rules: rules, config: config, now: now))
        rechecker.liveChecksOff = off ?? ""
        let outcomes: [RecheckOutcome]
        do {
            outcomes = try RecheckRun(rechecker: rechecker).run(in: ledger, at: now)
        } catch {
            fail(String(describing: error))
        }
        let status = ledgerOptions.status(ledger, sla: sla, config: config)
        do {
            switch format {
            case .text:
                FileHandleOutput.standardOutput.write(HygieneTextReport().render(recheck: outcomes, status: status))
            case .json:
                FileHandleOutput.standardOutput.write(try HygieneJSONReport().render(recheck: outcomes, status: status))
            }
        } catch {
            fail(String(describing: error))
        }
        if !RecheckRun.failing(outcomes, status: status, onlyLive: onlyLive).isEmpty { throw ExitCode(ExitStatus.findings) }
    }
}

struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Mark a secret rotated, revoked, a false positive, or an accepted risk until a date.")

    @Argument(help: "The secret's fingerprint or its first 8+ characters.")
    var fingerprint: String

    @Option(help: "rotated, revoked, false-positive or accepted.")
    var reason: ResolutionReason

    @Option(help: ArgumentHelp("With --reason accepted: the date the acceptance ends.", valueName: "date"))
    var until: String?

    @Option(help: "A note to record.")
    var note: String?

    @OptionGroup var ledgerOptions: LedgerOptions

    enum ResolutionReason: String, ExpressibleByArgument, CaseIterable {
        case rotated, revoked
        case falsePositive = "false-positive"
        case accepted
    }

    func validate() throws {
        if reason == .accepted && until == nil { throw ValidationError("--reason accepted needs --until DATE") }
        if reason != .accepted && until != nil { throw ValidationError("--until goes with --reason accepted") }
        if let until, Timestamp.parse(until) == nil { throw ValidationError("--until: not a date: \(until)") }
    }

    func run() throws {
        let ledger = ledgerOptions.open()
        do {
            let secret = try ledger.secret(matching: fingerprint)
            try ledger.resolve(
                secret.fingerprint, as: Resolution(rawValue: reason.rawValue) ?? .rotated,
                until: until.flatMap(Timestamp.parse), note: note, at: ledgerOptions.time)
            FileHandleOutput.standardOutput.write(
                "Resolved \(secret.fingerprint.prefix(12)) (\(secret.ruleID)) as \(reason.rawValue).\n")
        } catch {
            fail(String(describing: error))
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The hygiene report: open, notified, overdue and resolved secrets, and how long they stay live.",
        discussion: """
            Counts by state; the share of notified secrets still live 1, 5 and 30 days after \
            notification (live means a check on or after that day found it live); the median days \
            from notification to rotation; the oldest live secrets. --format html writes one \
            self-contained page with a chart.
            """)

    @Option(help: "Days after notification a secret must be rotated by (default 5).")
    var sla: Int?

    @Option(name: .shortAndLong, help: "Output format: text, json or html.")
    var format: StatusFormat = .text

    @OptionGroup var destination: OutputOption
    var output: String? { destination.output }

    @OptionGroup var ledgerOptions: LedgerOptions

    enum StatusFormat: String, ExpressibleByArgument, CaseIterable { case text, json, html }

    func run() throws {
        let ledger = ledgerOptions.open(readOnly: true)
        if !ledger.isReadOnly {
            do { try ledger.expireAcceptances(at: ledgerOptions.time) } catch { fail(String(describing: error)) }
        }
        let status = ledgerOptions.status(ledger, sla: sla, config: ledgerOptions.configuration())
        do {
            let data: Data
            switch format {
            case .text: data = HygieneTextReport().render(status)
            case .json: data = try HygieneJSONReport().render(status)
            case .html: data = HygieneHTMLReport().render(status)
            }
            try FileHandleOutput.emit(data, to: output)
        } catch {
            fail(String(describing: error))
        }
    }
}

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Write a baseline of every secret in the ledger, for `linger scan --baseline`.",
        discussion: """
            The baseline lists fingerprints (with rule and a path for readers), never values or \
            line numbers. A JSON report of `linger scan --format json` also serves as a baseline.
            """)

    @OptionGroup var destination: OutputOption
    var output: String? { destination.output }

    @OptionGroup var ledgerOptions: LedgerOptions

    func run() throws {
        let ledger = ledgerOptions.open(readOnly: true)
        do {
            let entries = try ledger.secrets().map { secret in
                BaselineEntry(
                    fingerprint: secret.fingerprint, rule: secret.ruleID,
                    path: try ledger.occurrences(of: secret.fingerprint).first?.path)
            }
            let data = try Baseline(entries: entries).encoded()
            try FileHandleOutput.emit(data, to: output)
        } catch {
            fail(String(describing: error))
        }
    }
}

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Manage the ledger file itself.",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create an empty ledger (other ledger commands refuse a missing one).")

        @OptionGroup var ledgerOptions: LedgerOptions

        func run() throws {
            let ledger = ledgerOptions.open(creating: true)
            FileHandleOutput.standardOutput.write("linger: ledger \(ledger.location) ready\n")
        }
    }
}

extension WebhookFormat: ExpressibleByArgument {}

struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a secret at its provider, where the provider offers a public endpoint for it.",
        discussion: """
            Re-reads the secret's value from where the ledger saw it, sends it to the revocation \
            endpoint its rule names (GitHub's credential revocation API, Slack's auth.revoke, …; \
            the host is fixed in the rule, or the operator's base URL override for that provider), \
            and records it as resolved (revoked) only once the provider confirms. Never automatic.

            Exit codes: 0 revoked and recorded; 2 not confirmed (nothing recorded), no endpoint \
            for this kind of secret, or the value can no longer be read.
            """)

    @Argument(help: ArgumentHelp("The secret's fingerprint, or its first 8+ characters.", valueName: "fingerprint"))
    var fingerprint: String

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var ruleOptions: RuleOptions

    func run() throws {
        let ledger = ledgerOptions.open()
        let now = ledgerOptions.time
        let config = ledgerOptions.configuration()
        let rules = ruleOptions.compiledRules()
        do {
            let secret = try ledger.secret(matching: fingerprint)
            let rule = rules.ruleSet.rules.first { $0.id == secret.ruleID }
            guard let rule, rule.revocation != nil else {
                let page = rule?.rotation.map { " Rotate it at \($0), then `linger resolve \(secret.fingerprint.prefix(12)) --reason rotated`." } ?? ""
                fail("\(secret.ruleID) secrets have no public revocation endpoint.\(page)")
            }
            let rechecker = Rechecker(scanner: ScanPipeline.rescanner(rules: rules, config: config, now: now))
            guard let value = try rechecker.value(of: secret, in: ledger) else {
                fail(
                    "the value of \(secret.fingerprint.prefix(12)) can no longer be read from where the ledger saw it; "
                        + "revoke it at the provider" + (rule.rotation.map { " (\($0))" } ?? ""))
            }
            let outcome = Revoker(settings: config.verification).revoke(value.value, rule: rule)
            guard outcome.confirmed else { fail("\(outcome.evidence); nothing recorded") }
            try ledger.resolve(secret.fingerprint, as: .revoked, until: nil, note: outcome.evidence, at: now)
            FileHandleOutput.standardOutput.write(
                "Revoked \(secret.fingerprint.prefix(12)) (\(secret.ruleID)): \(outcome.evidence); recorded as resolved (revoked).\n")
        } catch {
            fail(String(describing: error))
        }
    }
}
