// Linger's fuzzing harness: one binary for every parser that reads attacker-written content
// (`ParserProbe`). Pick the parser with LINGER_FUZZ_TARGET (jwt, pem, openssh, ppk, config,
// ignore, rules).
//
// Built with libFuzzer (`bash .ci/fuzz`, which passes -sanitize=fuzzer and -D LINGER_LIBFUZZER),
// it hands control to libFuzzer's driver and takes libFuzzer's flags (-max_total_time=N, corpus
// folders). Built plainly, it replays the files named on its command line once each: a crash
// found by the fuzzer is reproduced with `linger-fuzz crash-file`.
import Foundation
import LingerKit

let targetName = ProcessInfo.processInfo.environment["LINGER_FUZZ_TARGET"] ?? ""
guard let target = ParserProbe(rawValue: targetName) else {
    let known = ParserProbe.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(Data("linger-fuzz: set LINGER_FUZZ_TARGET to one of \(known)\n".utf8))
    exit(2)
}

#if LINGER_LIBFUZZER
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    nonisolated(unsafe) var probe = target
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(
        LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            probe.exercise(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
#else
    for file in CommandLine.arguments.dropFirst() {
        guard let data = FileManager.default.contents(atPath: file) else {
            FileHandle.standardError.write(Data("linger-fuzz: \(file): cannot read\n".utf8))
            exit(2)
        }
        target.exercise([UInt8](data))
        print("\(file): \(target.rawValue) survived")
    }
#endif
