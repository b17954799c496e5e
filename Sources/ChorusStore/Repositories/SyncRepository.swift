import ChorusCore
import SQLKit

/// New-device sync: the conversations and messages of the last days that the member may see,
/// read in id order so the stream can be resumed and counted.
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

    public func messages(scope: ConversationScope, since: Int64, afterID: Int64, limit: Int) async throws -> [MessageRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.qualifiedColumns)
                FROM messages m JOIN conversations c ON c.id = m.conversation_id
                WHERE m.meta_timestamp >= \(bind: since) AND m.id > \(bind: afterID) AND m.deleted_at IS NULL \(Self.scopeCondition(scope))
                ORDER BY m.id LIMIT \(literal: limit)
                """).all().map(MessageRows.decode)
        }
    }
}
