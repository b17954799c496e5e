import ChorusCore
import SQLKit

/// The hot path of ingest: every message of a group of webhook batches stored with a handful of
/// multi-row statements (look up contacts and conversations together, insert all messages,
/// update each conversation once, log all events) instead of several statements per message.
extension IngestRepository {
    /// A stored message's identity: its number and its deduplication key.
    struct MessageKey: Hashable {
        var channelID: Int64
        var dedupeKey: String
    }

    /// A customer as one message names them, on one number: messages that name them alike
    /// resolve to the same contact.
    struct ResolvedKey: Hashable {
        var channelID: Int64
        var customer: CustomerIdentity
    }

    struct PendingMessage {
        var batch: Int
        var message: InboundMessage
        var channelID: Int64
        var conversationID: Int64 = 0
        var assigneeID: Int64? = nil
    }

    func storeMessages(_ batches: [InboundBatch], lookup: IngestLookup, now: Int64,
                       into outcomes: inout [Outcome], _ sql: any SQLDatabase) async throws {
        let channels = lookup.channels
        var pending: [PendingMessage] = []
        for (index, batch) in batches.enumerated() {
            for message in batch.messages {
                guard let channelID = channels[message.phoneNumberID] else {
                    try await recordUnhandled(OtherUpdate(phoneNumberID: message.phoneNumberID, wabaID: nil, field: "messages",
                                                          kind: "unknown_number", raw: message.raw), now: now, sql)
                    outcomes[index].unhandled += 1
                    continue
                }
                pending.append(PendingMessage(batch: index, message: message, channelID: channelID))
            }
        }
        guard !pending.isEmpty else { return }
        let renames = try await resolveConversations(&pending, lookup: lookup, now: now, sql)

        // All messages in multi-row inserts; the rows that come back are the new ones.
        // (Written as a BoundStatement: on the single writer thread, SQLKit's interpolation of
        // 15 values per message cost more than SQLite's own insert work.)
        var inserted: [MessageKey: Int64] = [:]   // message id of each new message
        for start in stride(from: 0, to: pending.count, by: 100) {
            var insert = BoundStatement("INSERT INTO messages (\(Self.messageColumns), created_at, updated_at) VALUES")
            for item in pending[start..<min(start + 100, pending.count)] {
                insert.appendRow(Self.messageValues(item) + [.integer(now), .integer(now)])
            }
            insert.append(" ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id, channel_id, dedupe_key")
            for row in try await sql.rows(insert) {
                inserted[MessageKey(channelID: try row.decode(column: "channel_id", as: Int64.self),
                                    dedupeKey: try row.decode(column: "dedupe_key", as: String.self))]
                    = try row.decode(column: "id", as: Int64.self)
            }
        }

        // Credit each new message to the first batch that carried it; the rest are duplicates.
        struct Activity { var time: Int64; var inbound: Int64; var preview: String }
        var activity: [Int64: Activity] = [:]
        var events = BoundStatement("INSERT INTO events (at, kind, conversation_id, assignee_id, payload) VALUES")
        for item in pending {
            guard let id = inserted.removeValue(forKey: MessageKey(channelID: item.channelID, dedupeKey: item.message.dedupeKey)) else {
                outcomes[item.batch].duplicateMessages += 1
                continue
            }
            outcomes[item.batch].storedMessages.append(id)
            let m = item.message
            var current = activity[item.conversationID] ?? Activity(time: 0, inbound: 0, preview: "")
            if m.timestampMillis >= current.time {
                current.time = m.timestampMillis
                current.preview = Self.preview(type: m.type, text: m.text)
            }
            if m.direction == .inbound { current.inbound = max(current.inbound, m.timestampMillis) }
            activity[item.conversationID] = current
            let payload = "{\"conversationId\":\(item.conversationID),\"messageId\":\(id)}"
            events.appendRow(.integer(now), .text("message.created"), .integer(item.conversationID), .integer(item.assigneeID), .text(payload))
        }
        // Each touched conversation updated once: newest activity, the 24 h window, reopened.
        var values = BoundStatement("v(id, ts, inbound_ts, preview) AS (VALUES")
        for (id, a) in activity.sorted(by: { $0.key < $1.key }) {
            values.appendRow(.integer(id), .integer(a.time), .integer(a.inbound), .text(a.preview))
        }
        values.append(")")
        let update = Self.conversationUpdate(now: now)
        // Customers whose profile name changed, all in one statement.
        let (renamedValues, rename) = Self.renameStatement(renames, now: now)

        var steps: [(values: BoundStatement?, statement: BoundStatement)] = []
        if !activity.isEmpty { steps.append((values, update)) }
        if !renames.isEmpty { steps.append((renamedValues, rename)) }
        if events.rows > 0 { steps.append((nil, events)) }
        if db.dialect == .postgres, let last = steps.popLast() {
            // One statement, one round trip: the others ride as data-modifying WITH clauses of
            // the last (PostgreSQL runs each of them once, to completion).
            var clauses: [BoundStatement] = []
            for (index, step) in steps.enumerated() {
                if let values = step.values { clauses.append(values) }
                clauses.append(BoundStatement("step\(index) AS (") + step.statement + BoundStatement(")"))
            }
            if let values = last.values { clauses.append(values) }
            try await sql.run(BoundStatement(with: clauses) + last.statement)
        } else {
            // On SQLite statements cost no round trip (and it has no data-modifying WITH).
            for step in steps { try await sql.run(BoundStatement(with: step.values.map { [$0] } ?? []) + step.statement) }
        }
    }

