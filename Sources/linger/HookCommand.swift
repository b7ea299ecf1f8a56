import ArgumentParser
import Foundation
import LingerKit

struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook", abstract: "Install Linger as a git pre-commit hook.",
        subcommands: [Install.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract: "Write a pre-commit hook that runs `linger scan --staged` before every commit.",
            discussion: """
                The hook goes where git looks for hooks (core.hooksPath, or .git/hooks). An \\
                existing pre-commit hook is left alone unless --force is given. Bypass the hook \\
                once with `git commit --no-verify`; silence a line with a linger:allow comment.
                """)

        @Argument(help: ArgumentHelp("The repository (default: the current one).", valueName: "path"))
        var path: String = "."

        @Flag(help: "Replace an existing pre-commit hook.")
        var force = false

        func run() throws {
            let repository: GitRepository
            do {
                repository = try GitRepository(path: path)
            } catch {
                fail(String(describing: error))
            }
            if repository.isBare { fail("\(path): a bare repository has no commits to hook into") }
            let directory = repository.hooksDirectory
            let hook = (directory as NSString).appendingPathComponent("pre-commit")
            if FileManager.default.fileExists(atPath: hook) && !force {
                fail("\(hook) already exists; add `linger scan --staged` to it, or replace it with --force")
            }
            let binary = Self.currentExecutable()
            let script = """
                #!/bin/sh
                # Installed by `linger hook install`: blocks a commit that adds a secret.
                # Bypass once with `git commit --no-verify`; silence a line with a linger:allow comment.
                if command -v linger >/dev/null 2>&1; then
                    exec linger scan --staged --no-progress
                fi
                exec '\(binary.replacingOccurrences(of: "'", with: "'\\''"))' scan --staged --no-progress

                """
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                if FileManager.default.fileExists(atPath: hook) { try FileManager.default.removeItem(atPath: hook) }
                guard
                    FileManager.default.createFile(
                        atPath: hook, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
                else { throw CLIError.cannotWrite(hook) }
            } catch {
                fail("\(hook): cannot write the hook: \(error)")
            }
            print("installed \(hook)")
        }

        /// This binary's absolute path, so the hook works when `linger` is not on PATH.
        static func currentExecutable() -> String {
            if let resolved = realpath("/proc/self/exe", nil) {
                defer { free(resolved) }
                return String(cString: resolved)
            }
            return CommandLine.arguments[0]
        }
    }
}
