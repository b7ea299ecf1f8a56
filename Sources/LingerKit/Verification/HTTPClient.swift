import COpenSSL
import Foundation
import Synchronization

/// An HTTP answer.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var body: Data
    public var headers: [String: String]
}

/// Why a request got no answer.
public enum HTTPFailure: Error, CustomStringConvertible, Equatable {
    case refusedURL(String, reason: String)
    case timedOut(after: TimeInterval)
    case transport(String)

    public var description: String {
        switch self {
        case .refusedURL(let url, let reason): return "refused to send to \(url): \(reason)"
        case .timedOut(let seconds): return "no answer within \(Int(seconds)) s"
        case .transport(let detail): return detail
        }
    }
}

/// Requests over HTTPS with certificate and host-name verification (OpenSSL, the system's trust
/// store, TLS 1.2 at the least); plain HTTP only to the loopback interface (tests, local relays).
/// One place for Linger's network calls. HTTP/1.1, one connection per request, redirects never
/// followed (a redirect could carry a request, and what it holds, to another host), one deadline
/// for the whole exchange whatever the server streams, the body capped.
///
/// Written on OpenSSL and sockets rather than URLSession: FoundationNetworking brings libcurl and
/// its whole TLS, Kerberos and LDAP chain, which a relocatable binary cannot carry.
public final class HTTPClient: @unchecked Sendable {
    public let timeout: TimeInterval
    /// The most of a response body kept: providers answer in a few kilobytes; a larger body is
    /// not read and the request fails, so a hostile or broken server cannot fill memory.
    public let maxBodySize: Int
    /// Shared by every request of this client (SSL_CTX is safe to share once set up). Made on the
    /// first HTTPS request: loading the system's trust store takes tens of milliseconds, which a
    /// scan that never goes on the network (most of them) should not pay. Nil inside once made
    /// means OpenSSL could not make one.
    private let contextStore = Mutex<OpaquePointer??>(nil)

    public init(timeout: TimeInterval = 10, maxBodySize: Int = 1 << 20) {
        self.timeout = timeout
        self.maxBodySize = maxBodySize
    }

    private var context: OpaquePointer? {
        contextStore.withLock { stored in
            if let made = stored { return made }
            let context = SSL_CTX_new(TLS_client_method())
            if let context {
                SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
                SSL_CTX_set_default_verify_paths(context)
                _ = linger_ssl_ctx_require_tls12(context)
                // A server that closes after its answer (Connection: close) without close_notify
                // has still sent the whole answer: Content-Length and chunking say whether it did.
                linger_ssl_ctx_ignore_unexpected_eof(context)
            }
            stored = .some(context)
            return context
        }
    }

    deinit { if case .some(.some(let context)) = contextStore.withLock({ $0 }) { SSL_CTX_free(context) } }

