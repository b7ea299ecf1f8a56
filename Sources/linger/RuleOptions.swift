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
        do {
            let ruleSet = try RuleSet.assemble(extra: extraRules, replacement: onlyRules)
            let cache = DatabaseCache(directory: noCache ? nil : (cacheDirectory ?? DatabaseCache.defaultDirectory()))
            return try CompiledRules(ruleSet: ruleSet, cache: cache)
        } catch {
            fail(String(describing: error))
        }
    }
}
