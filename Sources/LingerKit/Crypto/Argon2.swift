/// BLAKE2b (RFC 7693) with any output length up to 64 bytes: Argon2 needs lengths OpenSSL 3.0's
/// fixed BLAKE2b-512 does not offer.
struct Blake2b {
    static let iv: [UInt64] = [
        0x6A09_E667_F3BC_C908, 0xBB67_AE85_84CA_A73B, 0x3C6E_F372_FE94_F82B, 0xA54F_F53A_5F1D_36F1,
        0x510E_527F_ADE6_82D1, 0x9B05_688C_2B3E_6C1F, 0x1F83_D9AB_FB41_BD6B, 0x5BE0_CD19_137E_2179,
    ]
    static let sigma: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4], [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13], [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11], [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5], [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]

    static func hash(_ input: [UInt8], length: Int) -> [UInt8] {
        precondition(length >= 1 && length <= 64)
        var h = iv
        h[0] ^= 0x0101_0000 ^ UInt64(length)
        var counter: UInt64 = 0
        var offset = 0
        repeat {
            let remaining = input.count - offset
            let last = remaining <= 128
            var block = [UInt8](repeating: 0, count: 128)
            let take = min(128, remaining)
            if take > 0 { block.replaceSubrange(0..<take, with: input[offset..<(offset + take)]) }
            counter += UInt64(take)
            compress(&h, block, counter: counter, last: last)
            offset += take
            if last { break }
        } while true
        var output = [UInt8]()
        output.reserveCapacity(64)
        for word in h {
            for shift in stride(from: 0, to: 64, by: 8) { output.append(UInt8((word >> UInt64(shift)) & 0xFF)) }
        }
        return Array(output.prefix(length))
    }

    static func compress(_ h: inout [UInt64], _ block: [UInt8], counter: UInt64, last: Bool) {
        var m = [UInt64](repeating: 0, count: 16)
        for index in 0..<16 {
            var word: UInt64 = 0
            for byte in 0..<8 { word |= UInt64(block[index * 8 + byte]) << UInt64(8 * byte) }
            m[index] = word
        }
        var v = h + iv
        v[12] ^= counter
        if last { v[14] = ~v[14] }
        @inline(__always) func g(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt64, _ y: UInt64) {
            v[a] = v[a] &+ v[b] &+ x
            v[d] = (v[d] ^ v[a]).rotatedRight(32)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(24)
            v[a] = v[a] &+ v[b] &+ y
            v[d] = (v[d] ^ v[a]).rotatedRight(16)
            v[c] = v[c] &+ v[d]
            v[b] = (v[b] ^ v[c]).rotatedRight(63)
        }
        for round in 0..<12 {
            let s = sigma[round % 10]
            g(0, 4, 8, 12, m[s[0]], m[s[1]])
            g(1, 5, 9, 13, m[s[2]], m[s[3]])
            g(2, 6, 10, 14, m[s[4]], m[s[5]])
            g(3, 7, 11, 15, m[s[6]], m[s[7]])
            g(0, 5, 10, 15, m[s[8]], m[s[9]])
            g(1, 6, 11, 12, m[s[10]], m[s[11]])
            g(2, 7, 8, 13, m[s[12]], m[s[13]])
            g(3, 4, 9, 14, m[s[14]], m[s[15]])
        }
        for index in 0..<8 { h[index] ^= v[index] ^ v[index + 8] }
    }
}

extension UInt64 {
    @inline(__always) func rotatedRight(_ count: UInt64) -> UInt64 { (self >> count) | (self << (64 - count)) }
}

/// Argon2 (RFC 9106, version 0x13): the key derivation of PuTTY's PPK version 3 files, which
/// OpenSSL 3.0 lacks.
enum Argon2 {
    enum Variant: UInt32 { case d = 0, i = 1, id = 2 }