    /// Whether Linger may send to `url`: HTTPS anywhere, HTTP to 127.0.0.1, ::1 or localhost only.
    public static func check(_ url: URL) throws {
        guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
            throw HTTPFailure.refusedURL(url.absoluteString, reason: "not an absolute http(s) URL")
        }
        if scheme == "https" { return }
        let loopback = ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host)
        guard scheme == "http", loopback else {
            throw HTTPFailure.refusedURL(
                url.absoluteString, reason: "only https:// (or http:// to 127.0.0.1, for local relays and tests)")
        }
    }

    /// Sends a request and waits for the answer (redirects are returned, not followed).
    public func send(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil
    ) throws -> HTTPResponse {
        try Self.check(url)
        let deadline = Deadline(seconds: timeout)
        let secure = url.scheme?.lowercased() == "https"
        var host = url.host ?? ""
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = url.port ?? (secure ? 443 : 80)
        let socket = try Self.connect(host: host, port: port, deadline: deadline)
        defer { close(socket) }
        let channel: Channel = secure ? try TLSChannel(socket: socket, host: host, context: context, deadline: deadline) : PlainChannel(socket: socket)
        var path = url.path.isEmpty ? "/" : url.path
        if let query = url.query { path += "?" + query }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(url.port.map { "\(host):\($0)" } ?? host)\r\n"
        head += "Connection: close\r\nAccept-Encoding: identity\r\n"
        var names = Set<String>()
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            // A header value never ends the line early: no request smuggling through a secret.
            guard !name.contains(where: \.isNewline), !value.contains(where: \.isNewline) else {
                throw HTTPFailure.transport("a header holds a line break; not sent")
            }
            head += "\(name): \(value)\r\n"
            names.insert(name.lowercased())
        }
        if !names.contains("user-agent") { head += "User-Agent: linger/\(Linger.version)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        try channel.write(Array(head.utf8) + Array(body ?? Data()), deadline: deadline)
        return try read(channel, deadline: deadline)
    }

    // MARK: Reading the answer

    private func read(_ channel: Channel, deadline: Deadline) throws -> HTTPResponse {
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let headLimit = 64 * 1024
        var headEnd: Int?
        var contentLength: Int?
        while true {
            let count = try channel.read(into: &buffer, deadline: deadline)
            if count == 0 { break }
            received += buffer[0..<count]
            if headEnd == nil, let end = Self.find([13, 10, 13, 10], in: received) {
                headEnd = end
                let head = String(decoding: received[0..<end], as: UTF8.self)
                contentLength = Self.headers(of: head)["content-length"].flatMap { Int($0) }
                if let contentLength, contentLength > maxBodySize { throw tooLarge() }
            }
            if headEnd == nil && received.count > headLimit {
                throw HTTPFailure.transport("the response headers are larger than \(headLimit / 1024) KiB; not read")
            }
            if let headEnd {
                let bodyCount = received.count - headEnd - 4
                if bodyCount > maxBodySize + (contentLength == nil ? 64 * 1024 : 0) { throw tooLarge() }
                if let contentLength, bodyCount >= contentLength { break }
            }
        }
        guard let headEnd else { throw HTTPFailure.transport("no HTTP response") }
        let head = String(decoding: received[0..<headEnd], as: UTF8.self)
        let statusLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw HTTPFailure.transport("no HTTP response")
        }
        let headers = Self.headers(of: head)
        var body = Array(received[(headEnd + 4)...])
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try Self.dechunk(body)
        } else if let contentLength {
            guard body.count >= contentLength else { throw HTTPFailure.transport("the connection closed mid-body") }
            body = Array(body.prefix(contentLength))
        }
        if body.count > maxBodySize { throw tooLarge() }
        return HTTPResponse(status: status, body: Data(body), headers: headers)
    }

    private func tooLarge() -> HTTPFailure {
        .transport("the response body is larger than \(maxBodySize / 1024) KiB; not read")
    }

    static func headers(of head: String) -> [String: String] {
        var headers: [String: String] = [:]
        for line in head.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }

    /// Where `needle` first occurs in `bytes` at or after `from`.
    static func find(_ needle: [UInt8], in bytes: [UInt8], from: Int = 0) -> Int? {
        guard from >= 0, bytes.count - from >= needle.count else { return nil }
        for start in from...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if bytes[start..<start + needle.count].elementsEqual(needle) { return start }
        }
        return nil
    }

    /// A chunked body (`Transfer-Encoding: chunked`) as its bytes.
    static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out = [UInt8]()
        var position = 0
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: position) else {
                throw HTTPFailure.transport("a chunked body ends early")
            }
            let sizeText = String(decoding: bytes[position..<lineEnd], as: UTF8.self)
                .split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw HTTPFailure.transport("a chunked body has a bad chunk size")
            }
            position = lineEnd + 2
            if size == 0 { return out }
            guard position + size <= bytes.count else { throw HTTPFailure.transport("a chunked body ends early") }
            out += bytes[position..<position + size]
            position += size + 2
        }
    }

    // MARK: Connecting

    /// A connected TCP socket, or why not, within the deadline.
    static func connect(host: String, port: Int, deadline: Deadline) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let list else {
            throw HTTPFailure.transport("cannot resolve \(host): \(String(cString: gai_strerror(code)))")
        }
        defer { freeaddrinfo(list) }
        var failure = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = list
        while let address = entry {
            entry = address.pointee.ai_next
            let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), address.pointee.ai_protocol)
            guard socket >= 0 else { continue }
            let flags = fcntl(socket, F_GETFL)
            _ = fcntl(socket, F_SETFL, flags | O_NONBLOCK)
            var result = Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen)
            if result != 0 && errno == EINPROGRESS {
                var poller = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                result = poll(&poller, 1, deadline.milliseconds)
                if result == 0 {
                    close(socket)
                    throw HTTPFailure.timedOut(after: deadline.total)
                }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(socket, SOL_SOCKET, SO_ERROR, &error, &length)
                result = error == 0 && result > 0 ? 0 : -1
                if error != 0 { errno = error }
            }
            if result == 0 {
                _ = fcntl(socket, F_SETFL, flags)
                return socket
            }
            failure = String(cString: strerror(errno))
            close(socket)
        }
        throw HTTPFailure.transport("cannot connect to \(host):\(port): \(failure)")
    }

    /// The time left for one exchange.
    struct Deadline {
        let end: Date
        let total: TimeInterval
        init(seconds: TimeInterval) {
            total = seconds
            end = Date().addingTimeInterval(seconds)
        }
        var remaining: TimeInterval { end.timeIntervalSinceNow }
        var milliseconds: Int32 { Int32(max(1, min(Double(Int32.max), remaining * 1000))) }

        /// Sets the socket's send and receive timeouts to what is left; throws once nothing is.
        func apply(to socket: Int32) throws {
            let left = remaining
            guard left > 0 else { throw HTTPFailure.timedOut(after: total) }
            var value = timeval(tv_sec: Int(left), tv_usec: Int((left - Double(Int(left))) * 1_000_000))
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        }
    }
}

