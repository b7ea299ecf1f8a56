import CVectorscan
import Foundation

/// Errors from the vectorscan boundary.
public enum VectorscanError: Error, CustomStringConvertible, Equatable {
    /// A pattern vectorscan cannot compile, even as a prefilter; `index` is the pattern's position.
    case compile(index: Int?, message: String)
    case deserialize(code: Int32)
    case scratch(code: Int32)
    case scan(code: Int32)

    public var description: String {
        switch self {
        case .compile(let index, let message):
            if let index { return "vectorscan cannot compile pattern #\(index): \(message)" }
            return "vectorscan cannot compile the rule database: \(message)"
        case .deserialize(let code): return "cached vectorscan database is unusable (error \(code))"
        case .scratch(let code): return "vectorscan could not allocate scratch space (error \(code))"
        case .scan(let code): return "vectorscan scan failed (error \(code))"
        }
    }
}

/// A compiled vectorscan block-mode database. Owns the `hs_database_t`; safe to share across threads.
public final class VectorscanDatabase: @unchecked Sendable {
    fileprivate let handle: OpaquePointer

    private init(handle: OpaquePointer) { self.handle = handle }
    deinit { hs_free_database(handle) }

    /// Whether this processor (and its operating system) runs AVX2, as vectorscan finds it.
    static let processorHasAVX2: Bool = {
        var platform = hs_platform_info_t()
        guard hs_populate_platform(&platform) == HS_SUCCESS else { return false }
        return platform.cpu_features & UInt64(HS_CPU_FEATURES_AVX2) != 0
    }()

    /// The library's version string, part of every cache key.
    public static var libraryVersion: String { String(cString: hs_version()) }

    /// A description of the CPU the database is compiled for, part of every cache key.
    public static var platformDescription: String {
        var platform = hs_platform_info_t()
        guard hs_populate_platform(&platform) == HS_SUCCESS else { return "unknown" }
        return "tune=\(platform.tune) features=\(platform.cpu_features)"
    }

    /// Compiles `patterns` in prefilter mode: each reports a superset of the matches the full PCRE
    /// pattern has, at the same end offsets, and PCRE2 confirms them afterwards. Ids are array
    /// indexes; `literals` follow the patterns (ids from `patterns.count` on), each reported once
    /// per scan, at its first occurrence: markers other steps ask about, found in the same pass.
    public static func compilePrefilter(_ patterns: [String], literals: [[UInt8]] = []) throws -> VectorscanDatabase {
        let flags =
            [UInt32](repeating: UInt32(HS_FLAG_PREFILTER), count: patterns.count)
            + [UInt32](repeating: UInt32(HS_FLAG_SINGLEMATCH), count: literals.count)
        let expressions = patterns + literals.map(escaped)
        let ids = (0..<expressions.count).map { UInt32($0) }
        let cStrings = expressions.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        var database: OpaquePointer?
        var compileError: UnsafeMutablePointer<hs_compile_error_t>?
        let status = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer { expressions in
            hs_compile_multi(
                expressions.baseAddress, flags, ids, UInt32(cStrings.count), UInt32(HS_MODE_BLOCK), nil,
                &database, &compileError)
        }
        if status != HS_SUCCESS {
            var message = "error \(status)"
            var index: Int?
            if let compileError {
                if let text = compileError.pointee.message { message = String(cString: text) }
                if compileError.pointee.expression >= 0 { index = Int(compileError.pointee.expression) }
                hs_free_compile_error(compileError)
            }
            throw VectorscanError.compile(index: index, message: message)
        }
        guard let database else { throw VectorscanError.compile(index: nil, message: "no database returned") }
        return VectorscanDatabase(handle: database)
    }

    /// A pattern matching exactly `literal`: every byte as `\xHH`.
    static func escaped(_ literal: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(literal.flatMap { ["\\", "x", digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// Checks one pattern alone and returns its maximum match width in prefilter mode (nil: unbounded).
    public static func prefilterWidth(of pattern: String) throws -> (min: Int, max: Int?) {
        var info: UnsafeMutablePointer<hs_expr_info_t>?
        var compileError: UnsafeMutablePointer<hs_compile_error_t>?
        let status = hs_expression_info(pattern, UInt32(HS_FLAG_PREFILTER), &info, &compileError)
        if status != HS_SUCCESS {
            var message = "error \(status)"
            if let compileError {
                if let text = compileError.pointee.message { message = String(cString: text) }
                hs_free_compile_error(compileError)
            }
            throw VectorscanError.compile(index: nil, message: message)
        }
        guard let info else { return (0, nil) }
        defer { free(info) }
        let maxWidth = info.pointee.max_width
        return (Int(info.pointee.min_width), maxWidth == UInt32.max ? nil : Int(maxWidth))
    }

    /// The database as bytes, for the on-disk cache.
    public func serialized() -> [UInt8]? {
        var bytes: UnsafeMutablePointer<CChar>?
        var length = 0
        guard hs_serialize_database(handle, &bytes, &length) == HS_SUCCESS, let bytes else { return nil }
        defer { free(bytes) }
        return bytes.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// Rebuilds a database from `serialized()` bytes; vectorscan checks its own version and platform.
    public static func deserialize(_ bytes: [UInt8]) throws -> VectorscanDatabase {
        try bytes.withUnsafeBytes { try deserialize($0) }
    }

    public static func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> VectorscanDatabase {
        var database: OpaquePointer?
        let status = hs_deserialize_database(
            bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count, &database)
        guard status == HS_SUCCESS, let database else { throw VectorscanError.deserialize(code: status) }
        return VectorscanDatabase(handle: database)
    }
}

/// Per-thread vectorscan scratch space. Not shareable: each worker owns one.
public final class VectorscanScratch {
    private var handle: OpaquePointer?
    private let database: VectorscanDatabase

    public init(for database: VectorscanDatabase) throws {
        self.database = database
        var scratch: OpaquePointer?
        let status = hs_alloc_scratch(database.handle, &scratch)
        guard status == HS_SUCCESS, let scratch else { throw VectorscanError.scratch(code: status) }
        handle = scratch
    }

    deinit { if let handle { hs_free_scratch(handle) } }

    /// Scans `bytes` and calls `onMatch(patternIndex, endOffset)` for every match end, in order.
    public func scan(_ bytes: UnsafeRawBufferPointer, onMatch: (Int, Int) -> Void) throws {
        guard bytes.count > 0 else { return }
        try withoutActuallyEscaping(onMatch) { callback in
            var sink = MatchSink(callback: callback)
            let status = withUnsafeMutablePointer(to: &sink) { sinkPointer in
                hs_scan(
                    database.handle, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                    UInt32(clamping: bytes.count), 0, handle,
                    { id, _, to, _, context in
                        context?.assumingMemoryBound(to: MatchSink.self).pointee.callback(Int(id), Int(to))
                        return 0
                    }, sinkPointer)
            }
            guard status == HS_SUCCESS else { throw VectorscanError.scan(code: status) }
        }
    }

    private struct MatchSink {
        let callback: (Int, Int) -> Void
    }
}
