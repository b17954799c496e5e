import ChorusCore
import PostgresNIO
import SQLKit

/// PostgreSQL's short path for a group of webhook messages whose customers are all known with
/// their conversations (nearly every group, once customers have written before): ONE statement
/// finds each message's channel, customer and conversation, takes the writer lock, queues the
/// NOTIFY, inserts the messages, updates their conversations, renames customers and logs the
/// events. PostgreSQL runs a lone statement as a transaction of its own — all of it is committed
/// or none — so this is one round trip where the transaction takes five (BEGIN, lookup, insert,
/// update, COMMIT). On a busy machine every round trip waits for a core, and the whole group
/// waits for each (BENCHMARKS.md). When any message needs more (an unknown number, a new
/// customer or identity to link, a customer without a conversation yet), the statement writes
/// nothing and says so, and the group takes the transaction (`store`).
///
/// A named prepared statement (`IngestStatement`), the messages in one JSON parameter: its text
/// never changes, so PostgreSQL plans it once per connection.
///
/// Order inside the statement: every writing part reads from `writer_lock` (directly or through
/// the rows it inserted), so the lock is taken before the first row is written and event ids
/// are still taken in commit order (`Database.postgresWriterLock`). The events carry each
/// conversation's assignee as the UPDATE left it, so a reassignment committed meanwhile is
/// respected.
extension IngestRepository {
    /// The outcomes, or nil when the group needs the transaction.
    func storeInOneStatement(_ batches: [InboundBatch]) async throws -> [Outcome]? {
        // Statuses and other updates take the transaction; so does a huge group (its messages
        // inserted 100 at a time there).
        guard batches.allSatisfy({ $0.statuses.isEmpty && $0.others.isEmpty }) else { return nil }
        var messages: [(batch: Int, message: InboundMessage)] = []
        for (index, batch) in batches.enumerated() { messages += batch.messages.map { (index, $0) } }
        guard messages.count <= 2_000 else { return nil }
        var outcomes = Array(repeating: Outcome(), count: batches.count)
        guard !messages.isEmpty else { return outcomes }
        let statement = IngestStatement(messages: Self.messagesJSON(messages.map(\.message)), notifyChannel: notifying?.channel,
                                        notifyPayload: notifying?.payload, now: Clock.nowMillis())
        let rows = try await db.preparedRows(statement)
        guard let first = rows.first, try first.decode(column: "all_known", as: Bool.self) else { return nil }
        var inserted: [String: Int64] = [:]   // "phone number|dedupe" → message id
        for row in rows {
            guard let id = try row.decode(column: "id", as: Int64?.self) else { continue }
            inserted["\(try row.decode(column: "phone", as: String.self))|\(try row.decode(column: "dedupe_key", as: String.self))"] = id
        }
        // Each new message credited to the first batch that carried it; the rest are duplicates.
        for (batch, message) in messages {
            if let id = inserted.removeValue(forKey: "\(message.phoneNumberID)|\(message.dedupeKey)") {
                outcomes[batch].storedMessages.append(id)
            } else {
                outcomes[batch].duplicateMessages += 1
            }
        }
        return outcomes
    }

    /// The group's messages as the statement's one JSON parameter, in order (`first`: 0 for a
    /// repeat of an earlier message of the group). One parameter, so the statement's text is
    /// the same for every group and PostgreSQL plans it once per connection: planned afresh,
    /// the multi-row VALUES form cost PostgreSQL more to plan than to run (~0.8 ms a group).
    static func messagesJSON(_ messages: [InboundMessage]) -> String {
        var out = "["
        var seen = Set<String>()
        func field(_ name: String, _ value: String?) {
            out += ",\"" + name + "\":"
            if let value { JSONValue.writeString(value, to: &out) } else { out += "null" }
        }
        for (ord, m) in messages.enumerated() {
            if ord > 0 { out += "," }
            out += "{\"ord\":\(ord),\"first\":\(seen.insert("\(m.phoneNumberID)|\(m.dedupeKey)").inserted ? 1 : 0)"
            out += ",\"meta_timestamp\":\(m.timestampMillis)"
            field("phone", m.phoneNumberID)
            field("wa_id", m.customer.waID)
            field("user_id", m.customer.userID)
            field("name", m.customer.name)
            field("username", m.customer.username)
            field("dedupe_key", m.dedupeKey)
            field("wamid", m.wamid)
            field("direction", m.direction.rawValue)
            field("type", m.type)
            field("status", m.direction == .inbound ? "received" : "sent")
            field("text", m.text)
            field("content", m.rawText)
            field("reply_to_wamid", m.replyToWamid)
            field("media_id", m.mediaID)
            field("media_status", m.mediaID != nil && m.direction == .inbound ? "pending" : nil)
            field("preview", preview(type: m.type, text: m.text))
            out += "}"
        }
        return out + "]"
    }
}

