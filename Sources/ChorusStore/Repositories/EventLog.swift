import ChorusCore
import SQLKit

/// The durable, ordered log of what happened. Its ids are the WebSocket's event ids, so a
/// device that reconnects with `last_event_id` replays exactly what it missed, from the store.
public enum EventLog {
    static func append(kind: String, conversationID: Int64?, assigneeID: Int64?, payload: JSONValue,
                       now: Int64, _ sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO events (at, kind, conversation_id, assignee_id, payload)
            VALUES (\(bind: now), \(bind: kind), \(bind: conversationID), \(bind: assigneeID), \(bind: JSONText.encode(payload)))
            """).run()
    }
}
