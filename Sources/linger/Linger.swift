import ArgumentParser
import Foundation
import LingerKit

@main
struct LingerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "linger",
        abstract: "Find secrets and tokens in code and history, and keep asking whether they are still live.",
        discussion: """
            Exit codes: 0 nothing fails the gate; 1 findings fail the gate; 2 usage or fatal \
            error, or an incomplete scan (some input could not be read) with nothing failing the \
            gate; 3 a live secret was found.
            """,
        version: Linger.version,
        subcommands: [
            ScanCommand.self, NotifyCommand.self, RecheckCommand.self, ResolveCommand.self, RevokeCommand.self, StatusCommand.self, SweepCommand.self,
            BaselineCommand.self, LedgerCommand.self, RulesCommand.self, HookCommand.self, VersionCommand.self,
        ],
        defaultSubcommand: nil)

    /// Parses and runs, mapping every outcome to README's exit codes: a usage error (unknown flag,
    /// bad value, missing argument) exits 2 like every other error, not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandleOutput.standardError.write(fullMessage(for: error) + "\n")
                Foundation.exit(ExitStatus.error)
            }
            exit(withError: error)
        }
    }
}

/// Exit codes, as README documents them.
enum ExitStatus {
    static let clean: Int32 = 0
    static let findings: Int32 = 1
    static let error: Int32 = 2
    static let live: Int32 = 3
}

/// Prints `linger: error: …` to stderr and exits 2.
func fail(_ message: String) -> Never {
    FileHandleOutput.standardError.write("linger: error: \(message)\n")
    LingerCommand.exit(withError: ExitCode(ExitStatus.error))
}
