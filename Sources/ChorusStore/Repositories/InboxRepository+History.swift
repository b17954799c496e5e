import ChorusCore
import SQLKit

extension InboxRepository {
    /// Soft-deletes a conversation's history: messages disappear from every view at once and
    /// are purged after the retention period. Audited in the same transaction.
    public func deleteHistory(conversationID: Int64, audit: AuditEntry) async throws -> Int {
        try await db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE messages SET deleted_at = \(bind: Clock.nowMillis())
                WHERE conversation_id = \(bind: conversationID) AND deleted_at IS NULL RETURNING id
                """).all()
            try await sql.raw("""
                UPDATE conversations SET last_message_preview = '', version = version + 1 WHERE id = \(bind: conversationID)
                """).run()
            var audit = audit
            audit.details = .object(["messages": .int(Int64(rows.count))])
            try await AuditLog.append(audit, sql)
            return rows.count
        }
    }

    /// Every visible message of a conversation, oldest first, for export.
    public func allMessages(conversationID: Int64, limit: Int = 100_000) async throws -> [MessageRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.columns) FROM messages
                WHERE conversation_id = \(bind: conversationID) AND deleted_at IS NULL
                ORDER BY meta_timestamp, id LIMIT \(literal: limit)
                """).all().map(MessageRows.decode)
        }
    }
}
