import Foundation

/// What opening an encrypted PKCS#8 key costs per passphrase, read from its
/// EncryptedPrivateKeyInfo before any trial: the key's author chooses the PBKDF2 iteration count
/// or scrypt's N, r and p, and OpenSSL's derivation cannot be interrupted once started (2^31 − 1
/// iterations ran for minutes). Only the DER structure is read: SEQUENCE { AlgorithmIdentifier,
/// OCTET STRING }.
struct PKCS8Cost: Equatable {
    enum Derivation: Equatable {
        case pbkdf2(iterations: Int)
        case scrypt(n: Int, r: Int, p: Int)
        /// PKCS#5 v1.5 and PKCS#12 password-based encryption: salt and iterations.
        case legacy(iterations: Int)
    }
    var derivation: Derivation

    /// Most PBKDF2 iterations tried (OpenSSL writes 2,048; OWASP's 2023 advice for SHA-256 is
    /// 600,000, which costs about 0.15 s here).
    static let maxIterations = 1_000_000
    /// Most memory scrypt may take (128 · N · r bytes) and most parallel lanes.
    static let maxScryptBytes = 64 << 20
    static let maxScryptLanes = 4

    /// Why trying passphrases would cost more than the budget allows, or nil when it is affordable.
    var refusal: String? {
        switch derivation {
        case .pbkdf2(let iterations), .legacy(let iterations):
            return iterations > Self.maxIterations
                ? "passphrases not tried: \(iterations) key-derivation iterations, above the budget of \(Self.maxIterations)"
                : nil
        case .scrypt(let n, let r, let p):
            let (memory, overflow) = n.multipliedReportingOverflow(by: 128 * r)
            if overflow || memory > Self.maxScryptBytes || p > Self.maxScryptLanes || n < 2 {
                return "passphrases not tried: scrypt N=\(n), r=\(r), p=\(p) costs more than the budget"
            }
            return nil
        }
    }

    static let pbes2 = oid([1, 2, 840, 113549, 1, 5, 13])
    static let pbkdf2 = oid([1, 2, 840, 113549, 1, 5, 12])
    static let scrypt = oid([1, 3, 6, 1, 4, 1, 11591, 4, 11])

    /// Reads the cost from a PEM `ENCRYPTED PRIVATE KEY` block; nil when it cannot be read (then
    /// OpenSSL refuses the key too, at no cost).
    init?(pem: String) {
        let body = pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") && !$0.contains(":") }
        guard let der = Data(base64Encoded: body.joined()) else { return nil }
        self.init(der: [UInt8](der))
    }

    init?(der: [UInt8]) {
        var outer = DERReader(der)
        guard var info = outer.sequence(), var algorithm = info.sequence(), let identifier = algorithm.oid() else {
            return nil
        }
        if identifier == Self.pbes2 {
            guard var parameters = algorithm.sequence(), var kdf = parameters.sequence(), let kdfID = kdf.oid(),
                var kdfParameters = kdf.sequence(), kdfParameters.octetString() != nil
            else { return nil }
            if kdfID == Self.pbkdf2 {
                guard let iterations = kdfParameters.integer() else { return nil }
                derivation = .pbkdf2(iterations: iterations)
            } else if kdfID == Self.scrypt {
                guard let n = kdfParameters.integer(), let r = kdfParameters.integer(), let p = kdfParameters.integer()
                else { return nil }
                derivation = .scrypt(n: n, r: r, p: p)
            } else {
                return nil
            }
        } else {
            guard var parameters = algorithm.sequence(), parameters.octetString() != nil,
                let iterations = parameters.integer()
            else { return nil }
            derivation = .legacy(iterations: iterations)
        }
    }

    static func oid(_ arcs: [Int]) -> [UInt8] {
        var bytes = [UInt8(arcs[0] * 40 + arcs[1])]
        for arc in arcs.dropFirst(2) {
            var chunk = [UInt8(arc & 0x7F)]
            var rest = arc >> 7
            while rest > 0 {
                chunk.insert(UInt8(rest & 0x7F) | 0x80, at: 0)
                rest >>= 7
            }
            bytes += chunk
        }
        return bytes
    }
}

/// A bounds-checked reader of DER tag-length-value items.
struct DERReader {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    private init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        position = start
        self.end = end
    }

    /// The next item with `tag`: its content range.
    private mutating func item(_ tag: UInt8) -> Range<Int>? {
        guard position + 2 <= end, bytes[position] == tag else { return nil }
        var length = Int(bytes[position + 1])
        var start = position + 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard count >= 1, count <= 4, start + count <= end else { return nil }
            length = 0
            for index in 0..<count { length = length << 8 | Int(bytes[start + index]) }
            start += count
        }
        guard length <= end - start else { return nil }
        position = start + length
        return start..<(start + length)
    }

    mutating func sequence() -> DERReader? {
        item(0x30).map { DERReader(bytes, from: $0.lowerBound, to: $0.upperBound) }
    }

    mutating func oid() -> [UInt8]? { item(0x06).map { Array(bytes[$0]) } }

    mutating func octetString() -> [UInt8]? { item(0x04).map { Array(bytes[$0]) } }

    /// A non-negative INTEGER that fits in 62 bits (larger is reported as Int.max: over any budget).
    mutating func integer() -> Int? {
        guard let range = item(0x02), !range.isEmpty else { return nil }
        let content = bytes[range].drop { $0 == 0 }
        guard bytes[range.lowerBound] & 0x80 == 0 else { return nil }
        if content.count > 7 { return Int.max }
        return content.reduce(0) { $0 << 8 | Int($1) }
    }
}
