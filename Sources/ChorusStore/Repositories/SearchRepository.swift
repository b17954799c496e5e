import ChorusCore
import Foundation
import SQLKit

/// Full-text search over messages (SQLite FTS5 / PostgreSQL tsvector) and contacts, always
/// inside the caller's scope: a member never finds what they may not open.
public struct SearchRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct Results: Sendable, Codable, Equatable {
        public var messages: [MessageRecord]
        public var conversations: [ConversationSummary]
    }

    /// Words of the query, letters and digits only, at most 8: safe to put into either engine's
    /// query syntax, and each matched as a prefix.
    public static func terms(_ query: String) -> [String] {
        Array(query.lowercased().components(separatedBy: CharacterSet.alphanumerics.inverted).filter { !$0.isEmpty }.prefix(8))
    }

    public func search(_ text: String, scope: ConversationScope, limit: Int) async throws -> Results {
        let terms = Self.terms(text)
        guard !terms.isEmpty else { return Results(messages: [], conversations: []) }
        var scopeCondition: SQLQueryString = ""
        if case .assignedTo(let member) = scope { scopeCondition = "AND c.assignee_id = \(bind: member)" }
        // Newest first by message id (ids follow arrival). On SQLite, FTS5 walks its index in
        // rowid order and stops after `limit` hits, instead of sorting every match.
        let match: SQLQueryString
        let from: SQLQueryString
        let order: SQLQueryString
        switch db.dialect {
        case .sqlite:
            from = "message_search s JOIN messages m ON m.id = s.rowid"
            match = "message_search MATCH \(bind: terms.map { "\"\($0)\"*" }.joined(separator: " "))"
            order = "s.rowid DESC"
        case .postgres:
            from = "messages m"
            match = "m.search @@ to_tsquery('simple', \(bind: terms.map { "\($0):*" }.joined(separator: " & ")))"
            order = "m.id DESC"
        }
        let pattern = "%" + terms.joined(separator: "%") + "%"
        return try await db.read { sql in
            let messages = try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.qualifiedColumns)
                FROM \(from) JOIN conversations c ON c.id = m.conversation_id
                WHERE \(match) AND m.deleted_at IS NULL \(scopeCondition)
                ORDER BY \(order) LIMIT \(literal: limit)
                """).all().map(MessageRows.decode)
            let conversations = try await sql.raw("""
                SELECT \(unsafeRaw: InboxRepository.conversationColumns)
                FROM conversations c JOIN contacts k ON k.id = c.contact_id
                WHERE (LOWER(k.name) LIKE \(bind: pattern) OR k.wa_id LIKE \(bind: pattern) OR LOWER(k.username) LIKE \(bind: pattern)) \(scopeCondition)
                ORDER BY c.last_message_at DESC, c.id DESC LIMIT \(literal: limit)
                """).all().map(InboxRepository.decodeConversation)
            return Results(messages: messages, conversations: conversations)
        }
    }
}
