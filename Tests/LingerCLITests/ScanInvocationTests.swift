import ArgumentParser
import Foundation
import Testing

@testable import linger

/// The hook's fast reading of `linger scan …` and ArgumentParser's must agree: on every command
/// line the fast one takes, both give the same values; on anything else, the fast one declines.
@Suite struct ScanInvocationTests {
    static let flags = [
        "--staged", "--no-progress", "--no-verify", "--verbose", "--ungrouped", "--no-decode", "--no-archives",
        "--show-secrets", "--report-unused-ignores", "--git", "--all-objects", "--no-cache",
        "--full-blobs",
    ]

    static func parsed(_ arguments: [String]) -> ScanInvocation? {
        guard let command = try? ScanCommand.parseAsRoot(Array(arguments.dropFirst())) as? ScanCommand else {
            return nil
        }
        return command.invocation
    }

    @Test func everyCommandLineTheFastReadingTakesReadsAsArgumentParserReadsIt() {
        // Every subset of the first six flags, and 300 random subsets of all thirteen, each in
        // order and reversed (all 4,096 subsets take two minutes of ArgumentParser in debug).
        var generator = SystemRandomNumberGenerator()
        let masks = Array(0..<64) + (0..<300).map { _ in Int.random(in: 0..<(1 << Self.flags.count), using: &generator) }
        var accepted = 0
        for mask in masks {
            let chosen = Self.flags.indices.filter { mask & (1 << $0) != 0 }.map { Self.flags[$0] }
            for order in [chosen, chosen.reversed()] {
                let arguments = ["scan"] + order
                let fast = ScanInvocation.fast(arguments)
                let full = Self.parsed(arguments)
                #expect(fast == full, "\(arguments)")
                if fast != nil { accepted += 1 }
            }
        }
        // Most combinations conflict (one mode at a time); many do not.
        #expect(accepted > 50)
        #expect(ScanInvocation.fast(["scan", "--staged", "--no-progress"]) == Self.parsed(["scan", "--staged", "--no-progress"]))
        #expect(ScanInvocation.fast(["scan", "-v", "--staged"])?.verbose == true)
    }

    @Test func anythingElseGoesToArgumentParser() {
        for arguments in [
            ["scan", "--staged", "."], ["scan", "--format", "json"], ["scan", "--staged", "--staged"],
            ["scan", "-v", "--verbose"], ["scan", "--help"], ["scan", "--staged", "--git"], ["scan", "--all-objects"],
            ["scan", "--no-such-flag"], ["rules", "list"], [], ["scan", "--staged=true"],
        ] {
            #expect(ScanInvocation.fast(arguments) == nil, "\(arguments)")
        }
    }
}
