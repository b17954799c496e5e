import ChorusCore
import Foundation
import SQLKit

/// Workspace settings: small JSON documents by key.
public struct SettingsRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func get<T: Decodable & Sendable>(_ key: String, as type: T.Type) async throws -> T? {
        let text = try await db.read { sql in
            try await sql.raw("SELECT value FROM workspace_settings WHERE key = \(bind: key)").first()
                .map { try $0.decode(column: "value", as: String.self) }
        }
        guard let text else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }

    public func put<T: Encodable & Sendable>(_ key: String, _ value: T, audit: AuditEntry?) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            try await sql.raw("""
                INSERT INTO workspace_settings (key, value, updated_at) VALUES (\(bind: key), \(bind: text), \(bind: now))
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """).run()
            if let audit { try await AuditLog.append(audit, sql) }
        }
    }
}
