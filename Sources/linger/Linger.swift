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

    /// Grows the process's table of file descriptors to 1,024 now, while the process has one
    /// thread. Linux grows it as descriptors are opened (64, 256, 512…), and in a process with
    /// several threads each growth waits for an RCU grace period: a directory scan, whose walk
    /// holds up to 256 folders open (`OpenFolder.limit`), stalled 5 ms at descriptor 256, in
    /// the walk and in a worker at once.
    static func reserveDescriptorTable() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let highest = Int32(clamping: min(UInt64(1023), UInt64(limit.rlim_cur) &- 1))
        // Any open descriptor will do: standard input, output or error, whichever is open.
        for source in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] {
            let reserved = fcntl(source, F_DUPFD_CLOEXEC, highest)
            if reserved >= 0 {
                close(reserved)
                return
            }
        }
    }

    /// Parses and runs, mapping every outcome to README's exit codes: a usage error (unknown flag,
    /// bad value, missing argument) exits 2 like every other error, not ArgumentParser's 64.
    static func main() {
        // Blobs of 1 MB and more get pages of their own, returned when freed. glibc's default
        // threshold rises to 32 MB after the first such free, and a history sweep's blobs then
        // fragment the heap: curl/curl's sweep peaked at 303 MiB, 241 MiB with this (same time).
        #if os(Linux)
        _ = glibcMallopt(glibcMmapThreshold, 1 << 20)
        // A thread's heap starts with 2 MB ready for use instead of what its first allocation
        // needs, and the main heap grows 2 MB at a time: each growth is an `mprotect` (or `brk`),
        // which in a process of several threads interrupts the other cores to flush their
        // address translations (273 `mprotect` calls in a /usr/include scan became 55). A heap
        // keeps as much free at its top when it shrinks.
        _ = glibcMallopt(glibcTopPad, 2 << 20)
        #endif
        reserveDescriptorTable()
        do {
            if let invocation = ScanInvocation.fast(Array(CommandLine.arguments.dropFirst())) {
                // A hook's `scan --staged`, or `scan PATH --format F`: no ArgumentParser at all
                // (a sixth of a hook's run).
                do {
                    try invocation.run()
                } catch let code as ExitCode {
                    Foundation.exit(code.rawValue)
                }
                return
            }
            var command = try scanCommandAlone() ?? parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandleOutput.standardError.write(TerminalText.neutralise(fullMessage(for: error)) + "\n")
                Foundation.exit(ExitStatus.error)
            }
            exit(withError: error)
        }
    }
}

extension LingerCommand {
    /// `linger scan …` parsed against `scan` alone. Parsing from the root makes ArgumentParser
    /// reflect over every subcommand's options (generic metadata and protocol-conformance lookups:
    /// a fifth of a pre-commit hook's run). Whatever `scan` alone does not parse cleanly — help,
    /// completion and dump requests, any error — returns nil and goes the full way, so every
    /// message and exit code stays what the root gives.
    static func scanCommandAlone(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> ParsableCommand? {
        guard arguments.first == "scan" else { return nil }
        let rest = Array(arguments.dropFirst())
        let special = rest.contains { argument in
            argument == "-h" || argument == "--help" || argument == "-help" || argument == "--version"
                || argument.hasPrefix("--generate-completion") || argument.hasPrefix("--experimental")
        }
        if special { return nil }
        return try? ScanCommand.parseAsRoot(rest)
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
    // Messages quote paths and file contents, which are the scanned repository's: no control
    // character of theirs reaches the terminal.
    FileHandleOutput.standardError.write("linger: error: \(TerminalText.neutralise(message))\n")
    LingerCommand.exit(withError: ExitCode(ExitStatus.error))
}

#if os(Linux)
/// glibc's `mallopt` and its `M_MMAP_THRESHOLD` (`<malloc.h>`, which the Glibc module leaves out).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let glibcMmapThreshold: Int32 = -3
/// `M_TOP_PAD`.
private let glibcTopPad: Int32 = -2
#endif
