import COpenSSL
import Foundation

/// A certificate, public key or OpenSSH public key line found in scanned content.
public struct PublicKeySighting: Sendable, Equatable {
    public enum Kind: String, Sendable { case certificate, publicKey = "public key", sshPublicKey = "authorized key" }
    public var kind: Kind
    public var path: String
    public var line: Int
    /// SHA-256 of the DER SubjectPublicKeyInfo, hex.
    public var publicKeySHA256: String
    public var subject: String?
    public var issuer: String?
    public var notBefore: Int64?
    public var notAfter: Int64?
    /// Hexadecimal serial number, upper case.
    public var serial: String?
    /// The blob it was seen in, for content read from git.
    public var blob: GitObjectID? = nil
}

/// A certificate revocation list's entries: (issuer, serial).
public struct RevokedCertificates: Sendable, Equatable {
    public var issuer: String
    public var serials: Set<String>
    public var path: String
}

/// Markers found in content: where the certificate reader has something to read, and where a
/// construct spanning many lines starts (whose results a delta-aware sweep does not reuse, see
/// `DeltaScan`). The rule database holds the markers as literals after the rules' patterns, so
/// the matcher finds them in the pass it makes anyway (`MatchOutcome.anchors`): searched apart,
/// `BEGIN ` and `AAAA` stopped at every capital of a C macro.
public struct CertificateAnchors: OptionSet, Sendable, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `-----BEGIN `: a PEM block.
    static let pem = CertificateAnchors(rawValue: 1)
    /// `---- BEGIN `: an SSH2 (RFC 4716) key.
    static let ssh2 = CertificateAnchors(rawValue: 2)
    /// `PuTTY-User-Key-File`.
    static let putty = CertificateAnchors(rawValue: 4)
    /// An OpenSSH public key line's start (`ssh-ed25519 AAAA`, `ssh-rsa AAAA`, `ecdsa-sha2-… AAAA`).
    static let openSSHKey = CertificateAnchors(rawValue: 8)

    /// The literals, in database order, and the anchor each stands for.
    static let literals: [(bytes: [UInt8], anchor: CertificateAnchors)] =
        [(CertificateReader.beginMarker, .pem), (CertificateReader.ssh2Marker, .ssh2),
         (CertificateReader.puttyMarker, .putty)]
        + CertificateReader.sshMarkers.map { ($0, .openSSHKey) }
    static let literalBytes = literals.map(\.bytes)

    /// Whether the content may hold what `CertificateReader.scan` reads (a PEM block or an
    /// OpenSSH public key line).
    var mayHoldKeys: Bool { !isDisjoint(with: [.pem, .openSSHKey]) }
    /// Whether the content holds the start of a construct spanning lines, or an OpenSSH public
    /// key marker.
    var startsManyLineConstruct: Bool { !isEmpty }
}

/// Reads certificates, public keys and CRLs through OpenSSL, from PEM text or DER bytes.
public enum CertificateReader {
    static let certificateMarker = Array("-----BEGIN CERTIFICATE-----".utf8)
    static let publicKeyMarker = Array("-----BEGIN PUBLIC KEY-----".utf8)
    static let crlMarker = Array("-----BEGIN X509 CRL-----".utf8)
    static let beginMarker = Array("-----BEGIN ".utf8)
    static let sshMarkers = [
        "ssh-ed25519 AAAA", "ssh-rsa AAAA", "ecdsa-sha2-nistp256 AAAA", "ecdsa-sha2-nistp384 AAAA",
        "ecdsa-sha2-nistp521 AAAA",
    ].map { Array($0.utf8) }
    static let ssh2Marker = Array("---- BEGIN ".utf8)
    static let puttyMarker = Array("PuTTY-User-Key-File".utf8)

