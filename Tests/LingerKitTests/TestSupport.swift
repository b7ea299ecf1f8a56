import Foundation
import LingerTestSupport
import Testing

@testable import LingerKit

/// A temporary directory removed when the value is deinitialised.
final class TemporaryDirectory {
    let path: String

    init() throws {
        let template = NSTemporaryDirectory() + "linger-test-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: bytes)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ relative: String, _ contents: String) throws -> String {
        try write(relative, Data(contents.utf8))
    }

    @discardableResult
    func write(_ relative: String, _ data: Data) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: full))
        return full
    }
}

/// Runs a command-line tool (openssl, ssh-keygen, puttygen) in `directory` and returns its standard
/// output; a failure is an error naming the command and quoting its standard error.
@discardableResult
func runTool(_ tool: String, _ arguments: [String], in directory: String, input: Data? = nil) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = Pipe()
    let errors = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = errors
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(input) }
    try inPipe.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(
            .executableLoad,
            userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments.joined(separator: " ")) failed: \(message)"])
    }
    return data
}

enum Fixtures {
    /// The built-in rules, compiled once for all tests (no disk cache).
    static let builtInRules: CompiledRules = {
        do {
            return try CompiledRules(ruleSet: RuleSet(rules: RuleSet.builtIn()), cache: nil)
        } catch {
            fatalError("built-in rules do not load: \(error)")
        }
    }()

    static func scanner(jobs: Int = 2, maxFileSize: Int = 10 * 1024 * 1024, explain: Bool = false) -> SecretScanner {
        var options = ScanOptions()
        options.jobs = jobs
        options.maxFileSize = maxFileSize
        options.explainDrops = explain
        return SecretScanner(rules: builtInRules, options: options)
    }

    static func scan(_ text: String, name: String = "input.txt") throws -> ScanResult {
        try scanner().scan(bytes: Array(text.utf8), name: name)
    }

    static func scan(bytes: [UInt8], name: String = "input.bin") throws -> ScanResult {
        try scanner().scan(bytes: bytes, name: name)
    }

    /// A GitHub-format token with a valid checksum, made at test time from `seed`.
    static func githubToken(prefix: String = "ghp_", seed: UInt64) -> String {
        var generator = SeededGenerator(seed: seed)
        let random = String((0..<30).map { _ in Character(UnicodeScalar(Base62.alphabet[Int(generator.next() % 62)])) })
        return prefix + random + Base62.encode(CRC32.checksum(Array(random.utf8)), width: 6)
    }

    /// The repository root, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}

