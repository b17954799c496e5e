import ChorusStore
import Foundation
import Logging
import SQLKit

/// The store every test uses: a real SQLite file in a temporary directory, or — when
/// `CHORUS_TEST_POSTGRES_URL` is set — a fresh database on that real PostgreSQL server.
/// `scripts/test` runs the whole suite once each way.
public enum TestDatabase {
    public static var postgresURL: String? {
        let value = ProcessInfo.processInfo.environment["CHORUS_TEST_POSTGRES_URL"]
        return value?.isEmpty == false ? value : nil
    }

    public static var engineName: String { postgresURL == nil ? "sqlite" : "postgres" }

    public static var logger: Logger {
        var logger = Logger(label: "chorus-test")
        logger.logLevel = .warning
        return logger
    }

    /// A new, empty database named `prefix_…` on the PostgreSQL server of `url` (whose own
    /// database stays untouched): its URL, and how to drop it. Tests and `chorus-bench` use it.
    public static func createPostgresDatabase(on url: String, prefix: String) async throws
        -> (url: String, drop: @Sendable () async -> Void) {
        let name = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let admin = try PostgresURL(url)
        try await Database.withDatabase(.postgres(admin), logger: logger, migrate: false) { db in
            try await db.transaction { _ in }  // connection check
            try await db.read { sql in try await sql.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        }
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return (components.string!, {
            try? await Database.withDatabase(.postgres(admin), logger: logger, migrate: false) { db in
                try await db.read { sql in try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
            }
        })
    }

    /// A fresh, migrated database for one test, removed afterwards.
    public static func config() async throws -> (config: DatabaseConfig, cleanup: @Sendable () async -> Void) {
        if let url = postgresURL {
            let database = try await createPostgresDatabase(on: url, prefix: "chorus_test")
            return (.postgres(try PostgresURL(database.url)), database.drop)
        }
        let name = "chorus_test_\(UInt32.random(in: 0...UInt32.max))_\(ProcessInfo.processInfo.processIdentifier)"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (.sqlite(path: directory + "/chorus.sqlite", synchronous: .full), {
            try? FileManager.default.removeItem(atPath: directory)
        })
    }

    /// Runs `body` with a fresh, migrated database.
    public static func with<T: Sendable>(_ body: @Sendable (Database) async throws -> T) async throws -> T {
        let (config, cleanup) = try await config()
        do {
            let result = try await Database.withDatabase(config, logger: logger, body)
            await cleanup()
            return result
        } catch {
            await cleanup()
            throw error
        }
    }
}
