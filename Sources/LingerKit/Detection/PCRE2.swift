import CPCRE2
import Synchronization

/// Errors from the PCRE2 boundary.
public enum PCRE2Error: Error, CustomStringConvertible, Equatable {
    case compile(offset: Int, message: String)
    /// The match gave up (match limit, depth limit or JIT stack): the region is reported as skipped.
    case matchLimit(message: String)
    case match(code: Int32, message: String)

    public var description: String {
        switch self {
        case .compile(let offset, let message): return "does not compile at offset \(offset): \(message)"
        case .matchLimit(let message): return "match abandoned: \(message)"
        case .match(let code, let message): return "PCRE2 match error \(code): \(message)"
        }
    }

    static func message(for code: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = pcre2_get_error_message_8(code, &buffer, buffer.count)
        guard length > 0 else { return "error \(code)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }
}

/// A compiled PCRE2 pattern, JIT-compiled the first time it is matched (most rules never match
/// a given commit or file, and a pre-commit hook should not pay to compile them). Owns the
/// `pcre2_code`; matching is thread-safe: the JIT compilation happens once, under a lock, before
/// any thread matches with the pattern.
public final class PCRE2Pattern: @unchecked Sendable {
    fileprivate let code: OpaquePointer
    /// Number of capture groups.
    public let captureCount: Int
    private let wantsJIT: Bool
    /// Whether the JIT compilation has been attempted (the fast path's check).
    private let prepared = Atomic<Bool>(false)
    /// Whether it succeeded (nil: not attempted yet).
    private let jit = Mutex<Bool?>(nil)

    /// Whether the pattern runs JIT-compiled (compiling it now if it has not been yet).
    public var isJITCompiled: Bool {
        prepareForMatching()
        return jit.withLock { $0 ?? false }
    }

    /// Compiles `pattern`; with `jit` it is also JIT-compiled on first use (falling back to the
    /// interpreter when the JIT is unavailable).
    /// `options`: PCRE2 compile options; 0 (rules' patterns) matches bytes.
    public init(_ pattern: String, jit: Bool = true, options: UInt32 = 0) throws {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer {
            pcre2_compile_8($0.baseAddress, $0.count, options, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw PCRE2Error.compile(offset: errorOffset, message: PCRE2Error.message(for: errorCode))
        }
        code = compiled
        var count: UInt32 = 0
        pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = Int(count)
        wantsJIT = jit
    }

    /// JIT-compiles the pattern if it has not been yet; every match calls it first.
    @inline(__always)
    func prepareForMatching() {
        guard !prepared.load(ordering: .acquiring) else { return }
        jit.withLock { state in
            guard state == nil else { return }
            state = wantsJIT && pcre2_jit_compile_8(code, UInt32(PCRE2_JIT_COMPLETE)) == 0
        }
        prepared.store(true, ordering: .releasing)
    }

    deinit { pcre2_code_free_8(code) }

    /// The number of the capture group called `name`, if there is one.
    public func groupNumber(named name: String) -> Int? {
        let number = pcre2_substring_number_from_name_8(code, name)
        return number > 0 ? Int(number) : nil
    }
}

/// Per-thread match state: match data big enough for any rule, a match context with limits and
/// a JIT stack. Not shareable.
public final class PCRE2MatchState {
    private let matchData: OpaquePointer
    private let context: OpaquePointer
    private let jitStack: OpaquePointer?
    public static let maxGroups = 32

    public init() {
        // Allocation failures here mean the process is out of memory; nothing sensible remains.
        guard let data = pcre2_match_data_create_8(UInt32(Self.maxGroups), nil),
            let context = pcre2_match_context_create_8(nil)
        else { fatalError("PCRE2 could not allocate match data") }
        matchData = data
        self.context = context
        // Bounded work per match: a pathological input stops with an error, never hangs a scan.
        pcre2_set_match_limit_8(context, 5_000_000)
        pcre2_set_depth_limit_8(context, 100_000)
        jitStack = pcre2_jit_stack_create_8(32 * 1024, 1024 * 1024, nil)
        if let jitStack { pcre2_jit_stack_assign_8(context, nil, UnsafeMutableRawPointer(jitStack)) }
    }

    deinit {
        if let jitStack { pcre2_jit_stack_free_8(jitStack) }
        pcre2_match_context_free_8(context)
        pcre2_match_data_free_8(matchData)
    }

    /// Finds the first match of `pattern` in `subject[..<length]` at or after `start`. Returns the
    /// byte ranges of group 0 and every capture group (nil for a group that did not take part).
    public func firstMatch(
        of pattern: PCRE2Pattern, in subject: UnsafeRawBufferPointer, length: Int, from start: Int
    ) throws -> [Range<Int>?]? {
        let base = subject.baseAddress?.assumingMemoryBound(to: UInt8.self)
        pattern.prepareForMatching()
        let rc = pcre2_match_8(pattern.code, base, length, start, 0, matchData, context)
        if rc == PCRE2_ERROR_NOMATCH { return nil }
        if rc < 0 {
            let message = PCRE2Error.message(for: rc)
            switch rc {
            case PCRE2_ERROR_MATCHLIMIT, PCRE2_ERROR_DEPTHLIMIT, PCRE2_ERROR_HEAPLIMIT, PCRE2_ERROR_JIT_STACKLIMIT:
                throw PCRE2Error.matchLimit(message: message)
            default:
                throw PCRE2Error.match(code: rc, message: message)
            }
        }
        let pairs = rc == 0 ? Self.maxGroups : Int(rc)
        guard let ovector = pcre2_get_ovector_pointer_8(matchData) else { return nil }
        let unset = linger_pcre2_unset()
        var groups = [Range<Int>?]()
        groups.reserveCapacity(pattern.captureCount + 1)
        for index in 0...pattern.captureCount {
            let lower = ovector[2 * index]
            let upper = ovector[2 * index + 1]
            if index >= pairs || lower == unset || upper == unset || upper < lower {
                groups.append(nil)
            } else {
                groups.append(lower..<upper)
            }
        }
        return groups
    }
}

extension PCRE2Pattern {
    /// UTF-8 with Unicode properties, for text that is always valid UTF-8 (paths as Swift strings):
    /// `\w` and `(?i)` then reach past ASCII, as they did for `path_pattern`s under ICU.
    public static let unicode = UInt32(PCRE2_UTF | PCRE2_UCP)

    /// The PCRE2 library's version string.
    public static var libraryVersion: String {
        var buffer = [UInt8](repeating: 0, count: 64)
        let length = pcre2_config_8(UInt32(PCRE2_CONFIG_VERSION), &buffer)
        return length > 0 ? String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self) : "unknown"
    }
}
