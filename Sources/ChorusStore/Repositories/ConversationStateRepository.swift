import ChorusCore
import SQLKit

/// Changing a conversation: assignment, status, labels and read markers. Every change bumps
/// the conversation's version and is written to the event log in the same transaction.
public struct ConversationStateRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    /// Assigns to a member and/or team (nil unassigns); recorded with who and when.
    public func assign(conversationID: Int64, memberID: Int64?, teamID: Int64?, by actor: Int64) async throws {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            if let memberID, try await sql.raw("SELECT id FROM members WHERE id = \(bind: memberID) AND active = \(bind: true)").first() == nil {
                throw ChorusError.invalid("unknown_member", "There is no active member with id \(memberID).")
            }
            if let teamID, try await sql.raw("SELECT id FROM teams WHERE id = \(bind: teamID)").first() == nil {
                throw ChorusError.invalid("unknown_team", "There is no team with id \(teamID).")
            }
            try await sql.raw("""
                UPDATE conversations SET assignee_id = \(bind: memberID), team_id = \(bind: teamID),
                    version = version + 1, updated_at = \(bind: now) WHERE id = \(bind: conversationID)
                """).run()
            try await sql.raw("""
                INSERT INTO assignments (conversation_id, member_id, team_id, by_member_id, at)
                VALUES (\(bind: conversationID), \(bind: memberID), \(bind: teamID), \(bind: actor), \(bind: now))
                """).run()
            var payload: [String: JSONValue] = ["conversationId": .int(conversationID), "by": .int(actor)]
            payload["assigneeId"] = memberID.map { .int($0) } ?? .null
            payload["teamId"] = teamID.map { .int($0) } ?? .null
            try await EventLog.append(kind: "conversation.assigned", conversationID: conversationID, assigneeID: memberID,
                                      payload: .object(payload), now: now, sql)
        }
    }

    public struct AssignmentRecord: Sendable, Codable, Equatable {
        public var memberId: Int64?
        public var teamId: Int64?
        public var byMemberId: Int64?
        public var at: Int64
    }

    public func assignments(conversationID: Int64) async throws -> [AssignmentRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT member_id, team_id, by_member_id, at FROM assignments WHERE conversation_id = \(bind: conversationID) ORDER BY at, id
                """).all().map { row in
                    AssignmentRecord(memberId: try row.decode(column: "member_id", as: Int64?.self),
                                     teamId: try row.decode(column: "team_id", as: Int64?.self),
                                     byMemberId: try row.decode(column: "by_member_id", as: Int64?.self),
                                     at: try row.decode(column: "at", as: Int64.self))
                }
        }
    }

    public func setStatus(conversationID: Int64, status: ConversationStatus, snoozedUntil: Int64?, by actor: Int64) async throws {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            try await sql.raw("""
                UPDATE conversations SET status = \(bind: status.rawValue), snoozed_until = \(bind: status == .snoozed ? snoozedUntil : nil),
                    version = version + 1, updated_at = \(bind: now) WHERE id = \(bind: conversationID)
                """).run()
            var payload: [String: JSONValue] = ["conversationId": .int(conversationID), "status": .string(status.rawValue), "by": .int(actor)]
            if let snoozedUntil, status == .snoozed { payload["snoozedUntil"] = .int(snoozedUntil) }
            try await EventLog.append(kind: "conversation.status", conversationID: conversationID, assigneeID: nil,
                                      payload: .object(payload), now: now, sql)
        }
    }

    /// Snoozed conversations whose time has come are open again; returns how many.
    public func wakeSnoozed(now: Int64 = Clock.nowMillis()) async throws -> Int {
        try await db.transaction { sql in
            let ids = try await sql.raw("""
                SELECT id FROM conversations WHERE status = 'snoozed' AND snoozed_until IS NOT NULL AND snoozed_until <= \(bind: now)
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
            for id in ids {
                try await sql.raw("""
                    UPDATE conversations SET status = 'open', snoozed_until = NULL, version = version + 1, updated_at = \(bind: now)
                    WHERE id = \(bind: id)
                    """).run()
                try await EventLog.append(kind: "conversation.status", conversationID: id, assigneeID: nil,
                                          payload: ["conversationId": .int(id), "status": "open", "reason": "snooze_ended"], now: now, sql)
            }
            return ids.count
        }
    }

    /// Replaces the conversation's labels.
    public func setLabels(conversationID: Int64, labelIDs: [Int64], by actor: Int64) async throws {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            for id in labelIDs where try await sql.raw("SELECT id FROM labels WHERE id = \(bind: id)").first() == nil {
                throw ChorusError.invalid("unknown_label", "There is no label with id \(id).")
            }
            try await sql.raw("DELETE FROM conversation_labels WHERE conversation_id = \(bind: conversationID)").run()
            for id in Set(labelIDs).sorted() {
                try await sql.raw("""
                    INSERT INTO conversation_labels (conversation_id, label_id, added_by, added_at)
                    VALUES (\(bind: conversationID), \(bind: id), \(bind: actor), \(bind: now))
                    """).run()
            }
            try await sql.raw("UPDATE conversations SET version = version + 1 WHERE id = \(bind: conversationID)").run()
            try await EventLog.append(kind: "conversation.labels", conversationID: conversationID, assigneeID: nil,
                                      payload: ["conversationId": .int(conversationID), "labelIds": .array(Set(labelIDs).sorted().map { .int($0) })],
                                      now: now, sql)
        }
    }

    /// The member has read the conversation up to now (unread counts).
    public func markRead(conversationID: Int64, memberID: Int64) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO conversation_reads (member_id, conversation_id, read_at)
                VALUES (\(bind: memberID), \(bind: conversationID), \(bind: Clock.nowMillis()))
                ON CONFLICT (member_id, conversation_id) DO UPDATE SET read_at = excluded.read_at
                """).run()
        }
    }

    /// Messages another member sent, or the customer wrote, after the one the caller last saw:
    /// what a reply on a stale view would collide with.
    public func newerMessages(conversationID: Int64, than messageID: Int64, excludingSender memberID: Int64) async throws -> [MessageRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: MessageRows.columns) FROM messages
                WHERE conversation_id = \(bind: conversationID) AND id > \(bind: messageID) AND deleted_at IS NULL
                    AND (sender_member_id IS NULL OR sender_member_id <> \(bind: memberID))
                ORDER BY meta_timestamp, id LIMIT 50
                """).all().map(MessageRows.decode)
        }
    }

    /// Hard-deletes history soft-deleted more than `retentionMillis` ago.
    public func purgeDeleted(olderThan retentionMillis: Int64) async throws -> Int {
        try await db.transaction { sql in
            try await sql.raw("""
                DELETE FROM messages WHERE deleted_at IS NOT NULL AND deleted_at < \(bind: Clock.nowMillis() - retentionMillis)
                RETURNING id
                """).all().count
        }
    }
}
