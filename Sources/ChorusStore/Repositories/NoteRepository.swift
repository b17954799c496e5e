import ChorusCore
import SQLKit

public struct NoteRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var conversationId: Int64
    public var authorId: Int64
    public var body: String
    public var mentions: [Int64]
    public var createdAt: Int64
}

/// Internal notes on a conversation, never sent to the customer. Mentioned members get an
/// event addressed to them and find the conversation under the `mentions` view.
public struct NoteRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func add(conversationID: Int64, authorID: Int64, body: String, mentions: [Int64]) async throws -> NoteRecord {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            let row = try await sql.raw("""
                INSERT INTO notes (conversation_id, author_id, body, created_at)
                VALUES (\(bind: conversationID), \(bind: authorID), \(bind: body), \(bind: now)) RETURNING id
                """).first()!
            let id = try row.decode(column: "id", as: Int64.self)
            for member in mentions {
                try await sql.raw("INSERT INTO note_mentions (note_id, member_id) VALUES (\(bind: id), \(bind: member))").run()
            }
            let note = NoteRecord(id: id, conversationId: conversationID, authorId: authorID, body: body, mentions: mentions, createdAt: now)
            let payload: JSONValue = ["noteId": .int(id), "conversationId": .int(conversationID), "authorId": .int(authorID),
                                      "body": .string(body), "mentions": .array(mentions.map { .int($0) })]
            try await EventLog.append(kind: "note.created", conversationID: conversationID, assigneeID: nil, payload: payload, now: now, sql)
            for member in mentions {
                try await sql.raw("""
                    INSERT INTO events (at, kind, conversation_id, member_id, payload)
                    VALUES (\(bind: now), 'mention', \(bind: conversationID), \(bind: member), \(bind: JSONText.encode(payload)))
                    """).run()
            }
            try await sql.raw("UPDATE conversations SET version = version + 1 WHERE id = \(bind: conversationID)").run()
            return note
        }
    }

    public func list(conversationID: Int64) async throws -> [NoteRecord] {
        try await db.read { sql in
            var mentions: [Int64: [Int64]] = [:]
            for row in try await sql.raw("""
                SELECT nm.note_id, nm.member_id FROM note_mentions nm JOIN notes n ON n.id = nm.note_id
                WHERE n.conversation_id = \(bind: conversationID) ORDER BY nm.member_id
                """).all() {
                mentions[try row.decode(column: "note_id", as: Int64.self), default: []].append(try row.decode(column: "member_id", as: Int64.self))
            }
            return try await sql.raw("""
                SELECT id, conversation_id, author_id, body, created_at FROM notes WHERE conversation_id = \(bind: conversationID)
                ORDER BY created_at, id
                """).all().map { row in
                    let id = try row.decode(column: "id", as: Int64.self)
                    return NoteRecord(id: id, conversationId: try row.decode(column: "conversation_id", as: Int64.self),
                                      authorId: try row.decode(column: "author_id", as: Int64.self),
                                      body: try row.decode(column: "body", as: String.self), mentions: mentions[id] ?? [],
                                      createdAt: try row.decode(column: "created_at", as: Int64.self))
                }
        }
    }
}