/// The short path's statement (`storeInOneStatement`): $1 the messages (`messagesJSON`), $2 and
/// $3 the NOTIFY's channel and payload (NULL: none), $4 the time. In it: `m`, the messages;
/// `found`, each with its channel, customer and conversation, and whether it needs nothing more
/// (`known`, as `IngestLookup.known`); `go`, all of them do; `fresh`, those the insert took (not
/// already stored); `v`, each touched conversation's newest message as `conversationUpdate`
/// wants it (the later of equal times); `r`, each customer's newest name and username in the
/// group (a message without one keeps the earlier).
struct IngestStatement: PostgresPreparedStatement {
    static let sql = """
        WITH writer_lock AS (\(Database.postgresWriterLock) AS locked,
            CASE WHEN $2::text IS NOT NULL THEN pg_notify($2, $3)::text END AS notified),
        m AS (SELECT * FROM json_to_recordset($1::json) AS x(ord bigint, first int, meta_timestamp bigint, phone text,
            wa_id text, user_id text, name text, username text, dedupe_key text, wamid text, direction text, type text,
            status text, text text, content text, reply_to_wamid text, media_id text, media_status text, preview text)),
        found AS (
            SELECT m.*, ch.id AS channel_id, k.id AS contact_id, c.id AS conversation_id,
                COALESCE(c.id IS NOT NULL AND (m.wa_id IS NULL OR k.wa_id = m.wa_id)
                    AND (m.user_id IS NULL OR k.user_id = m.user_id), false) AS known
            FROM m LEFT JOIN channels ch ON ch.phone_number_id = m.phone
            LEFT JOIN contacts k ON k.id = COALESCE(
                (SELECT id FROM contacts WHERE channel_id = ch.id AND user_id = m.user_id),
                (SELECT id FROM contacts WHERE channel_id = ch.id AND wa_id = m.wa_id))
            LEFT JOIN conversations c ON c.channel_id = ch.id AND c.contact_id = k.id),
        go AS (SELECT bool_and(known) AS all_known FROM found),
        inserted AS (INSERT INTO messages (\(IngestRepository.messageColumns), created_at, updated_at)
            SELECT f.channel_id, f.conversation_id, \(IngestRepository.contentColumns.split(separator: ",").map { "f." + $0.filter { !$0.isWhitespace } }.joined(separator: ", ")), $4, $4
            FROM found f CROSS JOIN writer_lock CROSS JOIN go WHERE go.all_known AND f.first = 1 ORDER BY f.ord
            ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id, channel_id, dedupe_key),
        fresh AS (SELECT f.*, inserted.id FROM inserted
            JOIN found f ON f.channel_id = inserted.channel_id AND f.dedupe_key = inserted.dedupe_key AND f.first = 1),
        v(id, ts, inbound_ts, preview) AS (SELECT DISTINCT ON (conversation_id) conversation_id, meta_timestamp,
            MAX(CASE WHEN direction = 'inbound' THEN meta_timestamp ELSE 0 END) OVER (PARTITION BY conversation_id), preview
            FROM fresh ORDER BY conversation_id, meta_timestamp DESC, ord DESC),
        touched AS (\(IngestRepository.conversationUpdateSQL(now: "$4")) RETURNING conversations.id, conversations.assignee_id),
        r(id, name, username) AS (SELECT contact_id,
            (array_agg(name ORDER BY ord DESC) FILTER (WHERE name IS NOT NULL))[1],
            (array_agg(username ORDER BY ord DESC) FILTER (WHERE username IS NOT NULL))[1]
            FROM found GROUP BY contact_id),
        renamed AS (UPDATE contacts SET name = COALESCE(r.name, contacts.name), username = COALESCE(r.username, contacts.username),
            updated_at = $4 FROM r CROSS JOIN writer_lock CROSS JOIN go WHERE go.all_known AND contacts.id = r.id
            AND (COALESCE(r.name, contacts.name), COALESCE(r.username, contacts.username)) IS DISTINCT FROM (contacts.name, contacts.username)),
        logged AS (INSERT INTO events (at, kind, conversation_id, assignee_id, payload)
            SELECT $4, 'message.created', fresh.conversation_id, touched.assignee_id,
                '{"conversationId":' || fresh.conversation_id || ',"messageId":' || fresh.id || '}'
            FROM fresh JOIN touched ON touched.id = fresh.conversation_id ORDER BY fresh.ord)
        SELECT go.all_known, fresh.phone, fresh.dedupe_key, fresh.id FROM go LEFT JOIN fresh ON true
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .text, .text, .int8]
    typealias Row = PostgresRow

    var messages: String
    var notifyChannel: String?
    var notifyPayload: String?
    var now: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(messages)
        bindings.append(notifyChannel)
        bindings.append(notifyPayload)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
