import ChorusCore
import SQLKit

/// Reading the shared inbox. Every query takes the caller's `ConversationScope`, decided by
/// `AccessPolicy`, so a conversation a member may not see never leaves the store.
public struct InboxRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public static let maximumPageSize = 200

    public func conversations(scope: ConversationScope, status: ConversationStatus? = nil,
                              limit: Int, cursor: String?) async throws -> Page<ConversationSummary> {
        let limit = try Self.checkedLimit(limit)
        let after = try Self.checkedCursor(cursor)
        var conditions: [SQLQueryString] = ["1 = 1"]
        if case .assignedTo(let memberID) = scope { conditions.append("c.assignee_id = \(bind: memberID)") }
        if let status { conditions.append("c.status = \(bind: status.rawValue)") }
        if let after {
            conditions.append("(c.last_message_at < \(bind: after.time) OR (c.last_message_at = \(bind: after.time) AND c.id < \(bind: after.id)))")
        }
        let rows = try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.conversationColumns)
                FROM conversations c JOIN contacts k ON k.id = c.contact_id
                WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
                ORDER BY c.last_message_at DESC, c.id DESC
                LIMIT \(literal: limit + 1)
                """).all().map(Self.decodeConversation)
        }
        return Self.page(rows, limit: limit) { PageCursor(time: $0.lastMessageAt, id: $0.id) }
    }

    /// The conversation, or nil when it does not exist *or* lies outside the caller's scope.
    public func conversation(id: Int64, scope: ConversationScope) async throws -> ConversationSummary? {
        try await db.read { sql in
            guard let row = try await sql.raw("""
                SELECT \(unsafeRaw: Self.conversationColumns)
                FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = \(bind: id)
                """).first() else { return nil }
            let conversation = try Self.decodeConversation(row)
            if case .assignedTo(let memberID) = scope, conversation.assigneeId != memberID { return nil }
            return conversation
        }
    }

    /// Messages of a conversation, newest first.
    public func messages(conversationID: Int64, limit: Int, cursor: String?) async throws -> Page<MessageRecord> {
        let limit = try Self.checkedLimit(limit)
        let after = try Self.checkedCursor(cursor)
        var keyset: SQLQueryString = ""
        if let after {
            keyset = "AND (meta_timestamp < \(bind: after.time) OR (meta_timestamp = \(bind: after.time) AND id < \(bind: after.id)))"
        }
        let rows = try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.columns) FROM messages
                WHERE conversation_id = \(bind: conversationID) AND deleted_at IS NULL \(keyset)
                ORDER BY meta_timestamp DESC, id DESC
                LIMIT \(literal: limit + 1)
                """).all().map(MessageRows.decode)
        }
        return Self.page(rows, limit: limit) { PageCursor(time: $0.timestamp, id: $0.id) }
    }

    public func message(id: Int64) async throws -> MessageRecord? {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: MessageRows.columns) FROM messages WHERE id = \(bind: id)")
                .first().map(MessageRows.decode)
        }
    }

    // MARK: helpers

    static func checkedLimit(_ limit: Int) throws -> Int {
        guard (1...maximumPageSize).contains(limit) else {
            throw ChorusError.badRequest("invalid_limit", "limit must be between 1 and \(maximumPageSize).")
        }
        return limit
    }

    static func checkedCursor(_ cursor: String?) throws -> PageCursor? {
        guard let cursor, !cursor.isEmpty else { return nil }
        guard let parsed = PageCursor(cursor) else {
            throw ChorusError.badRequest("invalid_cursor", "The cursor is not one this server returned.")
        }
        return parsed
    }

    static func page<T>(_ rows: [T], limit: Int, cursor: (T) -> PageCursor) -> Page<T> {
        let items = Array(rows.prefix(limit))
        let next = rows.count > limit ? items.last.map { cursor($0).text } : nil
        return Page(items: items, nextCursor: next)
    }

    static let conversationColumns = """
        c.id, c.channel_id, c.status, c.assignee_id, c.team_id, c.last_message_at, c.last_inbound_at,
        c.last_message_preview, c.version, k.id AS contact_id, k.wa_id, k.user_id, k.name, k.username
        """

    static func decodeConversation(_ row: any SQLRow) throws -> ConversationSummary {
        ConversationSummary(
            id: try row.decode(column: "id", as: Int64.self),
            channelId: try row.decode(column: "channel_id", as: Int64.self),
            status: ConversationStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
            assigneeId: try row.decode(column: "assignee_id", as: Int64?.self),
            teamId: try row.decode(column: "team_id", as: Int64?.self),
            contact: ContactSummary(
                id: try row.decode(column: "contact_id", as: Int64.self),
                waId: try row.decode(column: "wa_id", as: String?.self),
                userId: try row.decode(column: "user_id", as: String?.self),
                name: try row.decode(column: "name", as: String?.self),
                username: try row.decode(column: "username", as: String?.self)),
            lastMessageAt: try row.decode(column: "last_message_at", as: Int64.self),
            lastInboundAt: try row.decode(column: "last_inbound_at", as: Int64?.self),
            lastMessagePreview: try row.decode(column: "last_message_preview", as: String.self),
            version: try row.decode(column: "version", as: Int64.self))
    }
}

