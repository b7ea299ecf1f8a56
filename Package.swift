// swift-tools-version: 6.0
import PackageDescription

// `bash .ci/fuzz` sets LINGER_FUZZ_RUNTIME to libFuzzer's no-main runtime: LingerKit and the
// harness are then compiled with libFuzzer's coverage instrumentation and the harness linked with
// libFuzzer's driver. Only those two targets: the rule embedder, a build tool, keeps its own main.
let fuzzRuntime = Context.environment["LINGER_FUZZ_RUNTIME"].flatMap { $0.isEmpty ? nil : $0 }
let fuzzSwiftSettings: [SwiftSetting] = fuzzRuntime == nil ? [] : [.unsafeFlags(["-sanitize=fuzzer"])]

let package = Package(
    name: "Linger",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "linger", targets: ["linger"]),
        // The fuzzing harness (`bash .ci/fuzz` builds it with libFuzzer).
        .executable(name: "linger-fuzz", targets: ["linger-fuzz"]),
        .library(name: "LingerKit", targets: ["LingerKit"]),
    ],
    dependencies: [
        // Command-line parsing with subcommands, validation and generated help.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // YAML for rule files and configuration (libyaml underneath, well kept).
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // SQLite for the ledger: migrations, WAL, busy handling, typed records (system libsqlite3).
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // PostgreSQL for a ledger many machines share (SCRAM, TLS, extended protocol), and the
        // SwiftNIO pieces it runs on: its event loops, TLS configuration and logger.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.3"),
    ],
    targets: [
        // The C boundary: one system-library target per C library, headers and link flags only.
        .systemLibrary(
            name: "CGit2", pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),
        .systemLibrary(
            name: "CVectorscan", pkgConfig: "libhs",
            providers: [.apt(["libvectorscan-dev"]), .brew(["vectorscan"])]),
        .systemLibrary(
            name: "CPCRE2", pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"]), .brew(["pcre2"])]),
        // Archives and compressed streams inside what is scanned (zip/gzip, bzip2).
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CBzip2", providers: [.apt(["libbz2-dev"]), .brew(["bzip2"])]),
        // Whole-buffer inflation of pack objects (their sizes are known): 2.6 x zlib's speed.
        .systemLibrary(
            name: "CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]),

        // Turns Rules/*.yml into a Swift source at build time, so the binary carries its rules.
        .executableTarget(
            name: "RulesEmbedder", dependencies: [.product(name: "Yams", package: "Yams")], path: "Sources/RulesEmbedder"),
        .plugin(
            name: "EmbedRules", capability: .buildTool(),
            dependencies: ["RulesEmbedder"]),

        // Linger's own C, the one exception to "C only from system libraries": byte
        // classification in AVX2 for EncodedContent, chosen at run time. Swift has no per-function
        // target attribute; C's lets this one function use AVX2 with no build flags.
        .target(name: "LingerSIMD", path: "Sources/LingerSIMD"),
        .target(
            name: "LingerKit",
            dependencies: [
                "LingerSIMD", "CGit2", "COpenSSL", "CVectorscan", "CPCRE2", "CZlib", "CBzip2", "CDeflate",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fuzzSwiftSettings,
            plugins: ["EmbedRules"]),
        .executableTarget(
            name: "linger",
            dependencies: [
                "LingerKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "linger-fuzz", dependencies: ["LingerKit"],
            swiftSettings: fuzzSwiftSettings + (fuzzRuntime == nil ? [] : [.define("LINGER_LIBFUZZER")]),
            linkerSettings: fuzzRuntime.map { [.unsafeFlags([$0, "-lstdc++"])] } ?? []),
        // What both test targets share: a loopback HTTP server standing in for webhooks and providers.
        .target(name: "LingerTestSupport", path: "Tests/LingerTestSupport"),
        .testTarget(
            name: "LingerKitTests", dependencies: ["LingerKit", "LingerSIMD", "LingerTestSupport", "CZlib", "CBzip2"],
            exclude: ["Fixtures"]),
        .testTarget(name: "LingerCLITests", dependencies: ["linger", "LingerKit", "LingerTestSupport"]),
    ]
)
