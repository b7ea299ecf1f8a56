import Foundation
import PackagePlugin

/// Embeds every `Rules/*.yml` file (and the `Rules/*.txt` word lists) of the package into
/// LingerKit as a generated Swift source, so that a `linger` binary copied alone to another
/// machine still carries its built-in rules and data.
@main
struct EmbedRules: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let rulesDirectory = context.package.directoryURL.appending(path: "Rules")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: rulesDirectory.path)) ?? []
        let ruleFiles = names.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") || $0.hasSuffix(".txt") }.sorted()
            .map { rulesDirectory.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedRules.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(ruleFiles.count) rule files",
                executable: try context.tool(named: "RulesEmbedder").url,
                arguments: [output.path, rulesDirectory.path],
                inputFiles: ruleFiles + [rulesDirectory],
                outputFiles: [output])
        ]
    }
}
