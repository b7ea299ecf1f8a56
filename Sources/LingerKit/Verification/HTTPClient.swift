import Foundation
import Synchronization

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
    /// The most of a response body kept: providers answer in a few kilobytes; a larger body is
    /// cut off and the request fails, so a hostile or broken server cannot fill memory.
    public let maxBodySize: Int
    private let session: URLSession
    private let tasks: TaskTable

    public init(timeout: TimeInterval = 10, maxBodySize: Int = 1 << 20) {
        self.timeout = timeout
        self.maxBodySize = maxBodySize
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        tasks = TaskTable(maxBodySize: maxBodySize)
        session = URLSession(configuration: configuration, delegate: tasks, delegateQueue: nil)
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
        let task = session.dataTask(with: request)
        let state = tasks.register(task)
        task.resume()
        // A total deadline, whatever the server streams: the request's own timeout restarts with
        // each packet a slow server sends.
        if state.done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            tasks.forget(task)
            throw HTTPFailure.timedOut(after: timeout)
        }
        tasks.forget(task)
        if state.tooLarge {
            throw HTTPFailure.transport("the response body is larger than \(maxBodySize / 1024) KiB; not read")
        }
        if let error = state.error {
            let code = (error as NSError).code
            throw code == NSURLErrorTimedOut ? HTTPFailure.timedOut(after: timeout) : .transport(error.localizedDescription)
        }
        guard let http = state.response as? HTTPURLResponse else { throw HTTPFailure.transport("no HTTP response") }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return HTTPResponse(status: http.statusCode, body: state.body, headers: headers)
    }

    /// One request's progress, filled in by the session's delegate.
    final class TaskState: @unchecked Sendable {
        var response: URLResponse?
        var body = Data()
        var error: Error?
        var tooLarge = false
        let done = DispatchSemaphore(value: 0)
    }

    /// The session's delegate: collects each task's body up to the cap (cancelling past it) and
    /// never follows a redirect (it could carry a request, and what it holds, to another host).
    final class TaskTable: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        private let states = Mutex([Int: TaskState]())
        let maxBodySize: Int

        init(maxBodySize: Int) { self.maxBodySize = maxBodySize }

        func register(_ task: URLSessionTask) -> TaskState {
            let state = TaskState()
            let id = task.taskIdentifier
            states.withLock { $0[id] = state }
            return state
        }

        func forget(_ task: URLSessionTask) {
            let id = task.taskIdentifier
            states.withLock { $0[id] = nil }
        }

        private func state(_ task: URLSessionTask) -> TaskState? {
            let id = task.taskIdentifier
            return states.withLock { $0[id] }
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
        ) {
            state(dataTask)?.response = response
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            guard let state = state(dataTask), !state.tooLarge else { return }
            if state.body.count + data.count > maxBodySize {
                state.tooLarge = true
                dataTask.cancel()
                return
            }
            state.body.append(data)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            guard let state = state(task) else { return }
            state.error = error
            state.done.signal()
        }

        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)
        }
    }
}