/// Bytes to and from the server: plain, or through TLS.
protocol Channel {
    func write(_ bytes: [UInt8], deadline: HTTPClient.Deadline) throws
    /// Reads into `buffer`; 0 at the end of the stream.
    func read(into buffer: inout [UInt8], deadline: HTTPClient.Deadline) throws -> Int
}

struct PlainChannel: Channel {
    let socket: Int32

    func write(_ bytes: [UInt8], deadline: HTTPClient.Deadline) throws {
        var sent = 0
        while sent < bytes.count {
            try deadline.apply(to: socket)
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPFailure.timedOut(after: deadline.total) }
                throw HTTPFailure.transport("sending: \(String(cString: strerror(errno)))")
            }
            sent += count
        }
    }

    func read(into buffer: inout [UInt8], deadline: HTTPClient.Deadline) throws -> Int {
        while true {
            try deadline.apply(to: socket)
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPFailure.timedOut(after: deadline.total) }
            throw HTTPFailure.transport("receiving: \(String(cString: strerror(errno)))")
        }
    }
}

/// TLS over a connected socket: the server's certificate must chain to the system's trust store
/// and name the host (SSL_set1_host); SNI is sent.
final class TLSChannel: Channel {
    let socket: Int32
    let ssl: OpaquePointer

    init(socket: Int32, host: String, context: OpaquePointer?, deadline: HTTPClient.Deadline) throws {
        guard let context, let ssl = SSL_new(context) else { throw HTTPFailure.transport("TLS: cannot start (OpenSSL)") }
        self.socket = socket
        self.ssl = ssl
        _ = linger_ssl_set_server_name(ssl, host)
        guard SSL_set1_host(ssl, host) == 1, SSL_set_fd(ssl, socket) == 1 else {
            throw HTTPFailure.transport("TLS: cannot set up the connection to \(host)")
        }
        ERR_clear_error()
        try deadline.apply(to: socket)
        if SSL_connect(ssl) != 1 {
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPFailure.timedOut(after: deadline.total) }
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                throw HTTPFailure.transport(
                    "TLS: the certificate of \(host) is not trusted: \(String(cString: X509_verify_cert_error_string(verify)))")
            }
            throw HTTPFailure.transport("TLS handshake with \(host) failed: \(Self.lastError())")
        }
    }

    deinit {
        SSL_shutdown(ssl)
        SSL_free(ssl)
    }

    static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "the connection closed" }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ bytes: [UInt8], deadline: HTTPClient.Deadline) throws {
        var sent = 0
        while sent < bytes.count {
            try deadline.apply(to: socket)
            let count = bytes[sent...].withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if count <= 0 { throw failure(count, deadline: deadline) }
            sent += Int(count)
        }
    }

    func read(into buffer: inout [UInt8], deadline: HTTPClient.Deadline) throws -> Int {
        try deadline.apply(to: socket)
        errno = 0
        let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
        if count > 0 { return Int(count) }
        if SSL_get_error(ssl, count) == SSL_ERROR_ZERO_RETURN { return 0 }
        throw failure(count, deadline: deadline)
    }

    private func failure(_ count: Int32, deadline: HTTPClient.Deadline) -> HTTPFailure {
        let error = SSL_get_error(ssl, count)
        if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_SYSCALL)
            && (errno == EAGAIN || errno == EWOULDBLOCK)
        {
            return .timedOut(after: deadline.total)
        }
        return .transport("TLS: \(Self.lastError())")
    }
}
