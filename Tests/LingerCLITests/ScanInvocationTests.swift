import ArgumentParser
import Foundation
import LingerKit
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

    /// `scan`, about a quarter of `flags` and `words` (an option with its value, a path), in a
    /// random order.
    static func commandLine(with words: [[String]], using generator: inout SystemRandomNumberGenerator) -> [String] {
        var words = words + Self.flags.filter { _ in Int.random(in: 0..<4, using: &generator) == 0 }.map { [$0] }
        words.shuffle(using: &generator)
        return ["scan"] + words.flatMap { $0 }
    }

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

    /// A path and a report format, in every place among a few flags: both readings agree.
    @Test func aPathAndAFormatReadAsArgumentParserReadsThem() {
        var generator = SystemRandomNumberGenerator()
        let formats = ReportFormat.allCases.map(\.rawValue)
        var accepted = 0
        for _ in 0..<200 {
            let format = formats.randomElement(using: &generator)!
            let arguments = Self.commandLine(
                with: [["src/app dir"], [Bool.random(using: &generator) ? "--format" : "-f", format]], using: &generator)
            let fast = ScanInvocation.fast(arguments)
            #expect(fast == Self.parsed(arguments), "\(arguments)")
            if let fast {
                accepted += 1
                #expect(fast.path == "src/app dir" && fast.format.rawValue == format)
            }
        }
        #expect(accepted > 20)
        #expect(ScanInvocation.fast(["scan", "/usr/include", "--no-verify", "--format", "json"])?.format == .json)
    }

    /// `--output`/`-o` with a file and `--jobs`/`-j` with a number, among flags, a path and a
    /// format: both readings agree, and the values arrive.
    @Test func anOutputFileAndJobsReadAsArgumentParserReadsThem() {
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for _ in 0..<200 {
            let jobs = Int.random(in: 1...8, using: &generator)
            var words = [
                ["src"], [Bool.random(using: &generator) ? "--output" : "-o", "out dir/report.json"],
                [Bool.random(using: &generator) ? "--jobs" : "-j", String(jobs)],
            ]
            if Bool.random(using: &generator) { words.append(["-f", "json"]) }
            let arguments = Self.commandLine(with: words, using: &generator)
            let fast = ScanInvocation.fast(arguments)
            #expect(fast == Self.parsed(arguments), "\(arguments)")
            if let fast {
                accepted += 1
                #expect(fast.output == "out dir/report.json" && fast.jobs == jobs && fast.path == "src")
            }
        }
        #expect(accepted > 20)
        for arguments in [
            ["scan", "-o"], ["scan", "-o", "-"], ["scan", "-o", ""], ["scan", "--output", "--git"],
            ["scan", "-o", "a", "-o", "b"], ["scan", "-o", "a", "--output", "b"], ["scan", "-j", "0"],
            ["scan", "-j", "-1"], ["scan", "-j", "two"], ["scan", "--jobs"], ["scan", "-j", "2", "--jobs", "2"],
            ["scan", "--output=x"], ["scan", "-j2"],
        ] {
            #expect(ScanInvocation.fast(arguments) == nil, "\(arguments)")
        }
    }

    @Test func anythingElseGoesToArgumentParser() {
        for arguments in [
            ["scan", "a", "b"], ["scan", "--format"], ["scan", "--format", "JSON"], ["scan", "--format=json"],
            ["scan", "-f", "json", "--format", "sarif"], ["scan", "-"], ["scan", "help"],
            ["scan", "--staged", "--staged"],
            ["scan", "-v", "--verbose"], ["scan", "--help"], ["scan", "--staged", "--git"], ["scan", "--all-objects"],
            ["scan", "--no-such-flag"], ["rules", "list"], [], ["scan", "--staged=true"],
        ] {
            #expect(ScanInvocation.fast(arguments) == nil, "\(arguments)")
        }
    }
}
