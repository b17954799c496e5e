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

    /// FTS5: each term quoted (no operators reach the engine), matched as a prefix, in the text
    /// column only (never the scope tokens).
    static func ftsQuery(_ terms: [String]) -> String { terms.map { "text : \"\($0)\"*" }.joined(separator: " AND ") }
    /// PostgreSQL: prefix terms joined with AND; terms hold only letters and digits.
    static func tsQuery(_ terms: [String]) -> String { terms.map { "\($0):*" }.joined(separator: " & ") }

    public func search(_ text: String, scope: ConversationScope, limit: Int) async throws -> Results {
        let terms = Self.terms(text)
        guard !terms.isEmpty else { return Results(messages: [], conversations: []) }
        var scopeCondition: SQLQueryString = ""
        if case .assignedTo(let member) = scope { scopeCondition = "AND c.assignee_id = \(bind: member)" }
        // Newest first by message id (ids follow arrival), found in one of two ways:
        // - every conversation in scope: walk the full-text index newest-first and stop after
        //   `limit` hits, instead of collecting and sorting every match;
        // - only the member's own conversations (Restricted): on PostgreSQL, take *their* messages
        //   first and test each against its stored tsvector, which touches a few rows instead of
        //   every match in the workspace.
        let query: SQLQueryString
        switch (db.dialect, scope) {
        case (.sqlite, .all):
            query = """
                SELECT \(unsafeRaw: MessageRows.qualifiedColumns) FROM message_search s JOIN messages m ON m.id = s.rowid
                WHERE message_search MATCH \(bind: Self.ftsQuery(terms)) AND m.deleted_at IS NULL
                ORDER BY s.rowid DESC LIMIT \(literal: limit)
                """
        case (.sqlite, .assignedTo(let member)):
            // The index holds each message's assignee as a scope token (migration 0005): the
            // member's matches are the intersection of the terms' lists with theirs.
            query = """
                SELECT \(unsafeRaw: MessageRows.qualifiedColumns) FROM message_search s JOIN messages m ON m.id = s.rowid
                WHERE message_search MATCH \(bind: Self.ftsQuery(terms) + " AND scope : u\(member)") AND m.deleted_at IS NULL
                ORDER BY s.rowid DESC LIMIT \(literal: limit)
                """
        case (.postgres, .all):
            query = """
                SELECT \(unsafeRaw: MessageRows.qualifiedColumns) FROM messages m
                WHERE m.search @@ to_tsquery('simple', \(bind: Self.tsQuery(terms))) AND m.deleted_at IS NULL
                ORDER BY m.id DESC LIMIT \(literal: limit)
                """
        case (.postgres, .assignedTo(let member)):
            // Per conversation of the member, newest matches first (the messages_conversation
            // index), then the newest of those: a CTE or join let the planner scan every match
            // of the terms workspace-wide first (0.9 s for two common words at 2M messages).
            query = """
                SELECT \(unsafeRaw: MessageRows.qualifiedColumns) FROM conversations c
                JOIN LATERAL (
                    SELECT * FROM messages m WHERE m.conversation_id = c.id AND m.deleted_at IS NULL
                        AND m.search @@ to_tsquery('simple', \(bind: Self.tsQuery(terms)))
                    ORDER BY m.id DESC LIMIT \(literal: limit)) m ON true
                WHERE c.assignee_id = \(bind: member)
                ORDER BY m.id DESC LIMIT \(literal: limit)
                """
        }
        // Customers by word prefix of name, number or username, then their conversations in scope.
        let contactMatch: SQLQueryString = db.dialect == .sqlite
            ? "k.id IN (SELECT rowid FROM contact_search WHERE contact_search MATCH \(bind: terms.map { "\"\($0)\"*" }.joined(separator: " AND ")))"
            : "k.search @@ to_tsquery('simple', \(bind: Self.tsQuery(terms)))"
        return try await db.read { sql in
            let messages = try await sql.raw(query).all().map(MessageRows.decode)
            let conversations = try await sql.raw("""
                SELECT \(unsafeRaw: InboxRepository.conversationColumns)
                FROM conversations c JOIN contacts k ON k.id = c.contact_id
                WHERE \(contactMatch) \(scopeCondition)
                ORDER BY c.last_message_at DESC, c.id DESC LIMIT \(literal: limit)
                """).all().map(InboxRepository.decodeConversation)
            return Results(messages: messages, conversations: conversations)
        }
    }
}
