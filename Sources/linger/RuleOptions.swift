import ArgumentParser
import Foundation
import LingerKit

/// Options that choose the rules, shared by `scan` and `rules`.
struct RuleOptions: ParsableArguments {
    @Option(
        name: .customLong("rules"),
        help: ArgumentHelp("Add the rules in this folder or file to the built-in ones (repeatable).", valueName: "dir"))
    var extraRules: [String] = []

    @Option(
        name: .customLong("only-rules"),
        help: ArgumentHelp(
            "Use only the rules in this folder or file, not the built-in ones (repeatable).", valueName: "dir"))
    var onlyRules: [String] = []

    @Flag(
        name: .customLong("no-cache"), help: "Compile the rule database every run instead of using the on-disk cache.")
    var noCache = false

    @Option(
        name: .customLong("cache-dir"),
        help: ArgumentHelp(
            "Where compiled rule databases are cached (default: $LINGER_CACHE_DIR, $XDG_CACHE_HOME/linger or ~/.cache/linger).",
            valueName: "dir"))
    var cacheDirectory: String?

    func compiledRules() -> CompiledRules {
        Self.compile(extra: extraRules, only: onlyRules, noCache: noCache, cacheDirectory: cacheDirectory)
    }

    /// Where compiled databases are cached: `--cache-dir`, else the default; nil with `--no-cache`.
    static func cacheFolder(noCache: Bool, cacheDirectory: String?) -> String? {
        noCache ? nil : (cacheDirectory ?? DatabaseCache.defaultDirectory())
    }

    /// The rules these options choose (exits 2 with the loader's message when they cannot load).
    /// `examples: false` for a scan, which never reads them.
    static func compile(
        extra extraRules: [String], only onlyRules: [String], noCache: Bool, cacheDirectory: String?,
        examples: Bool = true
    ) -> CompiledRules {
        do {
            let ruleSet = try RuleSet.assemble(extra: extraRules, replacement: onlyRules, examples: examples)
            let cache = DatabaseCache(directory: Self.cacheFolder(noCache: noCache, cacheDirectory: cacheDirectory))
            return try CompiledRules(ruleSet: ruleSet, cache: cache)
        } catch {
            fail(String(describing: error))
        }
    }
}

/// Options every command that reads settings or judges time shares: the operator's configuration
/// and the time to act at.
struct SettingsOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The operator's configuration, used whole (also LINGER_CONFIG; default: the nearest .linger.yml, restricted to what a repository may set, under ~/.config/linger/config.yml).",
            valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp(
            "The time to act at, instead of now: ISO 8601 (2026-11-29T12:00:00Z), a date, or seconds since 1970.",
            valueName: "time"))
    var now: String?

    func validate() throws {
        if let now, Timestamp.parse(now) == nil {
            throw ValidationError(
                "--now takes an ISO 8601 time (2026-11-29T12:00:00Z) or seconds since 1970, not \"\(now)\"")
        }
    }

    var time: Date { now.flatMap(Timestamp.parse) ?? Date() }
}

/// `--output`: where a command's report goes instead of standard output.
struct OutputOption: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: ArgumentHelp("Write the report to this file (mode 0600) instead of standard output.", valueName: "file"))
    var output: String?
}
