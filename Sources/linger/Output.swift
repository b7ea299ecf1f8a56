import Foundation
import LingerKit

/// Where the CLI writes: stdout, stderr, or a file created with mode 0600 (reports can hold secrets).
struct FileHandleOutput {
    let handle: FileHandle

    static let standardOutput = FileHandleOutput(handle: .standardOutput)
    static let standardError = FileHandleOutput(handle: .standardError)

    func write(_ text: String) { handle.write(Data(text.utf8)) }
    func write(_ data: Data) { handle.write(data) }

    static func isTerminal(_ descriptor: Int32) -> Bool { isatty(descriptor) == 1 }

    /// A report: to the `--output` file when there is one, else to standard output.
    static func emit(_ data: Data, to output: String?) throws {
        if let output { try writeFile(data, to: output) } else { standardOutput.write(data) }
    }

    /// Writes `data` to `path` atomically, readable by the owner only. A path that is not a
    /// regular file (`/dev/null`, `/dev/stdout`, a pipe) is written in place: renaming a file over
    /// it replaced the device itself (`-o /dev/null` run as root left /dev/null a regular file,
    /// and every program that read it afterwards read old reports).
    static func writeFile(_ data: Data, to path: String) throws {
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            guard info.st_mode & S_IFMT != S_IFDIR else { throw CLIError.cannotWrite(path) }
            let descriptor = open(path, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw CLIError.cannotWrite(path) }
            let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
            do { try handle.write(contentsOf: data) } catch { throw CLIError.cannotWrite(path) }
            return
        }
        let temporary = path + ".linger-tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw CLIError.cannotWrite(path)
        }
        if rename(temporary, path) != 0 {
            unlink(temporary)
            throw CLIError.cannotWrite(path)
        }
    }
}

enum CLIError: Error, CustomStringConvertible {
    case cannotWrite(String)
    var description: String {
        switch self {
        case .cannotWrite(let path): return "\(path): cannot write the report (check the folder exists and is writable)"
        }
    }
}

extension LingerConfig {
    /// `LingerConfig.resolve`, printing on stderr each setting the repository's file may not make.
    static func resolveReporting(operatorFile: String?, repositoryFile: String?) throws -> LingerConfig {
        let config = try resolve(operatorFile: operatorFile, repositoryFile: repositoryFile)
        for refusal in config.refused { FileHandleOutput.standardError.write("linger: warning: \(TerminalText.neutralise(refusal))\n") }
        return config
    }
}
