import ChorusCore
import SQLKit

/// PostgreSQL's short path for a group of webhook messages whose customers are all known with
/// their conversations (nearly every group, once customers have written before): the lookup,
/// then ONE statement that takes the writer lock, queues the NOTIFY, inserts the messages,
/// updates their conversations, renames customers and logs the events. PostgreSQL runs a lone
/// statement as a transaction of its own — all of it is committed or none — so this is two round
/// trips where the transaction takes five (BEGIN, lookup, insert, update, COMMIT). On a busy
/// machine every round trip waits for a core, and the whole group waits for each (BENCHMARKS.md).
///
/// Order inside the statement: every writing part reads from `writer_lock` (directly or through
/// the rows it inserted), so the lock is taken before the first row is written and event ids
/// are still taken in commit order (`Database.postgresWriterLock`). The events carry each
/// conversation's assignee as the UPDATE left it, so a reassignment committed meanwhile is
/// respected.
extension IngestRepository {
    /// The outcomes, or nil when the group needs the transaction (statuses or other updates, an
    /// unknown number, a new customer or identity, a customer without a conversation yet).
    func storeInOneStatement(_ batches: [InboundBatch]) async throws -> [Outcome]? {
        // (A huge group, too: PostgreSQL takes at most 65,535 parameters in one statement.)
        guard batches.allSatisfy({ $0.statuses.isEmpty && $0.others.isEmpty }),
              batches.reduce(0, { $0 + $1.messages.count }) <= 2_000 else { return nil }
        return try await db.autocommit { sql -> [Outcome]? in
            let lookup = try IngestLookup(try await sql.raw(IngestLookup.query(for: batches)).all())
            var pending: [PendingMessage] = []
            var renames: [Int64: (name: String?, username: String?)] = [:]
            for (index, batch) in batches.enumerated() {
                for message in batch.messages {
                    guard let channelID = lookup.channels[message.phoneNumberID],
                          let known = lookup.known(message.customer, channelID: channelID),
                          let conversation = lookup.conversationOf[known.id] else { return nil }
                    Self.noteRename(of: known, to: message.customer, in: &renames)
                    pending.append(PendingMessage(batch: index, message: message, channelID: channelID, conversationID: conversation.0))
                }
            }
            var outcomes = Array(repeating: Outcome(), count: batches.count)
            guard !pending.isEmpty else { return outcomes }
            // A message twice in the group goes in once; its repeats are duplicates (as the
            // insert's conflict would make them).
            var firsts = Set<String>()
            let once = pending.filter { firsts.insert("\($0.channelID)|\($0.message.dedupeKey)").inserted }
            let rows = try await sql.rows(Self.oneStatement(once, renames: renames, notifying: notifying, now: Clock.nowMillis()))
            var inserted: [String: Int64] = [:]   // "channel|dedupe" → message id
            for row in rows {
                inserted["\(try row.decode(column: "channel_id", as: Int64.self))|\(try row.decode(column: "dedupe_key", as: String.self))"]
                    = try row.decode(column: "id", as: Int64.self)
            }
            for item in pending {
                if let id = inserted.removeValue(forKey: "\(item.channelID)|\(item.message.dedupeKey)") {
                    outcomes[item.batch].storedMessages.append(id)
                } else {
                    outcomes[item.batch].duplicateMessages += 1
                }
            }
            return outcomes
        }
    }

    /// The statement: `m` holds the messages (with their order and preview), `fresh` those the
    /// insert took (not already stored), `v` each touched conversation's newest message as the
    /// transaction path computes it (`conversationUpdate`: newest time, the later of equal ones).
    static func oneStatement(_ pending: [PendingMessage], renames: [Int64: (name: String?, username: String?)],
                             notifying: (channel: String, payload: String)?, now: Int64) -> BoundStatement {
        var statement = BoundStatement("WITH writer_lock AS (") + Database.postgresWriterLock(notifying: notifying)
        statement.append("), m(ord, \(messageColumns), preview) AS (VALUES")
        for (ord, item) in pending.enumerated() {
            statement.appendRow([.integer(Int64(ord))] + messageValues(item)
                                + [.text(preview(type: item.message.type, text: item.message.text))])
        }
        statement.append("), inserted AS (INSERT INTO messages (\(messageColumns), created_at, updated_at) SELECT ")
        statement.append(messageColumns.split(separator: ",").map { "m." + $0.filter { !$0.isWhitespace } }.joined(separator: ", "))
        statement.append(", ")
        statement.bind(.integer(now))
        statement.append(", ")
        statement.bind(.integer(now))
        statement.append("""
             FROM m CROSS JOIN writer_lock ORDER BY m.ord
                ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id, channel_id, dedupe_key),
            fresh AS (SELECT m.*, inserted.id FROM inserted JOIN m ON m.channel_id = inserted.channel_id AND m.dedupe_key = inserted.dedupe_key),
            v(id, ts, inbound_ts, preview) AS (SELECT DISTINCT ON (conversation_id) conversation_id, meta_timestamp,
                MAX(CASE WHEN direction = 'inbound' THEN meta_timestamp ELSE 0 END) OVER (PARTITION BY conversation_id), preview
                FROM fresh ORDER BY conversation_id, meta_timestamp DESC, ord DESC),
            touched AS (
            """)
        statement = statement + conversationUpdate(now: now)
        statement.append(" RETURNING conversations.id, conversations.assignee_id)")
        if !renames.isEmpty {
            let (values, update) = renameStatement(renames, now: now)
            statement.append(", ")
            statement = statement + values
            statement.append(", renamed AS (")
            statement = statement + update
            statement.append(" AND EXISTS (SELECT 1 FROM writer_lock))")
        }
        statement.append(", logged AS (INSERT INTO events (at, kind, conversation_id, assignee_id, payload) SELECT ")
        statement.bind(.integer(now))
        statement.append("""
            , 'message.created', fresh.conversation_id, touched.assignee_id,
                '{"conversationId":' || fresh.conversation_id || ',"messageId":' || fresh.id || '}'
                FROM fresh JOIN touched ON touched.id = fresh.conversation_id ORDER BY fresh.ord)
            SELECT id, channel_id, dedupe_key FROM inserted
            """)
        return statement
    }
}