    /// Finds (or creates) the contact and conversation of every pending message: known
    /// customers and their conversations from the group's lookup (`IngestLookup`, read with
    /// the transaction's first statement); new customers, and known ones with a newly learnt
    /// identity, one by one. Returns the known customers whose profile name or username
    /// changed, with their new ones, for the caller to write in one statement (one by one, each
    /// cost two round trips on PostgreSQL — for nearly every message of the bench, whose
    /// stored names differ).
    func resolveConversations(_ pending: inout [PendingMessage], lookup: IngestLookup, now: Int64,
                              _ sql: any SQLDatabase) async throws -> [Int64: (name: String?, username: String?)] {
        var conversationOf = lookup.conversationOf
        // Contacts: known ones with no new identity from the lookup (their new names, if any,
        // collected; later messages' names win, as if written one by one); the rest through
        // the careful path.
        var contactOf: [Int64] = []
        var resolved: [ResolvedKey: Int64] = [:]
        var renames: [Int64: (name: String?, username: String?)] = [:]
        for item in pending {
            let c = item.message.customer
            let cacheKey = ResolvedKey(channelID: item.channelID, customer: c)
            if let id = resolved[cacheKey] { contactOf.append(id); continue }
            let id: Int64
            if let k = lookup.known(c, channelID: item.channelID) {
                id = k.id
                Self.noteRename(of: k, to: c, in: &renames)
            } else {
                id = try await contactID(channelID: item.channelID, identity: c, now: now, sql)
                // An earlier message of this group renamed it: its names stand where this one has none.
                if let earlier = renames[id] { renames[id] = (c.name ?? earlier.name, c.username ?? earlier.username) }
            }
            resolved[cacheKey] = id
            contactOf.append(id)
        }
        // Conversations of contacts the lookup did not bring (new, or linked just now): one
        // query for them all, then created where missing.
        // (By channel and contact: the unique index leads with the channel; by contact alone
        // every conversation would be scanned.)
        var unseen: [Int64: Set<Int64>] = [:]   // channel → contacts
        for (index, contactID) in contactOf.enumerated() where conversationOf[contactID] == nil {
            unseen[pending[index].channelID, default: []].insert(contactID)
        }
        if !unseen.isEmpty {
            let byChannel: [SQLQueryString] = unseen.map { channelID, contacts in
                "(channel_id = \(bind: channelID) AND contact_id IN (\(binds: paddedToPowerOfTwo(Array(contacts)))))"
            }
            for row in try await sql.raw("""
                SELECT id, contact_id, assignee_id FROM conversations WHERE \(SQLList(byChannel, separator: SQLRaw(" OR ")))
                """).all() {
                conversationOf[try row.decode(column: "contact_id", as: Int64.self)] =
                    (try row.decode(column: "id", as: Int64.self), try row.decode(column: "assignee_id", as: Int64?.self))
            }
        }
        for index in pending.indices {
            let contactID = contactOf[index]
            if conversationOf[contactID] == nil {
                let created = try await conversation(channelID: pending[index].channelID, contactID: contactID,
                                                     at: pending[index].message.timestampMillis, now: now, sql)
                conversationOf[contactID] = (created.id, created.assigneeID)
            }
            (pending[index].conversationID, pending[index].assigneeID) = conversationOf[contactID]!
        }
        return renames
    }

