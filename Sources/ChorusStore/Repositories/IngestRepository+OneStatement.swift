import ChorusCore
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
/// Order inside the statement: every writing part reads from `writer_lock` (directly or through
/// the rows it inserted), so the lock is taken before the first row is written and event ids
/// are still taken in commit order (`Database.postgresWriterLock`). The events carry each
/// conversation's assignee as the UPDATE left it, so a reassignment committed meanwhile is
/// respected. The statement returns the events it logged, each with its message, in the columns
/// the event feed reads (`EventFeed.decode`): the event pump hands them to the devices without
/// a query of its own (`EventPump.handOff`).
extension IngestRepository {
    /// The outcomes and the events written, or nil when the group needs the transaction.
    func storeInOneStatement(_ batches: [InboundBatch]) async throws -> Committed? {
        // Statuses and other updates take the transaction; so does a huge group (PostgreSQL
        // takes at most 65,535 parameters in one statement).
        guard batches.allSatisfy({ $0.statuses.isEmpty && $0.others.isEmpty }) else { return nil }
        var messages: [(batch: Int, message: InboundMessage)] = []
        for (index, batch) in batches.enumerated() { messages += batch.messages.map { (index, $0) } }
        guard messages.count <= 2_000 else { return nil }
        var outcomes = Array(repeating: Outcome(), count: batches.count)
        guard !messages.isEmpty else { return Committed(outcomes: outcomes, events: []) }
        // Padded to a power of two with repeats of the last message (each a repeat: stored
        // once, credited below by the real ones only), so that a few prepared statements serve
        // every group size (PreparedIngestStatement).
        let padded = paddedToPowerOfTwo(messages.map(\.message))
        let statement = Self.oneStatement(padded, notifying: notifying, now: Clock.nowMillis())
        let rows = padded.count <= Self.largestPreparedGroup
            ? try await runPrepared(statement, messages: padded.count)
            : try await db.autocommit { sql in try await sql.rows(statement) }
        guard let first = rows.first, try first.decode(column: "all_known", as: Bool.self) else { return nil }
        var inserted: [String: Int64] = [:]   // "phone number|dedupe" → message id
        var events: [FeedEvent] = []
        for row in rows {
            guard let id = try row.decode(column: "id", as: Int64?.self) else { continue }
            inserted["\(try row.decode(column: "phone", as: String.self))|\(try row.decode(column: "dedupe_key", as: String.self))"] = id
            if try row.decode(column: "event_id", as: Int64?.self) != nil { events.append(try EventFeed.decode(row)) }
        }
        // Each new message credited to the first batch that carried it; the rest are duplicates.
        for (batch, message) in messages {
            if let id = inserted.removeValue(forKey: "\(message.phoneNumberID)|\(message.dedupeKey)") {
                outcomes[batch].storedMessages.append(id)
            } else {
                outcomes[batch].duplicateMessages += 1
            }
        }
        return Committed(outcomes: outcomes, events: events.sorted { $0.id < $1.id })
    }

    /// The statement. `m`: the messages in order (`first`: not a repeat of an earlier one in
    /// the group); `found`: each with its channel, customer and conversation, and whether it
    /// needs nothing more (`known`, as `IngestLookup.known`); `go`: all of them do; `fresh`: those
    /// the insert took (not already stored); `v`: each touched conversation's newest message,
    /// as `conversationUpdate` wants it (the later of equal times); `r`: each customer's newest
    /// name and username in the group (a message without one keeps the earlier).
    /// The stored messages' columns as the event feed reads them (`EventFeed.decode`).
    private static let storedColumns = MessageRows.columnNames.map { "stored." + $0 }.joined(separator: ", ")

