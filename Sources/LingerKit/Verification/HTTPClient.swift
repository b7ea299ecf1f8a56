import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

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

/// Requests over HTTPS with certificate verification (the system's trust store); plain HTTP only
/// to the loopback interface (tests, local relays). One place for Linger's network calls; one
/// session per client, so requests to a host reuse its connections.
public final class HTTPClient: @unchecked Sendable {
    public let timeout: TimeInterval
    private let session: URLSession

    public init(timeout: TimeInterval = 10) {
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

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

    /// Sends `request` and waits for the answer (redirects are not followed).
    public func send(
        _ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil
    ) throws -> HTTPResponse {
        try Self.check(url)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let box = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let limit = timeout
        let task = session.dataTask(with: request) { data, response, error in
            if let error {
                let code = (error as NSError).code
                box.result = .failure(
                    code == NSURLErrorTimedOut
                        ? HTTPFailure.timedOut(after: limit) : .transport(error.localizedDescription))
            } else if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (name, value) in http.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                }
                box.result = .success(HTTPResponse(status: http.statusCode, body: data ?? Data(), headers: headers))
            } else {
                box.result = .failure(HTTPFailure.transport("no HTTP response"))
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout + 5) == .timedOut {
            task.cancel()
            throw HTTPFailure.timedOut(after: timeout)
        }
        return try box.result!.get()
    }

    private final class ResultBox: @unchecked Sendable {
        var result: Result<HTTPResponse, Error>?
    }

    /// A redirect could carry a request, and what it holds, to another host: never followed.
    private final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }
}
