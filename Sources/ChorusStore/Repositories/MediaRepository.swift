import ChorusCore
import SQLKit

public struct MediaRecord: Sendable, Equatable {
    public var id: Int64
    public var sha256: String
    public var mimeType: String
    public var size: Int64
}

/// Media files, stored once per content (sha256) in the data directory; rows say what exists.
public struct MediaRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct PendingFetch: Sendable {
        public var messageID: Int64
        public var channelID: Int64
        public var mediaID: String
    }

    public func pending(limit: Int) async throws -> [PendingFetch] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT id, channel_id, media_id FROM messages WHERE media_status = 'pending' ORDER BY id LIMIT \(literal: limit)
                """).all().map { row in
                PendingFetch(messageID: try row.decode(column: "id", as: Int64.self),
                             channelID: try row.decode(column: "channel_id", as: Int64.self),
                             mediaID: try row.decode(column: "media_id", as: String.self))
            }
        }
    }

    /// Records a stored file and links the message to it.
    public func stored(messageID: Int64, sha256: String, mimeType: String, size: Int64) async throws -> MediaRecord {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            try await sql.raw("""
                INSERT INTO media (sha256, mime_type, size, created_at) VALUES (\(bind: sha256), \(bind: mimeType), \(bind: size), \(bind: now))
                ON CONFLICT (sha256) DO NOTHING
                """).run()
            let row = try await sql.raw("SELECT id FROM media WHERE sha256 = \(bind: sha256)").first()!
            let id = try row.decode(column: "id", as: Int64.self)
            try await sql.raw("""
                UPDATE messages SET media_status = 'stored', media_ref = \(bind: id), updated_at = \(bind: now) WHERE id = \(bind: messageID)
                """).run()
            return MediaRecord(id: id, sha256: sha256, mimeType: mimeType, size: size)
        }
    }

    static func decode(_ row: any SQLRow) throws -> MediaRecord {
        MediaRecord(id: try row.decode(column: "id", as: Int64.self), sha256: try row.decode(column: "sha256", as: String.self),
                    mimeType: try row.decode(column: "mime_type", as: String.self), size: try row.decode(column: "size", as: Int64.self))
    }

    public func failed(messageID: Int64, reason: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE messages SET media_status = 'failed', error_details = \(bind: reason), updated_at = \(bind: Clock.nowMillis())
                WHERE id = \(bind: messageID)
                """).run()
        }
    }

    /// The media file, if at least one conversation holding it is within `scope`: the same
    /// permission decision as the conversation itself.
    public func visible(id: Int64, scope: ConversationScope) async throws -> MediaRecord? {
        var condition: SQLQueryString = ""
        if case .assignedTo(let memberID) = scope { condition = "AND c.assignee_id = \(bind: memberID)" }
        return try await db.read { sql in
            try await sql.raw("""
                SELECT f.id, f.sha256, f.mime_type, f.size FROM media f
                WHERE f.id = \(bind: id) AND EXISTS (
                    SELECT 1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
                    WHERE m.media_ref = f.id AND m.deleted_at IS NULL \(condition))
                """).first().map(Self.decode)
        }
    }
}

extension MediaRepository {
    /// Records a file stored by the server itself (an outbound upload).
    public func record(sha256: String, mimeType: String, size: Int64) async throws -> MediaRecord {
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO media (sha256, mime_type, size, created_at)
                VALUES (\(bind: sha256), \(bind: mimeType), \(bind: size), \(bind: Clock.nowMillis()))
                ON CONFLICT (sha256) DO NOTHING
                """).run()
            let row = try await sql.raw("SELECT id FROM media WHERE sha256 = \(bind: sha256)").first()!
            return MediaRecord(id: try row.decode(column: "id", as: Int64.self), sha256: sha256, mimeType: mimeType, size: size)
        }
    }

    public func find(id: Int64) async throws -> MediaRecord? {
        try await db.read { sql in
            try await sql.raw("SELECT id, sha256, mime_type, size FROM media WHERE id = \(bind: id)").first().map(Self.decode)
        }
    }
}
