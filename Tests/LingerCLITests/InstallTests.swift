import Foundation
import Testing

/// `.ci/install-deps` asks apt for exactly the packages that are missing, by their exact names.
/// The tests put stub `dpkg-query`, `apt-get` and `id` on PATH: the stubs answer from a list of
/// "installed" packages and record what apt was asked to install.
@Suite struct InstallDepsTests {
    static let buildPackages = [
        "libgit2-dev", "libssl-dev", "libvectorscan-dev", "libpcre2-dev", "libsqlite3-dev", "zlib1g-dev", "libbz2-dev",
        "libdeflate-dev", "pkg-config",
    ]

    struct Outcome {
        var status: Int32
        var requested: [String]
        var stderr: String
    }

    /// Runs install-deps with `installed` packages known to the stub dpkg-query and `commands`
    /// (names) present on PATH as stubs; returns what apt-get install was asked for.
    func run(installed: [String], commands: [String], arguments: [String] = []) throws -> Outcome {
        let scratch = try Scratch()
        let bin = scratch.path + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        func stub(_ name: String, _ body: String) throws {
            let file = bin + "/" + name
            try ("#!/bin/bash\n" + body + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            chmod(file, 0o755)
        }
        try installed.joined(separator: "\n").appending("\n").write(
            toFile: scratch.path + "/installed", atomically: true, encoding: .utf8)
        let log = scratch.path + "/apt.log"
        // dpkg-query -W -f='${Status}' PACKAGE
        try stub(
            "dpkg-query",
            """
            package="${!#}"
            if grep -qx -- "$package" "\(scratch.path)/installed"; then printf 'install ok installed'; exit 0; fi
            echo "dpkg-query: no packages found matching $package" >&2; exit 1
            """)
        try stub(
            "apt-get",
            """
            if [ "$1" = install ]; then
                shift
                for argument in "$@"; do case "$argument" in -*) ;; *) echo "$argument" >> "\(log)" ;; esac; done
            fi
            exit 0
            """)
        try stub("id", "echo 0")
        try stub("grep", "exec /bin/grep \"$@\"")
        for command in commands { try stub(command, "exit 0") }
        // python3 stands in for pip too (`python3 -m pip --version`), and for `import jsonschema`.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [CLI.packageRoot + "/.ci/install-deps"] + arguments
        process.environment = ["PATH": bin, "HOME": scratch.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let requested = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init)
        return Outcome(
            status: process.terminationStatus, requested: requested ?? [],
            stderr: String(decoding: stderrData, as: UTF8.self))
    }

    @Test func everythingMissingAsksForEveryBuildPackageByItsExactName() throws {
        let outcome = try run(installed: [], commands: [])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.requested == Self.buildPackages + ["git"])
    }

    @Test func gitOnPathIsNotAskedForAndNoNameIsCut() throws {
        // The bug this pins: removing "git" from the list by substring turned libgit2-dev into lib2-dev.
        let outcome = try run(installed: [], commands: ["git"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.requested == Self.buildPackages)
        #expect(!outcome.requested.contains("lib2-dev"))
    }

    @Test func someMissingAsksOnlyForThose() throws {
        let outcome = try run(
            installed: ["libssl-dev", "libsqlite3-dev", "zlib1g-dev", "libbz2-dev", "libdeflate-dev", "pkg-config"],
            commands: ["git"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.requested == ["libgit2-dev", "libvectorscan-dev", "libpcre2-dev"])
    }

    @Test func nothingMissingAsksForNothing() throws {
        let outcome = try run(installed: Self.buildPackages + ["git"], commands: [])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.requested.isEmpty)
    }

    @Test func testToolsAreSeparateFromBuildPackages() throws {
        // python3 present (pyenv-style, not from apt) and pip working: only the apt test tools.
        let outcome = try run(
            installed: Self.buildPackages, commands: ["git", "python3", "pre-commit", "check-jsonschema"], arguments: ["--tests"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.requested == ["openssh-client", "putty-tools", "postgresql"])
        let none = try run(installed: [], commands: [], arguments: ["--tests"])
        #expect(
            none.requested
                == Self.buildPackages + ["git", "openssh-client", "putty-tools", "postgresql", "python3", "python3-pip"])
    }

    @Test func anUnknownArgumentIsRefused() throws {
        let outcome = try run(installed: Self.buildPackages, commands: ["git"], arguments: ["--everything"])
        #expect(outcome.status == 2)
        #expect(outcome.requested.isEmpty)
    }
}
