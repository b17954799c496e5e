import ChorusCore
import SQLKit

/// New-device sync: the conversations and messages of the last days that the member may see,
/// read page by page (keyset pagination), so the stream can be resumed and counted.
public struct SyncRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    static func scopeCondition(_ scope: ConversationScope) -> SQLQueryString {
        if case .assignedTo(let member) = scope { return "AND c.assignee_id = \(bind: member)" }
        return ""
    }

    public func totals(scope: ConversationScope, since: Int64) async throws -> (conversations: Int, messages: Int) {
        try await db.read { sql in
            let conversations = try await sql.raw("""
                SELECT COUNT(*) AS n FROM conversations c WHERE c.last_message_at >= \(bind: since) \(Self.scopeCondition(scope))
                """).first()!.decode(column: "n", as: Int.self)
            let messages = try await sql.raw("""
                SELECT COUNT(*) AS n FROM messages m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.meta_timestamp >= \(bind: since) AND m.deleted_at IS NULL \(Self.scopeCondition(scope))
                """).first()!.decode(column: "n", as: Int.self)
            return (conversations, messages)
        }
    }

    public func conversations(scope: ConversationScope, since: Int64, afterID: Int64, limit: Int) async throws -> [ConversationSummary] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: InboxRepository.conversationColumns)
                FROM conversations c JOIN contacts k ON k.id = c.contact_id
                WHERE c.last_message_at >= \(bind: since) AND c.id > \(bind: afterID) \(Self.scopeCondition(scope))
                ORDER BY c.id LIMIT \(literal: limit)
                """).all().map(InboxRepository.decodeConversation)
        }
    }

    /// Where a page of `messages` ends: the next one starts after it.
    public struct MessageCursor: Sendable, Equatable {
        public var timestamp: Int64
        public var id: Int64
        public init(timestamp: Int64, id: Int64) { self.timestamp = timestamp; self.id = id }
    }

    /// The messages since `since` in the order of their time (then id), `limit` at a time, read
    /// by the `messages_time` index from where the last page ended: only the rows it sends.
    public func messages(scope: ConversationScope, since: Int64, after cursor: MessageCursor?, limit: Int) async throws -> [MessageRecord] {
        // `meta_timestamp >= x` bounds the index range; the OR passes over the rows of the
        // cursor's own time already sent. (The form both engines' plans were checked to read
        // as a range of `messages_time`: EXPLAIN, and the test `syncReadsMessagesByTime`.)
        let resume: SQLQueryString = cursor.map {
            "AND m.meta_timestamp >= \(bind: $0.timestamp) AND (m.meta_timestamp > \(bind: $0.timestamp) OR m.id > \(bind: $0.id))"
        } ?? ""
        return try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.qualifiedColumns)
                FROM messages m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.meta_timestamp >= \(bind: since) \(resume) AND m.deleted_at IS NULL \(Self.scopeCondition(scope))
                ORDER BY m.meta_timestamp, m.id LIMIT \(literal: limit)
                """).all().map(MessageRows.decode)
        }
    }
}
