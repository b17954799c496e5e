import Foundation
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
        try await conversations(ConversationQuery(scope: scope, memberID: nil, status: status, limit: limit, cursor: cursor))
    }

    /// One page of a view of the inbox, always inside the caller's scope.
    public func conversations(_ query: ConversationQuery) async throws -> Page<ConversationSummary> {
        let limit = try Self.checkedLimit(query.limit)
        let after = try Self.checkedCursor(query.cursor)
        var conditions = Self.conditions(query)
        let order: SQLQueryString
        switch query.sort {
        case .activity:
            if let after {
                conditions.append("(c.last_message_at < \(bind: after.time) OR (c.last_message_at = \(bind: after.time) AND c.id < \(bind: after.id)))")
            }
            order = "c.last_message_at DESC, c.id DESC"
        case .waiting:
            // Customers waiting longest first: the last word was theirs and nobody closed it.
            conditions.append("c.last_inbound_at IS NOT NULL AND c.last_inbound_at >= c.last_message_at AND c.status IN ('open', 'pending')")
            if let after {
                conditions.append("(c.last_inbound_at > \(bind: after.time) OR (c.last_inbound_at = \(bind: after.time) AND c.id > \(bind: after.id)))")
            }
            order = "c.last_inbound_at ASC, c.id ASC"
        }
        let reader = query.memberID ?? -1
        var rows = try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.conversationColumns),
                    CASE WHEN c.last_inbound_at > COALESCE(r.read_at, 0) THEN 1 ELSE 0 END AS unread
                FROM conversations c JOIN contacts k ON k.id = c.contact_id
                LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.member_id = \(bind: reader)
                WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
                ORDER BY \(order)
                LIMIT \(literal: limit + 1)
                """).all().map(Self.decodeConversation)
        }
        try await attachLabels(&rows)
        let sort = query.sort
        return Self.page(rows, limit: limit) { PageCursor(time: sort == .activity ? $0.lastMessageAt : ($0.lastInboundAt ?? 0), id: $0.id) }
    }

    /// How many conversations in each view have something the caller has not read.
    public func unreadCounts(scope: ConversationScope, memberID: Int64) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for view in ConversationQuery.View.allCases {
            var conditions = Self.conditions(ConversationQuery(scope: scope, memberID: memberID, view: view, limit: 1, cursor: nil))
            conditions.append("c.last_inbound_at > COALESCE(r.read_at, 0)")
            counts[view.rawValue] = try await db.read { sql in
                try await sql.raw("""
                    SELECT COUNT(*) AS n FROM conversations c
                    LEFT JOIN conversation_reads r ON r.conversation_id = c.id AND r.member_id = \(bind: memberID)
                    WHERE \(SQLList(conditions, separator: SQLRaw(" AND ")))
                    """).first()!.decode(column: "n", as: Int.self)
            }
        }
        return counts
    }

    static func conditions(_ query: ConversationQuery) -> [SQLQueryString] {
        var conditions: [SQLQueryString] = ["1 = 1"]
        if case .assignedTo(let memberID) = query.scope { conditions.append("c.assignee_id = \(bind: memberID)") }
        let me = query.memberID ?? -1
        switch query.view {
        case .all: break
        case .mine: conditions.append("c.assignee_id = \(bind: me)")
        case .unassigned: conditions.append("c.assignee_id IS NULL")
        case .mentions:
            conditions.append("""
                c.id IN (SELECT n.conversation_id FROM notes n JOIN note_mentions nm ON nm.note_id = n.id WHERE nm.member_id = \(bind: me))
                """)
        }
        if let status = query.status { conditions.append("c.status = \(bind: status.rawValue)") }
        if let team = query.teamID { conditions.append("c.team_id = \(bind: team)") }
        if let channel = query.channelID { conditions.append("c.channel_id = \(bind: channel)") }
        if let label = query.labelID {
            conditions.append("c.id IN (SELECT conversation_id FROM conversation_labels WHERE label_id = \(bind: label))")
        }
        return conditions
    }

    func attachLabels(_ conversations: inout [ConversationSummary]) async throws {
        guard !conversations.isEmpty else { return }
        let ids = SQLList(conversations.map { SQLBind($0.id) })
        let pairs = try await db.read { sql in
            try await sql.raw("SELECT conversation_id, label_id FROM conversation_labels WHERE conversation_id IN (\(ids)) ORDER BY label_id")
                .all().map { (try $0.decode(column: "conversation_id", as: Int64.self), try $0.decode(column: "label_id", as: Int64.self)) }
        }
        guard !pairs.isEmpty else { return }
        let byConversation = Dictionary(grouping: pairs, by: \.0).mapValues { $0.map(\.1) }
        for index in conversations.indices { conversations[index].labelIds = byConversation[conversations[index].id] ?? [] }
    }

    /// The conversation, or nil when it does not exist *or* lies outside the caller's scope.
    public func conversation(id: Int64, scope: ConversationScope) async throws -> ConversationSummary? {
        let found: ConversationSummary? = try await db.read { sql in
            guard let row = try await sql.raw("""
                SELECT \(unsafeRaw: Self.conversationColumns)
                FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE c.id = \(bind: id)
                """).first() else { return nil }
            let conversation = try Self.decodeConversation(row)
            if case .assignedTo(let memberID) = scope, conversation.assigneeId != memberID { return nil }
            return conversation
        }
        guard let found else { return nil }
        var list = [found]
        try await attachLabels(&list)
        return list[0]
    }

    /// Messages of a conversation: `older` pages back from the newest (or from the cursor);
    /// `newer` pages forward from the cursor, oldest first (catching up after a gap).
    public func messages(conversationID: Int64, limit: Int, cursor: String?, newer: Bool = false) async throws -> Page<MessageRecord> {
        let limit = try Self.checkedLimit(limit)
        let after = try Self.checkedCursor(cursor)
        var keyset: SQLQueryString = ""
        if let after {
            keyset = newer
                ? "AND (meta_timestamp > \(bind: after.time) OR (meta_timestamp = \(bind: after.time) AND id > \(bind: after.id)))"
                : "AND (meta_timestamp < \(bind: after.time) OR (meta_timestamp = \(bind: after.time) AND id < \(bind: after.id)))"
        }
        let order: SQLQueryString = newer ? "meta_timestamp ASC, id ASC" : "meta_timestamp DESC, id DESC"
        let rows = try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.columns) FROM messages
                WHERE conversation_id = \(bind: conversationID) AND deleted_at IS NULL \(keyset)
                ORDER BY \(order)
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
        c.last_message_preview, c.version, c.snoozed_until, k.id AS contact_id, k.wa_id, k.user_id, k.name, k.username
        """

    /// Meta's customer-service window: free text only within 24 h of the customer's last message.
    public static let serviceWindowMillis: Int64 = 24 * 3600 * 1000

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
            version: try row.decode(column: "version", as: Int64.self),
            snoozedUntil: try row.decode(column: "snoozed_until", as: Int64?.self),
            windowOpenUntil: try row.decode(column: "last_inbound_at", as: Int64?.self).flatMap { last in
                last + serviceWindowMillis > Clock.nowMillis() ? last + serviceWindowMillis : nil
            },
            unread: (try? row.decode(column: "unread", as: Int?.self)).flatMap { $0 }.map { $0 != 0 })
    }
}