    static func oneStatement(_ messages: [InboundMessage], notifying: (channel: String, payload: String)?,
                             now: Int64) -> BoundStatement {
        var statement = BoundStatement("WITH writer_lock AS (") + Database.postgresWriterLock(notifying: notifying)
        statement.append("), m(ord, first, phone, wa_id, user_id, name, username, \(contentColumns), preview) AS (VALUES")
        var seen = Set<String>()
        for (ord, message) in messages.enumerated() {
            let first = seen.insert("\(message.phoneNumberID)|\(message.dedupeKey)").inserted
            let c = message.customer
            statement.appendRow([.integer(Int64(ord)), .integer(first ? 1 : 0), .text(message.phoneNumberID), .text(c.waID),
                                 .text(c.userID), .text(c.name), .text(c.username)] + contentValues(message)
                                + [.text(preview(type: message.type, text: message.text))])
        }
        statement.append("""
            ), found AS (
                SELECT m.*, ch.id AS channel_id, k.id AS contact_id, c.id AS conversation_id,
                    COALESCE(c.id IS NOT NULL AND (m.wa_id IS NULL OR k.wa_id = m.wa_id)
                        AND (m.user_id IS NULL OR k.user_id = m.user_id), false) AS known
                FROM m LEFT JOIN channels ch ON ch.phone_number_id = m.phone
                LEFT JOIN contacts k ON k.id = COALESCE(
                    (SELECT id FROM contacts WHERE channel_id = ch.id AND user_id = m.user_id),
                    (SELECT id FROM contacts WHERE channel_id = ch.id AND wa_id = m.wa_id))
                LEFT JOIN conversations c ON c.channel_id = ch.id AND c.contact_id = k.id),
            go AS (SELECT bool_and(known) AS all_known FROM found),
            inserted AS (INSERT INTO messages (\(messageColumns), created_at, updated_at)
                SELECT f.channel_id, f.conversation_id, \(contentColumns.split(separator: ",").map { "f." + $0.filter { !$0.isWhitespace } }.joined(separator: ", ")),
            """)
        statement.bind(.integer(now))
        statement.append(", ")
        statement.bind(.integer(now))
        statement.append("""
                 FROM found f CROSS JOIN writer_lock CROSS JOIN go WHERE go.all_known AND f.first = 1 ORDER BY f.ord
                ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING channel_id, dedupe_key, \(MessageRows.columns)),
            fresh AS (SELECT f.*, inserted.id FROM inserted
                JOIN found f ON f.channel_id = inserted.channel_id AND f.dedupe_key = inserted.dedupe_key AND f.first = 1),
            v(id, ts, inbound_ts, preview) AS (SELECT DISTINCT ON (conversation_id) conversation_id, meta_timestamp,
                MAX(CASE WHEN direction = 'inbound' THEN meta_timestamp ELSE 0 END) OVER (PARTITION BY conversation_id), preview
                FROM fresh ORDER BY conversation_id, meta_timestamp DESC, ord DESC),
            touched AS (
            """)
        statement = statement + conversationUpdate(now: now)
        statement.append("""
             RETURNING conversations.id, conversations.assignee_id),
            r(id, name, username) AS (SELECT contact_id,
                (array_agg(name ORDER BY ord DESC) FILTER (WHERE name IS NOT NULL))[1],
                (array_agg(username ORDER BY ord DESC) FILTER (WHERE username IS NOT NULL))[1]
                FROM found GROUP BY contact_id),
            renamed AS (UPDATE contacts SET name = COALESCE(r.name, contacts.name), username = COALESCE(r.username, contacts.username),
                updated_at =
            """)
        statement.bind(.integer(now))
        statement.append("""
                 FROM r CROSS JOIN writer_lock CROSS JOIN go WHERE go.all_known AND contacts.id = r.id
                AND (COALESCE(r.name, contacts.name), COALESCE(r.username, contacts.username)) IS DISTINCT FROM (contacts.name, contacts.username)),
            logged AS (INSERT INTO events (at, kind, conversation_id, assignee_id, payload) SELECT
            """)
        statement.append(" ")
        statement.bind(.integer(now))
        statement.append("""
            , 'message.created', fresh.conversation_id, touched.assignee_id,
                '{"conversationId":' || fresh.conversation_id || ',"messageId":' || fresh.id || '}'
                FROM fresh JOIN touched ON touched.id = fresh.conversation_id ORDER BY fresh.ord
                RETURNING id, at, kind, conversation_id, assignee_id, member_id, payload)
            SELECT go.all_known, fresh.phone, fresh.dedupe_key, e.id AS event_id, e.at AS event_at, e.kind AS event_kind,
                e.conversation_id AS event_conversation_id, e.member_id AS event_member_id, e.payload AS event_payload,
                e.assignee_id AS event_assignee_id, \(storedColumns)
            FROM go LEFT JOIN fresh ON true LEFT JOIN inserted stored ON stored.id = fresh.id
            LEFT JOIN logged e ON (e.payload::jsonb ->> 'messageId')::bigint = fresh.id
            """)
        return statement
    }
}
