import Foundation
import ChorusCore
import SQLKit

public struct TemplateRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var channelId: Int64
    public var name: String
    public var language: String
    public var status: String
    public var category: String
    public var components: JSONValue
}

/// Message templates as synced from each number's WABA, kept current by status webhooks.
public struct TemplateRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    /// Replaces the channel's templates with what Meta listed (one transaction).
    public func replace(channelID: Int64, with templates: [JSONValue]) async throws -> Int {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            try await sql.raw("DELETE FROM templates WHERE channel_id = \(bind: channelID)").run()
            var stored = 0
            for template in templates {
                guard let name = template["name"]?.string, let language = template["language"]?.string else { continue }
                try await sql.raw("""
                    INSERT INTO templates (channel_id, name, language, status, category, components, updated_at)
                    VALUES (\(bind: channelID), \(bind: name), \(bind: Self.normalize(language)),
                        \(bind: template["status"]?.string ?? "UNKNOWN"), \(bind: template["category"]?.string ?? ""),
                        \(bind: JSONText.encode(template["components"] ?? .array([]))), \(bind: now))
                    ON CONFLICT (channel_id, name, language) DO NOTHING
                    """).run()
                stored += 1
            }
            return stored
        }
    }

    public func list(channelID: Int64? = nil, status: String? = nil) async throws -> [TemplateRecord] {
        var conditions: [SQLQueryString] = ["1 = 1"]
        if let channelID { conditions.append("channel_id = \(bind: channelID)") }
        if let status { conditions.append("status = \(bind: status)") }
        return try await db.read { sql in
            try await sql.raw("""
                SELECT id, channel_id, name, language, status, category, components FROM templates
                WHERE \(SQLList(conditions, separator: SQLRaw(" AND "))) ORDER BY name, language
                """).all().map { row in
                TemplateRecord(id: try row.decode(column: "id", as: Int64.self),
                               channelId: try row.decode(column: "channel_id", as: Int64.self),
                               name: try row.decode(column: "name", as: String.self),
                               language: try row.decode(column: "language", as: String.self),
                               status: try row.decode(column: "status", as: String.self),
                               category: try row.decode(column: "category", as: String.self),
                               components: JSONText.decode(try row.decode(column: "components", as: String.self)))
            }
        }
    }

    /// Applies a `message_template_status_update` webhook value to every number of that WABA.
    static func applyStatusUpdate(wabaID: String, value: JSONValue, now: Int64, _ sql: any SQLDatabase) async throws {
        guard let name = value["message_template_name"]?.string, let event = value["event"]?.string else { return }
        let language = normalize(value["message_template_language"]?.string ?? "")
        try await sql.raw("""
            UPDATE templates SET status = \(bind: event), updated_at = \(bind: now)
            WHERE name = \(bind: name) AND language = \(bind: language)
                AND channel_id IN (SELECT id FROM channels WHERE waba_id = \(bind: wabaID))
            """).run()
    }

    /// Meta writes `en_US` in the API and `en-US` in webhooks.
    static func normalize(_ language: String) -> String { language.replacingOccurrences(of: "-", with: "_") }
}
