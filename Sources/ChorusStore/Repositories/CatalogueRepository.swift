import ChorusCore
import SQLKit

public struct LabelRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String
    public var color: String
}

public struct QuickReplyRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var shortcut: String
    public var title: String
    public var body: String
    public var updatedAt: Int64
}

/// The workspace's shared lists: labels and quick replies (canned responses used by "/shortcut").
public struct CatalogueRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func labels() async throws -> [LabelRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT id, name, color FROM labels ORDER BY name").all().map { row in
                LabelRecord(id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
                            color: try row.decode(column: "color", as: String.self))
            }
        }
    }

    public func createLabel(name: String, color: String) async throws -> LabelRecord {
        do {
            return try await db.transaction { sql in
                let row = try await sql.raw("""
                    INSERT INTO labels (name, color, created_at) VALUES (\(bind: name), \(bind: color), \(bind: Clock.nowMillis())) RETURNING id
                    """).first()!
                return LabelRecord(id: try row.decode(column: "id", as: Int64.self), name: name, color: color)
            }
        } catch StoreError.uniqueViolation {
            throw ChorusError.conflict("label_exists", "A label named \"\(name)\" already exists.")
        }
    }

    public func deleteLabel(id: Int64) async throws {
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM conversation_labels WHERE label_id = \(bind: id)").run()
            guard !(try await sql.raw("DELETE FROM labels WHERE id = \(bind: id) RETURNING id").all()).isEmpty else {
                throw ChorusError.notFound("The label")
            }
        }
    }

    public func quickReplies() async throws -> [QuickReplyRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT id, shortcut, title, body, updated_at FROM quick_replies ORDER BY shortcut").all().map(Self.decodeReply)
        }
    }

    /// Creates (id nil) or replaces a quick reply.
    public func saveQuickReply(id: Int64?, shortcut: String, title: String, body: String, by member: Int64) async throws -> QuickReplyRecord {
        do {
            return try await db.transaction { sql in
                let now = Clock.nowMillis()
                let row: (any SQLRow)?
                if let id {
                    row = try await sql.raw("""
                        UPDATE quick_replies SET shortcut = \(bind: shortcut), title = \(bind: title), body = \(bind: body), updated_at = \(bind: now)
                        WHERE id = \(bind: id) RETURNING id, shortcut, title, body, updated_at
                        """).first()
                } else {
                    row = try await sql.raw("""
                        INSERT INTO quick_replies (shortcut, title, body, created_by, created_at, updated_at)
                        VALUES (\(bind: shortcut), \(bind: title), \(bind: body), \(bind: member), \(bind: now), \(bind: now))
                        RETURNING id, shortcut, title, body, updated_at
                        """).first()
                }
                guard let row else { throw ChorusError.notFound("The quick reply") }
                return try Self.decodeReply(row)
            }
        } catch StoreError.uniqueViolation {
            throw ChorusError.conflict("shortcut_taken", "The shortcut /\(shortcut) is already used.")
        }
    }

    public func deleteQuickReply(id: Int64) async throws {
        try await db.transaction { sql in
            guard !(try await sql.raw("DELETE FROM quick_replies WHERE id = \(bind: id) RETURNING id").all()).isEmpty else {
                throw ChorusError.notFound("The quick reply")
            }
        }
    }

    static func decodeReply(_ row: any SQLRow) throws -> QuickReplyRecord {
        QuickReplyRecord(id: try row.decode(column: "id", as: Int64.self), shortcut: try row.decode(column: "shortcut", as: String.self),
                         title: try row.decode(column: "title", as: String.self), body: try row.decode(column: "body", as: String.self),
                         updatedAt: try row.decode(column: "updated_at", as: Int64.self))
    }
}