    /// The columns of a message row that `messageValues` gives, in its order: the channel and
    /// the conversation, then the message's own (`contentColumns`, `contentValues`).
    static let messageColumns = "channel_id, conversation_id, " + contentColumns

    static let contentColumns = """
        dedupe_key, wamid, direction, type, status, text, content, reply_to_wamid, media_id, media_status, meta_timestamp
        """

    static func messageValues(_ item: PendingMessage) -> [BoundStatement.Value] {
        [.integer(item.channelID), .integer(item.conversationID)] + contentValues(item.message)
    }

    static func contentValues(_ m: InboundMessage) -> [BoundStatement.Value] {
        [.text(m.dedupeKey), .text(m.wamid), .text(m.direction.rawValue), .text(m.type),
         .text(m.direction == .inbound ? "received" : "sent"), .text(m.text), .text(m.rawText), .text(m.replyToWamid),
         .text(m.mediaID), .text(m.mediaID != nil && m.direction == .inbound ? "pending" : nil), .integer(m.timestampMillis)]
    }

    /// `r(id, name, username) AS (VALUES …)` and the UPDATE that renames the customers in it.
    static func renameStatement(_ renames: [Int64: (name: String?, username: String?)],
                                now: Int64) -> (values: BoundStatement, update: BoundStatement) {
        var values = BoundStatement("r(id, name, username) AS (VALUES")
        for (id, names) in renames.sorted(by: { $0.key < $1.key }) {
            values.appendRow(.integer(id), .text(names.name), .text(names.username))
        }
        values.append(")")
        var update = BoundStatement("UPDATE contacts SET name = r.name, username = r.username, updated_at = ")
        update.bind(.integer(now))
        update.append(" FROM r WHERE contacts.id = r.id")
        return (values, update)
    }

    /// Each touched conversation updated once, from `v(id, ts, inbound_ts, preview)` (its
    /// newest new message's time and preview, its newest inbound time or 0): newest activity,
    /// the 24 h window, reopened if resolved or snoozed.
    static func conversationUpdate(now: Int64) -> BoundStatement {
        var update = BoundStatement("""
            UPDATE conversations SET
                last_message_preview = CASE WHEN conversations.last_message_at <= v.ts THEN v.preview ELSE conversations.last_message_preview END,
                last_message_at = CASE WHEN conversations.last_message_at < v.ts THEN v.ts ELSE conversations.last_message_at END,
                last_inbound_at = CASE WHEN v.inbound_ts > 0 AND (conversations.last_inbound_at IS NULL OR conversations.last_inbound_at < v.inbound_ts)
                    THEN v.inbound_ts ELSE conversations.last_inbound_at END,
                status = CASE WHEN conversations.status IN ('resolved', 'snoozed') THEN 'open' ELSE conversations.status END,
                version = conversations.version + 1, updated_at =
            """)
        update.bind(.integer(now))
        update.append(" FROM v WHERE conversations.id = v.id")
        return update
    }

    /// Notes a known customer's new profile name or username: a later message's names win, one
    /// without keeps the earlier — as if the group's messages were written one by one.
    static func noteRename(of known: IngestLookup.Known, to customer: CustomerIdentity,
                           in renames: inout [Int64: (name: String?, username: String?)]) {
        let current = renames[known.id] ?? (known.name, known.username)
        let wanted = (name: customer.name ?? current.name, username: customer.username ?? current.username)
        if wanted != current || renames[known.id] != nil { renames[known.id] = wanted }
    }
}