    static func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }

    /// H' — BLAKE2b stretched to any length.
    static func longHash(_ input: [UInt8], length: Int) -> [UInt8] {
        let prefixed = le32(length) + input
        if length <= 64 { return Blake2b.hash(prefixed, length: length) }
        let r = (length + 31) / 32 - 2
        var v = Blake2b.hash(prefixed, length: 64)
        var output = Array(v.prefix(32))
        for _ in 1..<r {
            v = Blake2b.hash(v, length: 64)
            output += v.prefix(32)
        }
        output += Blake2b.hash(v, length: length - 32 * r)
        return output
    }

    /// Word indices of the eight rows, then the eight columns, of a block seen as 8x8 registers.
    static let permutationIndices: [[Int]] = {
        var lists: [[Int]] = []
        for row in 0..<8 { lists.append((0..<16).map { row * 16 + $0 }) }
        for column in 0..<8 {
            var list: [Int] = []
            for register in 0..<8 { list += [2 * column + 16 * register, 2 * column + 1 + 16 * register] }
            lists.append(list)
        }
        return lists
    }()

    /// The compression G over 1 KiB blocks (128 words): `x XOR y`, permuted by rows then columns,
    /// XORed with `x XOR y` again (and with what `out` held, from the second pass on).
    static func compress(
        _ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>, into out: UnsafeMutablePointer<UInt64>, xorInto: Bool
    ) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 256) { buffer in
            let r = buffer.baseAddress!
            let q = r + 128
            for index in 0..<128 {
                r[index] = x[index] ^ y[index]
                q[index] = r[index]
            }
            @inline(__always) func mul(_ u: UInt64, _ w: UInt64) -> UInt64 {
                2 &* (u & 0xFFFF_FFFF) &* (w & 0xFFFF_FFFF)
            }
            @inline(__always) func gb(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
                q[a] = q[a] &+ q[b] &+ mul(q[a], q[b])
                q[d] = (q[d] ^ q[a]).rotatedRight(32)
                q[c] = q[c] &+ q[d] &+ mul(q[c], q[d])
                q[b] = (q[b] ^ q[c]).rotatedRight(24)
                q[a] = q[a] &+ q[b] &+ mul(q[a], q[b])
                q[d] = (q[d] ^ q[a]).rotatedRight(16)
                q[c] = q[c] &+ q[d] &+ mul(q[c], q[d])
                q[b] = (q[b] ^ q[c]).rotatedRight(63)
            }
            for i in permutationIndices {
                gb(i[0], i[4], i[8], i[12])
                gb(i[1], i[5], i[9], i[13])
                gb(i[2], i[6], i[10], i[14])
                gb(i[3], i[7], i[11], i[15])
                gb(i[0], i[5], i[10], i[15])
                gb(i[1], i[6], i[11], i[12])
                gb(i[2], i[7], i[8], i[13])
                gb(i[3], i[4], i[9], i[14])
            }
            for index in 0..<128 {
                let value = q[index] ^ r[index]
                out[index] = xorInto ? out[index] ^ value : value
            }
        }
    }

    /// The tag of `length` bytes; memory in KiB.
    static func hash(
        password: [UInt8], salt: [UInt8], passes: Int, memory: Int, lanes: Int, length: Int, variant: Variant
    ) -> [UInt8] {
        let blocks = max(8 * lanes, 4 * lanes * (memory / (4 * lanes)))
        let laneLength = blocks / lanes
        let segmentLength = laneLength / 4
        var parameters: [UInt8] = le32(lanes)
        parameters += le32(length)
        parameters += le32(memory)
        parameters += le32(passes)
        parameters += le32(0x13)
        parameters += le32(Int(variant.rawValue))
        parameters += le32(password.count)
        parameters += password
        parameters += le32(salt.count)
        parameters += salt
        parameters += le32(0)  // no secret key
        parameters += le32(0)  // no associated data
        let h0 = Blake2b.hash(parameters, length: 64)
        var memoryWords = [UInt64](repeating: 0, count: blocks * 128)
        var finalBytes = [UInt8]()
        memoryWords.withUnsafeMutableBufferPointer { memory in
            let base = memory.baseAddress!
            func block(_ lane: Int, _ index: Int) -> UnsafeMutablePointer<UInt64> {
                base + (lane * laneLength + index) * 128
            }
            for lane in 0..<lanes {
                for index in 0..<2 {
                    let bytes = longHash(h0 + le32(index) + le32(lane), length: 1024)
                    let target = block(lane, index)
                    for word in 0..<128 {
                        var value: UInt64 = 0
                        for byte in 0..<8 { value |= UInt64(bytes[word * 8 + byte]) << UInt64(8 * byte) }
                        target[word] = value
                    }
                }
            }
            var zero = [UInt64](repeating: 0, count: 128)
            var input = [UInt64](repeating: 0, count: 128)
            var address = [UInt64](repeating: 0, count: 128)
            var scratch = [UInt64](repeating: 0, count: 128)
            for pass in 0..<passes {
                for slice in 0..<4 {
                    for lane in 0..<lanes {
                        let independent = variant == .i || (variant == .id && pass == 0 && slice < 2)
                        if independent {
                            for index in 0..<128 { input[index] = 0 }
                            input[0] = UInt64(pass)
                            input[1] = UInt64(lane)
                            input[2] = UInt64(slice)
                            input[3] = UInt64(blocks)
                            input[4] = UInt64(passes)
                            input[5] = UInt64(variant.rawValue)
                        }
                        let start = (pass == 0 && slice == 0) ? 2 : 0
                        if independent && start == 2 {
                            nextAddresses(&input, &address, &zero, &scratch)
                        }
                        for index in start..<segmentLength {
                            let current = slice * segmentLength + index
                            let previous = current == 0 ? laneLength - 1 : current - 1
                            let pseudoRandom: UInt64
                            if independent {
                                if index % 128 == 0 { nextAddresses(&input, &address, &zero, &scratch) }
                                pseudoRandom = address[index % 128]
                            } else {
                                pseudoRandom = block(lane, previous)[0]
                            }
                            let j1 = pseudoRandom & 0xFFFF_FFFF
                            let j2 = pseudoRandom >> 32
                            let referenceLane = (pass == 0 && slice == 0) ? lane : Int(j2 % UInt64(lanes))
                            let sameLane = referenceLane == lane
                            var area: Int
                            if pass == 0 {
                                area = sameLane ? current - 1 : slice * segmentLength + (index == 0 ? -1 : 0)
                            } else {
                                area =
                                    sameLane
                                    ? laneLength - segmentLength + index - 1
                                    : laneLength - segmentLength + (index == 0 ? -1 : 0)
                            }
                            let x = (j1 &* j1) >> 32
                            let y = (UInt64(area) &* x) >> 32
                            let relative = UInt64(area) - 1 - y
                            let startPosition = (pass == 0 || slice == 3) ? 0 : (slice + 1) * segmentLength
                            let referenceIndex = Int((UInt64(startPosition) + relative) % UInt64(laneLength))
                            compress(
                                block(lane, previous), block(referenceLane, referenceIndex), into: block(lane, current),
                                xorInto: pass > 0)
                        }
                    }
                }
            }
            var final = [UInt64](repeating: 0, count: 128)
            for lane in 0..<lanes {
                let last = block(lane, laneLength - 1)
                for word in 0..<128 { final[word] ^= last[word] }
            }
            finalBytes.reserveCapacity(1024)
            for word in final {
                for shift in stride(from: 0, to: 64, by: 8) { finalBytes.append(UInt8((word >> UInt64(shift)) & 0xFF)) }
            }
        }
        return longHash(finalBytes, length: length)
    }

    /// Data-independent addresses: the next block of 128 pseudo-random words.
    static func nextAddresses(
        _ input: inout [UInt64], _ address: inout [UInt64], _ zero: inout [UInt64], _ scratch: inout [UInt64]
    ) {
        input[6] &+= 1
        for index in 0..<128 { zero[index] = 0 }
        zero.withUnsafeBufferPointer { z in
            input.withUnsafeBufferPointer { i in
                scratch.withUnsafeMutableBufferPointer { s in
                    compress(z.baseAddress!, i.baseAddress!, into: s.baseAddress!, xorInto: false)
                }
            }
            scratch.withUnsafeBufferPointer { s in
                address.withUnsafeMutableBufferPointer { a in
                    compress(z.baseAddress!, s.baseAddress!, into: a.baseAddress!, xorInto: false)
                }
            }
        }
    }
}