    /// Every certificate, public key and OpenSSH public key line in PEM text, and every CRL.
    static func scan(_ bytes: UnsafeRawBufferPointer, path: String, lineOf: (Int) -> Int)
        -> (sightings: [PublicKeySighting], revocations: [RevokedCertificates])
    {
        var sightings = [PublicKeySighting]()
        var revocations = [RevokedCertificates]()
        for marker in [certificateMarker, publicKeyMarker, crlMarker] {
            var searchFrom = 0
            while let found = bytes.range(of: marker, from: searchFrom) {
                let start = found.lowerBound
                guard let endFound = bytes.range(of: Array("-----END ".utf8), from: found.upperBound),
                    let close = bytes.range(of: Array("-----".utf8), from: endFound.upperBound)
                else { break }
                let end = close.upperBound
                searchFrom = end
                guard end - start < 64 * 1024 else { continue }
                let block = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                if marker == crlMarker {
                    if let crl = readCRL(pem: block, path: path) { revocations.append(crl) }
                } else if var sighting = marker == certificateMarker
                    ? readCertificate(pem: block) : readPublicKey(pem: block)
                {
                    sighting.path = path
                    sighting.line = lineOf(start)
                    sightings.append(sighting)
                }
            }
        }
        for marker in sshMarkers {
            var searchFrom = 0
            while let found = bytes.range(of: marker, from: searchFrom) {
                let start = found.lowerBound
                let keyStart = start + marker.count - 4
                var end = keyStart
                while end < bytes.count, end - keyStart < 16 * 1024, let byte = Optional(bytes[end]),
                    (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                        || byte == 0x2B || byte == 0x2F || byte == 0x3D
                {
                    end += 1
                }
                searchFrom = max(end, start + 1)
                let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[keyStart..<end]), as: UTF8.self)
                guard let blob = Data(base64Encoded: text),
                    let spki = PrivateKeyReader.spkiSHA256(sshPublicKey: [UInt8](blob))
                else { continue }
                sightings.append(
                    PublicKeySighting(
                        kind: .sshPublicKey, path: path, line: lineOf(start), publicKeySHA256: spki.fingerprint))
            }
        }
        return (sightings, revocations)
    }

    static func readCertificate(pem: [UInt8]) -> PublicKeySighting? {
        withBIO(pem) { bio in
            guard let certificate = PEM_read_bio_X509(bio, nil, nil, nil) else { return nil }
            defer { X509_free(certificate) }
            return describe(certificate)
        }
    }

    /// A DER certificate (a `.der`/`.cer`/`.crt` file).
    public static func readCertificate(der: UnsafeRawBufferPointer) -> PublicKeySighting? {
        guard let base = der.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var pointer: UnsafePointer<UInt8>? = UnsafePointer(base)
        guard let certificate = d2i_X509(nil, &pointer, der.count) else { return nil }
        defer { X509_free(certificate) }
        return describe(certificate)
    }

    static func describe(_ certificate: OpaquePointer) -> PublicKeySighting? {
        guard let key = X509_get_pubkey(certificate) else { return nil }
        defer { EVP_PKEY_free(key) }
        let notBefore = linger_asn1_time_epoch(X509_get0_notBefore(certificate))
        let notAfter = linger_asn1_time_epoch(X509_get0_notAfter(certificate))
        return PublicKeySighting(
            kind: .certificate, path: "", line: 0, publicKeySHA256: PrivateKeyReader.spkiSHA256(key),
            subject: name(X509_get_subject_name(certificate)), issuer: name(X509_get_issuer_name(certificate)),
            notBefore: notBefore >= 0 ? notBefore : nil, notAfter: notAfter >= 0 ? notAfter : nil,
            serial: serial(X509_get_serialNumber(certificate).map { UnsafePointer($0) }))
    }

    static func readPublicKey(pem: [UInt8]) -> PublicKeySighting? {
        withBIO(pem) { bio in
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else { return nil }
            defer { EVP_PKEY_free(key) }
            return PublicKeySighting(
                kind: .publicKey, path: "", line: 0, publicKeySHA256: PrivateKeyReader.spkiSHA256(key))
        }
    }

    /// Reads a CRL (PEM or DER).
    public static func readCRL(pem: [UInt8], path: String) -> RevokedCertificates? {
        let crl: OpaquePointer? = withBIO(pem) { bio in
            if let crl = PEM_read_bio_X509_CRL(bio, nil, nil, nil) { return crl }
            return pem.withUnsafeBufferPointer { buffer in
                var pointer: UnsafePointer<UInt8>? = buffer.baseAddress
                return d2i_X509_CRL(nil, &pointer, buffer.count)
            }
        }
        guard let crl else { return nil }
        defer { X509_CRL_free(crl) }
        var serials = Set<String>()
        for index in 0..<linger_crl_revoked_count(crl) {
            if let value = serial(linger_crl_revoked_serial(crl, index)) { serials.insert(value) }
        }
        return RevokedCertificates(issuer: name(X509_CRL_get_issuer(crl)) ?? "", serials: serials, path: path)
    }

    private static func withBIO<T>(_ bytes: [UInt8], _ body: (OpaquePointer) -> T?) -> T? {
        bytes.withUnsafeBytes { buffer in
            // The BIO reads `buffer` in place: use it only inside this closure.
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    static func name(_ name: OpaquePointer?) -> String? {
        guard let name, let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, linger_xn_flag_rfc2253()) >= 0 else { return nil }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard length > 0, let pointer else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(length)), as: UTF8.self)
    }

    static func serial(_ integer: UnsafePointer<ASN1_INTEGER>?) -> String? {
        guard let integer, let number = ASN1_INTEGER_to_BN(integer, nil) else { return nil }
        defer { BN_free(number) }
        guard let hex = BN_bn2hex(number) else { return nil }
        defer { CRYPTO_free(hex, #fileID, #line) }
        return String(cString: hex).uppercased()
    }
}
