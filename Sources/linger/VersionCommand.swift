import ArgumentParser
import LingerKit

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print Linger's version and the versions of the libraries it uses.")

    func run() {
        print("linger \(Linger.version)")
        for (name, version) in LibraryVersions.all { print("  \(name) \(version)") }
    }
}
