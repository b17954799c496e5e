import ChorusCore
import SQLKit

/// One entry of the event log as devices receive it: the conversation's *current* assignee
/// decides who may see it, and message events carry the message itself.
public struct FeedEvent: Sendable, Equatable {
    public var id: Int64
    public var at: Int64
    public var kind: String
    public var conversationID: Int64?
    public var assigneeID: Int64?
    /// For events addressed to one member only (mentions, own devices).
    public var memberID: Int64?
    public var payload: JSONValue
    public var message: MessageRecord?
}

/// Reads the event log in id order, for live fan-out and for replay after a reconnect.
public struct EventFeed: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func latestID() async throws -> Int64 {
        try await db.read { sql in
            try await sql.raw("SELECT MAX(id) AS id FROM events").first()?.decode(column: "id", as: Int64?.self) ?? 0
        }
    }

    /// Events with `after < id <= upTo`, oldest first, at most `limit`.
    public func events(after: Int64, upTo: Int64? = nil, limit: Int = 500) async throws -> [FeedEvent] {
        try await db.read { sql in
            var bound: SQLQueryString = ""
            if let upTo { bound = "AND e.id <= \(bind: upTo)" }
            var events = try await sql.raw("""
                SELECT e.id, e.at, e.kind, e.conversation_id, e.member_id, e.payload, c.assignee_id
                FROM events e LEFT JOIN conversations c ON c.id = e.conversation_id
                WHERE e.id > \(bind: after) \(bound) ORDER BY e.id LIMIT \(literal: limit)
                """).all().map { row in
                    FeedEvent(id: try row.decode(column: "id", as: Int64.self), at: try row.decode(column: "at", as: Int64.self),
                              kind: try row.decode(column: "kind", as: String.self),
                              conversationID: try row.decode(column: "conversation_id", as: Int64?.self),
                              assigneeID: try row.decode(column: "assignee_id", as: Int64?.self),
                              memberID: try row.decode(column: "member_id", as: Int64?.self),
                              payload: JSONText.decode(try row.decode(column: "payload", as: String.self)), message: nil)
                }
            let messageIDs = events.compactMap { $0.kind == "message.created" ? $0.payload["messageId"]?.int : nil }
            guard !messageIDs.isEmpty else { return events }
            let ids = SQLList(messageIDs.map { SQLBind($0) })
            var messages: [Int64: MessageRecord] = [:]
            for row in try await sql.raw("SELECT \(unsafeRaw: MessageRows.columns) FROM messages WHERE id IN (\(ids)) AND deleted_at IS NULL").all() {
                let message = try MessageRows.decode(row)
                messages[message.id] = message
            }
            for index in events.indices where events[index].kind == "message.created" {
                events[index].message = events[index].payload["messageId"]?.int.flatMap { messages[$0] }
            }
            return events
        }
    }
}
