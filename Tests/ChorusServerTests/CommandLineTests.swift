import ChorusCore
import ChorusStore
import ChorusTestSupport
import Foundation
import SQLKit
import Testing

/// The `chorus` executable itself, run as a newcomer or an operator would.
@Suite("chorus command line")
struct CommandLineTests {
    /// The built executable sits beside this test target's resource bundle.
    static var executable: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("chorus").path
    }

    struct Run {
        var status: Int32
        var output: String
    }

    static func environment(_ config: DatabaseConfig, dataDirectory: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["CHORUS_DATA_DIR"] = dataDirectory
        switch config {
        case .sqlite(let path, _): env["CHORUS_DATABASE_URL"] = "sqlite://" + path
        case .postgres(let url):
            env["CHORUS_DATABASE_URL"] = "postgres://\(url.username)@\(url.host):\(url.port)/\(url.database ?? "postgres")"
        }
        return env
    }

    /// Runs the executable to completion. The blocking reads and waits happen on a dispatch
    /// thread, never on Swift concurrency's small cooperative pool (blocking it stalls every test).
    static func run(_ arguments: [String], env: [String: String]) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: executable)
                    process.arguments = arguments
                    process.environment = env
                    let pipe = Pipe()
                    process.standardOutput = pipe
                    process.standardError = pipe
                    try process.run()
                    let data = pipe.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: Run(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self)))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Waits for a started process without blocking the cooperative pool.
    static func waitForExit(_ process: Process) async {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }

    /// Starts `chorus serve` on `port` and waits until it answers /healthz.
    static func startServe(env: [String: String], port: Int) async throws -> Process {
        var env = env
        env["CHORUS_PORT"] = String(port)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve"]
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let client = TestClient(base: "http://127.0.0.1:\(port)")
        for _ in 0..<200 where (try? await client.status("/healthz")) != 200 { try await Task.sleep(for: .milliseconds(50)) }
        try await client.shutdown()
        return process
    }

    @Test("`chorus --help` lists every command")
    func help() async throws {
        let run = try await Self.run(["--help"], env: ProcessInfo.processInfo.environment)
        #expect(run.status == 0)
        for command in ["serve", "demo", "migrate", "admin", "channel", "sim"] { #expect(run.output.contains(command)) }
    }

    @Test("admin create twice with one email fails with a clear message and exit code 1; weak passwords too")
    func adminCreate() async throws {
        let (config, cleanup) = try await TestDatabase.config()
        defer { Task { await cleanup() } }
        let env = Self.environment(config, dataDirectory: NSTemporaryDirectory())
        let create = ["admin", "create", "--email", "boss@example.com", "--password", "a-long-enough-secret", "--name", "Boss"]
        let first = try await Self.run(create, env: env)
        #expect(first.status == 0, "\(first.output)")
        let second = try await Self.run(create, env: env)
        #expect(second.status == 1)
        #expect(second.output.contains("already exists"))
        let weak = try await Self.run(["admin", "create", "--email", "x@example.com", "--password", "short", "--name", "X"], env: env)
        #expect(weak.status == 1)
        #expect(weak.output.contains("at least 10 characters"))
        let migrate = try await Self.run(["migrate"], env: env)
        #expect(migrate.status == 0 && migrate.output.contains("up to date"))
    }

    @Test("channel add and list")
    func channels() async throws {
        let (config, cleanup) = try await TestDatabase.config()
        defer { Task { await cleanup() } }
        let env = Self.environment(config, dataDirectory: NSTemporaryDirectory())
        let add = ["channel", "add", "--phone-number-id", "123456", "--waba-id", "654321", "--display-number", "+1 555 0199",
                   "--access-token", "t", "--app-secret", "s", "--verify-token", "v", "--graph-url", "http://127.0.0.1:9"]
        #expect(try await Self.run(add, env: env).status == 0)
        let again = try await Self.run(add, env: env)
        #expect(again.status == 1 && again.output.contains("already exists"))
        let list = try await Self.run(["channel", "list"], env: env)
        #expect(list.output.contains("123456") && list.output.contains("+1 555 0199"))
    }

    @Test("SIGTERM during requests exits 0 and leaves the database intact")
    func gracefulShutdown() async throws {
        let (config, cleanup) = try await TestDatabase.config()
        defer { Task { await cleanup() } }
        let port = try await freePort()
        let process = try await Self.startServe(env: Self.environment(config, dataDirectory: NSTemporaryDirectory()), port: port)
        let client = TestClient(base: "http://127.0.0.1:\(port)")
        #expect(try await client.status("/healthz") == 200)
        // Keep requests in flight, then ask it to stop. Each loop ends at its first refused
        // request: once the server has stopped listening there is nothing left to drain.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<200 {
                        guard (try? await client.status("/healthz")) == 200 else { return }
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            process.terminate()  // SIGTERM
            try await group.waitForAll()
        }
        await Self.waitForExit(process)
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
        try await client.shutdown()

        if case .sqlite = config {
            let ok = try await Database.withDatabase(config, logger: TestDatabase.logger) { db in
                try await db.read { sql in try await sql.raw("PRAGMA integrity_check").first()!.decode(column: "integrity_check", as: String.self) }
            }
            #expect(ok == "ok")
        } else {
            let healthy = try await Database.withDatabase(config, logger: TestDatabase.logger) { db in await db.ping() }
            #expect(healthy)
        }
    }
}
