import ChorusCore
import PostgresKit
import PostgresNIO
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

    /// Events with `after < id <= upTo`, oldest first, at most `limit` — each message event
    /// with its message, in the same query (one round trip per page: the event pump reads a
    /// page per pass, and on PostgreSQL a second query for the messages was a second round
    /// trip in every webhook's path to the devices). On PostgreSQL a named prepared statement
    /// (`EventPage`): the pump reads a page up to ~200 times a second, and planning it each
    /// time cost PostgreSQL three times its execution (pg_stat_statements, BENCHMARKS.md).
    public func events(after: Int64, upTo: Int64? = nil, limit: Int = 500) async throws -> [FeedEvent] {
        var bound: SQLQueryString = ""
        if let upTo { bound = "AND e.id <= \(bind: upTo)" }
        let rows = try await db.rows(EventPage(after: after, upTo: upTo, limit: Int64(limit)), sqlite: """
            \(unsafeRaw: Self.pageSelect(messageID: "json_extract(e.payload, '$.messageId')"))
            WHERE e.id > \(bind: after) \(bound) ORDER BY e.id LIMIT \(literal: limit)
            """)
        return try rows.map(Self.decode)
    }

    /// An event from a row with the `event_…` columns of `pageSelect` and, for a message event,
    /// the message's columns (`MessageRows`; `id` NULL for none). Also how the ingest statement
    /// returns the events it wrote (`IngestRepository.Committed`).
    static func decode(_ row: any SQLRow) throws -> FeedEvent {
        FeedEvent(id: try row.decode(column: "event_id", as: Int64.self), at: try row.decode(column: "event_at", as: Int64.self),
                  kind: try row.decode(column: "event_kind", as: String.self),
                  conversationID: try row.decode(column: "event_conversation_id", as: Int64?.self),
                  assigneeID: try row.decode(column: "event_assignee_id", as: Int64?.self),
                  memberID: try row.decode(column: "event_member_id", as: Int64?.self),
                  payload: JSONText.decode(try row.decode(column: "event_payload", as: String.self)),
                  message: try row.decode(column: "id", as: Int64?.self) == nil ? nil : try MessageRows.decode(row))
    }

    /// The page's SELECT and FROM: events, their conversation's current assignee, and the
    /// message of each message event (its id, `messageID`, sits in the event's JSON payload).
    static func pageSelect(messageID: String) -> String {
        """
        SELECT e.id AS event_id, e.at AS event_at, e.kind AS event_kind, e.conversation_id AS event_conversation_id,
            e.member_id AS event_member_id, e.payload AS event_payload, c.assignee_id AS event_assignee_id,
            \(MessageRows.qualifiedColumns)
        FROM events e LEFT JOIN conversations c ON c.id = e.conversation_id
        LEFT JOIN messages m ON m.id = CASE WHEN e.kind = 'message.created' THEN \(messageID) END AND m.deleted_at IS NULL
        """
    }
}

/// PostgreSQL's page of the event log as a named prepared statement (parsed and planned once
/// per connection; `upTo` NULL for no upper bound).
struct EventPage: PreparedRead {
    static let sql = EventFeed.pageSelect(messageID: "(e.payload::jsonb ->> 'messageId')::bigint")
        + " WHERE e.id > $1 AND ($2::bigint IS NULL OR e.id <= $2) ORDER BY e.id LIMIT $3"
    static let bindingDataTypes: [PostgresDataType] = [.int8, .int8, .int8]

    var after: Int64
    var upTo: Int64?
    var limit: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(after)
        bindings.append(upTo)
        bindings.append(limit)
        return bindings
    }
}