/// How a `messages` row becomes a `MessageRecord`; shared by every reader of messages.
enum MessageRows {
    static let columns = """
        id, conversation_id, wamid, direction, type, status, text, content, reply_to_wamid, sender_member_id,
        meta_timestamp, error_code, error_title, error_details, error_hint, media_ref, media_status
        """

    /// The names in `columns`, in order.
    static let columnNames = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The same columns prefixed with `m.`, for joins.
    static let qualifiedColumns = columnNames.map { "m." + $0 }.joined(separator: ", ")

    static func decode(_ row: any SQLRow) throws -> MessageRecord {
        if let fast = row as? PostgresFastRow, let record = decodeInOnePass(fast) { return record }
        return try record(
            id: row.decode(column: "id", as: Int64.self),
            conversationID: row.decode(column: "conversation_id", as: Int64.self),
            wamid: row.decode(column: "wamid", as: String?.self),
            direction: row.decode(column: "direction", as: String.self),
            type: row.decode(column: "type", as: String.self),
            status: row.decode(column: "status", as: String.self),
            text: row.decode(column: "text", as: String?.self),
            content: row.decode(column: "content", as: String.self),
            replyToWamid: row.decode(column: "reply_to_wamid", as: String?.self),
            senderMemberID: row.decode(column: "sender_member_id", as: Int64?.self),
            timestamp: row.decode(column: "meta_timestamp", as: Int64.self),
            errorCode: row.decode(column: "error_code", as: Int?.self),
            errorTitle: row.decode(column: "error_title", as: String?.self),
            errorDetails: row.decode(column: "error_details", as: String?.self),
            errorHint: row.decode(column: "error_hint", as: String?.self),
            mediaRef: row.decode(column: "media_ref", as: Int64?.self),
            mediaStatus: row.decode(column: "media_status", as: String?.self))
    }

    /// The record from a row's columns (in `columns`' order).
    static func record(id: Int64, conversationID: Int64, wamid: String?, direction: String, type: String, status: String,
                       text: String?, content: String, replyToWamid: String?, senderMemberID: Int64?, timestamp: Int64,
                       errorCode: Int?, errorTitle: String?, errorDetails: String?, errorHint: String?,
                       mediaRef: Int64?, mediaStatus: String?) -> MessageRecord {
        let error = (errorCode == nil && errorTitle == nil && errorHint == nil) ? nil
            : MessageErrorInfo(code: errorCode, title: errorTitle, details: errorDetails, hint: errorHint)
        return MessageRecord(
            id: id, conversationId: conversationID, wamid: wamid,
            direction: MessageDirection(rawValue: direction) ?? .inbound, type: type,
            status: MessageStatus(rawValue: status) ?? .received, text: text, content: JSONText.decode(content),
            replyToWamid: replyToWamid, senderMemberId: senderMemberID, timestamp: timestamp, error: error,
            mediaRef: mediaRef, mediaStatus: mediaStatus)
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
