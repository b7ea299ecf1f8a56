/// Text inside content git would call binary: UTF-16 documents (a NUL after every ASCII
/// character) and the printable strings of compiled programs, where configuration and
/// credentials are often baked in.
enum BinaryText {
    /// UTF-16 text as UTF-8: by its byte-order mark, or — without one — when the first bytes
    /// alternate ASCII and NUL as UTF-16 text of Latin script does. Lines stay lines.
    static func utf16(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard bytes.count >= 4 else { return nil }
        var littleEndian: Bool
        var start = 0
        if bytes[0] == 0xFF && bytes[1] == 0xFE && !(bytes[2] == 0 && bytes[3] == 0) {
            littleEndian = true
            start = 2
        } else if bytes[0] == 0xFE && bytes[1] == 0xFF {
            littleEndian = false
            start = 2
        } else {
            // No mark: at least 32 bytes, 95% of the probe's code units an ASCII character beside a NUL.
            let probe = min(bytes.count, BlobScanner.binaryProbeLength) & ~1
            guard probe >= 32 else { return nil }
            var little = 0
            var big = 0
            for index in stride(from: 0, to: probe, by: 2) {
                let (first, second) = (bytes[index], bytes[index + 1])
                if second == 0 && first != 0 && first < 0x80 { little += 1 }
                if first == 0 && second != 0 && second < 0x80 { big += 1 }
            }
            let units = probe / 2
            if little * 100 >= units * 95 {
                littleEndian = true
            } else if big * 100 >= units * 95 {
                littleEndian = false
            } else {
                return nil
            }
        }
        var units = [UInt16]()
        units.reserveCapacity((bytes.count - start) / 2)
        // An odd last byte (a truncated file) is dropped.
        for index in stride(from: start, to: bytes.count - 1, by: 2) {
            let (first, second) = (UInt16(bytes[index]), UInt16(bytes[index + 1]))
            units.append(littleEndian ? first | second << 8 : first << 8 | second)
        }
        let text = Array(String(decoding: units, as: UTF16.self).utf8)
        // Text that decodes to NULs or mostly replacement characters was not UTF-16 after all.
        return text.contains(0) ? nil : text
    }

    /// Whether `bytes` start like a compiled program or bytecode: ELF, Mach-O (and fat/universal
    /// binaries, which share Java class files' magic), PE/COFF, WebAssembly, CPython bytecode.
    static func isExecutable(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 16 else { return false }
        let magic = (UInt32(bytes[0]) << 24) | (UInt32(bytes[1]) << 16) | (UInt32(bytes[2]) << 8) | UInt32(bytes[3])
        switch magic {
        case 0x7F45_4C46,  // ELF
            0xFEED_FACE, 0xFEED_FACF, 0xCEFA_EDFE, 0xCFFA_EDFE,  // Mach-O
            0xCAFE_BABE,  // Java class, Mach-O universal
            0x0061_736D:  // WebAssembly
            return true
        default:
            break
        }
        if bytes[0] == 0x4D && bytes[1] == 0x5A { return true }  // MZ: PE/COFF
        // CPython .pyc: a two-byte version magic then "\r\n", then flags.
        return bytes[2] == 0x0D && bytes[3] == 0x0A && bytes[1] < 0x10
    }

    /// The shortest printable run kept (`strings` uses 4; 6 keeps tokens and drops most noise).
    static let minimumRun = 6

    /// An executable's printable ASCII runs, one per line, as `strings` gives them, then its
    /// UTF-16LE ("wide") runs, as Windows programs keep most strings; nil for content that is not
    /// an executable.
    static func printableRuns(ofExecutable bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard isExecutable(bytes) else { return nil }
        var out = narrowRuns(bytes)
        for parity in 0..<2 { out += wideRuns(bytes, from: parity) }
        return out
    }

    private static func isPrintable(_ byte: UInt8) -> Bool { (byte >= 0x20 && byte < 0x7F) || byte == 0x09 }

    /// Runs of printable characters each followed by a NUL byte, starting at `from` (0 or 1).
    private static func wideRuns(_ bytes: UnsafeRawBufferPointer, from: Int) -> [UInt8] {
        var out = [UInt8]()
        var run = [UInt8]()
        var index = from
        while index + 1 < bytes.count {
            if isPrintable(bytes[index]) && bytes[index + 1] == 0 {
                run.append(bytes[index])
            } else {
                if run.count >= minimumRun { out += run + [0x0A] }
                run.removeAll(keepingCapacity: true)
            }
            index += 2
        }
        if run.count >= minimumRun { out += run + [0x0A] }
        return out
    }

    private static func narrowRuns(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8]()
        var runStart = -1
        for index in 0...bytes.count {
            let byte = index < bytes.count ? bytes[index] : 0
            let printable = (byte >= 0x20 && byte < 0x7F) || byte == 0x09
            if printable {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart >= minimumRun {
                    out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<index]))
                    out.append(0x0A)
                }
                runStart = -1
            }
        }
        return out
    }
}

