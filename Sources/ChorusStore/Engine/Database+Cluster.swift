import Logging
import PostgresKit
import SQLKit

/// What several `chorus serve` processes on one PostgreSQL database need from it: a message
/// bus (LISTEN/NOTIFY) and "only one of us runs this job now" (advisory locks). On SQLite there
/// is one process, so the bus is silent and every job runs.
extension Database {
    /// Sends `payload` to every process listening on `channel` (PostgreSQL only).
    public func notify(_ channel: String, _ payload: String) async {
        guard dialect == .postgres else { return }
        do {
            try await read { sql in try await sql.raw("SELECT pg_notify(\(bind: channel), \(bind: payload))").run() }
        } catch {
            logger.debug("pg_notify failed: \(error)")
        }
    }

    /// Listens on `channel` until cancelled, calling `onNotify` with each payload. Returns at
    /// once on SQLite.
    public func listen(_ channel: String, _ onNotify: @escaping @Sendable (String) -> Void) async throws {
        guard case .postgres(let client) = backendForCluster else { return }
        try await client.withConnection { connection in
            for try await notification in try await connection.listen(channel) {
                onNotify(notification.payload)
            }
        }
    }

    /// Runs `body` only if no other process is running the job `key` right now; returns
    /// whether it ran.
    @discardableResult
    public func exclusively(_ key: Int64, _ body: () async throws -> Void) async throws -> Bool {
        guard case .postgres(let client) = backendForCluster else {
            try await body()
            return true
        }
        return try await client.withConnection { connection in
            let sql = connection.sql()
            let got = try await sql.raw("SELECT pg_try_advisory_lock(\(bind: key)) AS got").first()?.decode(column: "got", as: Bool.self) ?? false
            guard got else { return false }
            do {
                try await body()
            } catch {
                _ = try? await sql.raw("SELECT pg_advisory_unlock(\(bind: key))").run()
                throw error
            }
            _ = try await sql.raw("SELECT pg_advisory_unlock(\(bind: key))").run()
            return true
        }
    }
}
