import ChorusCore
import Foundation
import SQLKit

/// The durable outbound queue. A reply is stored as `queued` before anything is sent; the
/// sender moves it to `sending` in its own commit before calling Meta, so after a crash a send
/// whose outcome is unknown is found and never blindly repeated.
public struct OutboxRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct NewOutbound: Sendable {
        public var conversationID: Int64
        public var senderMemberID: Int64?
        public var type: String
        public var text: String?
        /// The Graph API object for `type` (e.g. `{"body": "…"}` for text).
        public var content: JSONValue
        public var replyToWamid: String?
        /// The client's idempotency key: the same key twice stores one message.
        public var clientKey: String?

        public init(conversationID: Int64, senderMemberID: Int64?, type: String, text: String?, content: JSONValue,
                    replyToWamid: String? = nil, clientKey: String? = nil) {
            self.conversationID = conversationID
            self.senderMemberID = senderMemberID
            self.type = type
            self.text = text
            self.content = content
            self.replyToWamid = replyToWamid
            self.clientKey = clientKey
        }
    }

    public func enqueue(_ outbound: NewOutbound) async throws -> MessageRecord {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            guard let conversation = try await sql.raw("""
                SELECT channel_id, assignee_id FROM conversations WHERE id = \(bind: outbound.conversationID)
                """).first() else { throw ChorusError.notFound("The conversation") }
            let channelID = try conversation.decode(column: "channel_id", as: Int64.self)
            let dedupeKey = "out:" + (outbound.clientKey.map { "client:\($0)" } ?? UUID().uuidString)
            let inserted = try await sql.raw("""
                INSERT INTO messages (channel_id, conversation_id, dedupe_key, direction, type, status, text, content,
                    reply_to_wamid, sender_member_id, meta_timestamp, created_at, updated_at, next_attempt_at)
                VALUES (\(bind: channelID), \(bind: outbound.conversationID), \(bind: dedupeKey), 'outbound',
                    \(bind: outbound.type), 'queued', \(bind: outbound.text), \(bind: JSONText.encode(outbound.content)),
                    \(bind: outbound.replyToWamid), \(bind: outbound.senderMemberID), \(bind: now), \(bind: now), \(bind: now), \(bind: now))
                ON CONFLICT (channel_id, dedupe_key) DO NOTHING
                RETURNING \(unsafeRaw: MessageRows.columns)
                """).first()
            if let inserted {
                let message = try MessageRows.decode(inserted)
                try await sql.raw("""
                    UPDATE conversations SET last_message_at = \(bind: now),
                        last_message_preview = \(bind: IngestRepository.preview(type: outbound.type, text: outbound.text)),
                        version = version + 1, updated_at = \(bind: now)
                    WHERE id = \(bind: outbound.conversationID)
                    """).run()
                try await EventLog.append(
                    kind: "message.created", conversationID: outbound.conversationID,
                    assigneeID: try conversation.decode(column: "assignee_id", as: Int64?.self),
                    payload: .object(["messageId": .int(message.id), "conversationId": .int(outbound.conversationID)]),
                    now: now, sql)
                return message
            }
            // A retried request with the same idempotency key: answer with the stored message.
            let existing = try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.columns) FROM messages
                WHERE channel_id = \(bind: channelID) AND dedupe_key = \(bind: dedupeKey)
                """).first()
            return try MessageRows.decode(existing!)
        }
    }

    public struct Job: Sendable, Equatable {
        public var messageID: Int64
        public var channelID: Int64
        public var conversationID: Int64
        public var toWaID: String?
        public var toUserID: String?
        public var type: String
        public var content: JSONValue
        public var replyToWamid: String?
        public var attempts: Int
    }

    /// Claims up to `limit` due messages and marks them `sending` in the same commit.
    /// `FOR UPDATE SKIP LOCKED` lets several instances share the queue on PostgreSQL.
    public func claimDue(limit: Int, now: Int64 = Clock.nowMillis()) async throws -> [Job] {
        // Most calls find nothing (an idle sender looks five times a second): look on a read
        // connection first, so that an empty look never takes the writer. On PostgreSQL the
        // claim's transaction holds the writer lock from its second statement to its COMMIT,
        // and webhook commits waited behind it (BENCHMARKS.md, session 11).
        guard try await anyDue(now: now) else { return [] }
        return try await db.transaction { sql in
            let lock: SQLQueryString = db.dialect == .postgres ? "FOR UPDATE OF m SKIP LOCKED" : ""
            let rows = try await sql.raw("""
                SELECT m.id, m.channel_id, m.conversation_id, m.type, m.content, m.reply_to_wamid, m.attempts,
                    k.wa_id, k.user_id
                FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
                WHERE m.status = 'queued' AND m.next_attempt_at <= \(bind: now)
                ORDER BY m.next_attempt_at, m.id
                LIMIT \(literal: limit) \(lock)
                """).all()
            var jobs: [Job] = []
            for row in rows {
                let job = Job(
                    messageID: try row.decode(column: "id", as: Int64.self),
                    channelID: try row.decode(column: "channel_id", as: Int64.self),
                    conversationID: try row.decode(column: "conversation_id", as: Int64.self),
                    toWaID: try row.decode(column: "wa_id", as: String?.self),
                    toUserID: try row.decode(column: "user_id", as: String?.self),
                    type: try row.decode(column: "type", as: String.self),
                    content: JSONText.decode(try row.decode(column: "content", as: String.self)),
                    replyToWamid: try row.decode(column: "reply_to_wamid", as: String?.self),
                    attempts: try row.decode(column: "attempts", as: Int.self) + 1)
                try await sql.raw("""
                    UPDATE messages SET status = 'sending', attempts = attempts + 1, updated_at = \(bind: now)
                    WHERE id = \(bind: job.messageID)
                    """).run()
                jobs.append(job)
            }
            return jobs
        }
    }

    /// Is any queued message due? Through the partial index of queued messages.
    func anyDue(now: Int64) async throws -> Bool {
        try await db.read { sql in
            try await sql.raw("""
                SELECT 1 AS due FROM messages WHERE status = 'queued' AND next_attempt_at <= \(bind: now) LIMIT 1
                """).first() != nil
        }
    }

    /// Meta accepted the message: record its wamid and apply any status that arrived first.
    public func markSent(messageID: Int64, wamid: String) async throws {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            guard let row = try await sql.raw("""
                UPDATE messages SET wamid = \(bind: wamid), status = 'sent', updated_at = \(bind: now)
                WHERE id = \(bind: messageID) AND status = 'sending'
                RETURNING channel_id, conversation_id
                """).first() else { return }
            let channelID = try row.decode(column: "channel_id", as: Int64.self)
            try await EventLog.append(kind: "message.status", conversationID: try row.decode(column: "conversation_id", as: Int64.self),
                                      assigneeID: nil,
                                      payload: .object(["messageId": .int(messageID), "status": .string("sent")]), now: now, sql)
            try await StatusApplier.applyRecorded(channelID: channelID, wamid: wamid, now: now, sql)
        }
    }

    /// A retryable failure: back to the queue at `retryAt`.
    public func scheduleRetry(messageID: Int64, retryAt: Int64, reason: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE messages SET status = 'queued', next_attempt_at = \(bind: retryAt),
                    error_details = \(bind: reason), updated_at = \(bind: Clock.nowMillis())
                WHERE id = \(bind: messageID) AND status = 'sending'
                """).run()
        }
    }

    /// A terminal failure, with what the agent should do about it.
    public func markFailed(messageID: Int64, code: Int?, title: String, details: String?, hint: String) async throws {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            guard let row = try await sql.raw("""
                UPDATE messages SET status = 'failed', error_code = \(bind: code), error_title = \(bind: title),
                    error_details = \(bind: details), error_hint = \(bind: hint), updated_at = \(bind: now)
                WHERE id = \(bind: messageID) AND status IN ('queued', 'sending')
                RETURNING conversation_id
                """).first() else { return }
            try await EventLog.append(kind: "message.status", conversationID: try row.decode(column: "conversation_id", as: Int64.self),
                                      assigneeID: nil,
                                      payload: .object(["messageId": .int(messageID), "status": .string("failed")]), now: now, sql)
        }
    }

    /// At start-up: a message left `sending` by a crash may or may not have reached Meta.
    /// It is marked `unknown` for an agent to decide (or for a status webhook to settle), never
    /// resent automatically. Returns how many were found.
    @discardableResult
    public func reconcileInterruptedSends() async throws -> Int {
        try await db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE messages SET status = 'unknown', updated_at = \(bind: Clock.nowMillis()),
                    error_hint = 'Chorus stopped while sending this message, so it may or may not have reached the customer. Check with the customer before sending it again.'
                WHERE status = 'sending' AND direction = 'outbound'
                RETURNING id
                """).all()
            return rows.count
        }
    }
}

extension OutboxRepository {
    /// The request may or may not have reached Meta (the connection broke after sending):
    /// never resent automatically; a status webhook or an agent settles it.
    public func markUnknown(messageID: Int64, reason: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE messages SET status = 'unknown', error_details = \(bind: reason), updated_at = \(bind: Clock.nowMillis()),
                    error_hint = 'The connection to WhatsApp broke while sending, so this message may or may not have arrived. Check with the customer before sending it again.'
                WHERE id = \(bind: messageID) AND status = 'sending'
                """).run()
        }
    }

    public func queueDepth() async throws -> Int {
        try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM messages WHERE status = 'queued'").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }
}
