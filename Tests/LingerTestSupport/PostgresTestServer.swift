import Foundation

/// The PostgreSQL server the shared-ledger tests use: the one `.ci/run` started
/// (`LINGER_TEST_POSTGRES_URL`, `PGPASSWORD`, `LINGER_TEST_POSTGRES_CTL`), or else one this test
/// process starts itself with `.ci/postgres-start` (loopback only, a temporary folder), so that
/// README's `swift test` runs the same suite. Each test gets a database of its own.
public enum PostgresTestServer {
    public struct Server: Sendable {
        /// The server's URL without a database (`postgresql://linger@127.0.0.1:PORT`).
        public var base: String
        public var password: String
        /// Runs pg_ctl on this cluster (`restart`, `stop -m fast`, `start`).
        public var control: String
        /// The environment a `linger` process or a PostgreSQL tool needs to reach it.
        public var environment: [String: String] { ["PGPASSWORD": password] }
    }

    public enum Failure: Error, CustomStringConvertible {
        case cannotStart(String)
        public var description: String {
            switch self {
            case .cannotStart(let why): return "no PostgreSQL server for the shared-ledger tests: \(why)"
            }
        }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Started (or found) once per test process.
    public static let shared: Result<Server, Failure> = {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["LINGER_TEST_POSTGRES_URL"], let password = environment["PGPASSWORD"],
            let control = environment["LINGER_TEST_POSTGRES_CTL"]
        {
            return .success(Server(base: strippingDatabase(url), password: password, control: control))
        }
        let started = start()
        if case .success(let server) = started {
            // A server this process started is stopped when it exits (one `.ci/run` started is its own).
            startedControl = server.control
            atexit {
                if let control = PostgresTestServer.startedControl {
                    PostgresTestServer.stop(Server(base: "", password: "", control: control))
                }
            }
        }
        return started
    }()

    nonisolated(unsafe) static var startedControl: String?

    /// A server of one test's own, for tests that stop or restart it (the shared one serves tests
    /// running at the same time). Stop it with `stop(_:)`.
    public static func dedicated() throws -> (url: String, server: Server) {
        let server = try start().get()
        return (server.base + "/linger_test", server)
    }

    /// Stops a dedicated server and removes its folder.
    public static func stop(_ server: Server) {
        run([server.control, "stop", "-m", "immediate"], environment: [:])
        let folder = (server.control as NSString).deletingLastPathComponent
        if folder.hasPrefix("/tmp/linger-postgres.") { try? FileManager.default.removeItem(atPath: folder) }
    }

    static func start() -> Result<Server, Failure> {
        let (status, output) = run(["bash", packageRoot + "/.ci/postgres-start"], environment: [:])
        guard status == 0 else { return .failure(.cannotStart(output)) }
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst(7)
            guard let equals = assignment.firstIndex(of: "=") else { continue }
            values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
                .trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        guard let url = values["LINGER_TEST_POSTGRES_URL"], let password = values["PGPASSWORD"],
            let control = values["LINGER_TEST_POSTGRES_CTL"]
        else { return .failure(.cannotStart("postgres-start printed no settings: \(output)")) }
        return .success(Server(base: strippingDatabase(url), password: password, control: control))
    }

    static func strippingDatabase(_ url: String) -> String {
        guard let slash = url.range(of: "/", options: .backwards), url[..<slash.lowerBound].contains("@") else {
            return url
        }
        return String(url[..<slash.lowerBound])
    }

    /// A new, empty database; returns its URL.
    public static func freshDatabase() throws -> (url: String, server: Server) {
        let server = try shared.get()
        let name = "linger_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        let (status, output) = run(
            ["psql", server.base + "/linger_test", "-v", "ON_ERROR_STOP=1", "-qc", "CREATE DATABASE \(name)"],
            environment: server.environment)
        guard status == 0 else { throw Failure.cannotStart("CREATE DATABASE failed: \(output)") }
        return (server.base + "/" + name, server)
    }

    /// Runs a command; returns its status and what it printed (stdout and stderr).
    @discardableResult
    public static func run(_ arguments: [String], environment extra: [String: String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