/// How a `messages` row becomes a `MessageRecord`; shared by every reader of messages.
enum MessageRows {
    static let columns = """
        id, conversation_id, wamid, direction, type, status, text, content, reply_to_wamid, sender_member_id,
        meta_timestamp, error_code, error_title, error_details, error_hint, media_ref, media_status
        """

    static func decode(_ row: any SQLRow) throws -> MessageRecord {
        let code = try row.decode(column: "error_code", as: Int?.self)
        let title = try row.decode(column: "error_title", as: String?.self)
        let hint = try row.decode(column: "error_hint", as: String?.self)
        let error = (code == nil && title == nil && hint == nil) ? nil
            : MessageErrorInfo(code: code, title: title,
                               details: try row.decode(column: "error_details", as: String?.self), hint: hint)
        return MessageRecord(
            id: try row.decode(column: "id", as: Int64.self),
            conversationId: try row.decode(column: "conversation_id", as: Int64.self),
            wamid: try row.decode(column: "wamid", as: String?.self),
            direction: MessageDirection(rawValue: try row.decode(column: "direction", as: String.self)) ?? .inbound,
            type: try row.decode(column: "type", as: String.self),
            status: MessageStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .received,
            text: try row.decode(column: "text", as: String?.self),
            content: JSONText.decode(try row.decode(column: "content", as: String.self)),
            replyToWamid: try row.decode(column: "reply_to_wamid", as: String?.self),
            senderMemberId: try row.decode(column: "sender_member_id", as: Int64?.self),
            timestamp: try row.decode(column: "meta_timestamp", as: Int64.self),
            error: error,
            mediaRef: try row.decode(column: "media_ref", as: Int64?.self),
            mediaStatus: try row.decode(column: "media_status", as: String?.self))
    }
}

extension InboxRepository {
    /// The customer's latest message: what mark-as-read and the typing indicator refer to.
    public func latestInbound(conversationID: Int64) async throws -> (channelID: Int64, wamid: String)? {
        try await db.read { sql in
            guard let row = try await sql.raw("""
                SELECT channel_id, wamid FROM messages
                WHERE conversation_id = \(bind: conversationID) AND direction = 'inbound' AND wamid IS NOT NULL
                    AND type NOT IN ('reaction', 'system', 'revoke', 'edit')
                ORDER BY meta_timestamp DESC, id DESC LIMIT 1
                """).first() else { return nil }
            return (try row.decode(column: "channel_id", as: Int64.self), try row.decode(column: "wamid", as: String.self))
        }
    }
}
