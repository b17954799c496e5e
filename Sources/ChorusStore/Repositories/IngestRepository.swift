import ChorusCore
import SQLKit

/// Stores what a webhook delivered: contacts, conversations, messages (deduplicated), statuses
/// (forward-only) and everything else for diagnostics — all in ONE transaction, so a batch is
/// committed whole or not at all, and the webhook is acknowledged only after the commit.
public struct IngestRepository: Sendable {
    let db: Database
    /// On PostgreSQL, the NOTIFY each commit sends (queued inside the transaction), so that
    /// every instance's event pump wakes for it.
    let notifying: (channel: String, payload: String)?

    public init(_ db: Database, notifying: (channel: String, payload: String)? = nil) {
        self.db = db
        self.notifying = notifying
    }

    public struct Outcome: Sendable, Equatable {
        public var storedMessages: [Int64] = []
        public var duplicateMessages = 0
        public var statusesApplied = 0
        public var duplicateStatuses = 0
        public var unhandled = 0
        public init() {}
    }

    /// What one commit of a group did: each batch's outcome and, when the commit can list them,
    /// every event it wrote, in id order — the event pump hands those to the devices without
    /// reading them back from the log (`EventPump.handOff`).
    public struct Committed: Sendable {
        public var outcomes: [Outcome]
        /// nil when the commit does not list its events (the transaction path, and SQLite).
        public var events: [FeedEvent]?

        /// Did the commit write anything the devices hear of (messages, or statuses applied)?
        public var wroteEvents: Bool {
            if let events { return !events.isEmpty }
            return outcomes.contains { !$0.storedMessages.isEmpty || $0.statusesApplied > 0 }
        }
    }

    public func store(_ batch: InboundBatch) async throws -> Outcome {
        try await store([batch])[0]
    }

    /// Stores several batches in one transaction (group commit on the hot path).
    public func store(_ batches: [InboundBatch]) async throws -> [Outcome] {
        try await storeGroup(batches).outcomes
    }

    /// Stores several batches in one transaction, and says which events that wrote when it can.
    public func storeGroup(_ batches: [InboundBatch]) async throws -> Committed {
        if db.dialect == .postgres, let committed = try await storeInOneStatement(batches) { return committed }
        // The channels and known customers come with the transaction's first statement (on
        // PostgreSQL, with the writer lock and the NOTIFY): round trips saved on every group commit.
        let outcomes = try await db.transaction(opening: IngestLookup.query(for: batches), notifying: notifying) { rows, sql in
            let lookup = try IngestLookup(rows)
            let now = Clock.nowMillis()
            var outcomes = Array(repeating: Outcome(), count: batches.count)
            try await storeMessages(batches, lookup: lookup, now: now, into: &outcomes, sql)
            for (index, batch) in batches.enumerated() {
                try await storeStatusesAndOthers(batch, channels: lookup.channels, now: now, into: &outcomes[index], sql)
            }
            return outcomes
        }
        return Committed(outcomes: outcomes, events: nil)
    }

    func storeStatusesAndOthers(_ batch: InboundBatch, channels: [String: Int64], now: Int64,
                                into outcome: inout Outcome, _ sql: any SQLDatabase) async throws {
        for status in batch.statuses {
            guard let channelID = channels[status.phoneNumberID] else {
                try await recordUnhandled(OtherUpdate(phoneNumberID: status.phoneNumberID, wabaID: nil, field: "messages",
                                                      kind: "unknown_number", raw: status.raw), now: now, sql)
                outcome.unhandled += 1
                continue
            }
            let inserted = try await sql.raw("""
                INSERT INTO message_statuses (channel_id, wamid, status, meta_timestamp, error_code, raw, received_at)
                VALUES (\(bind: channelID), \(bind: status.wamid), \(bind: status.status.rawValue),
                    \(bind: status.timestampMillis), \(bind: status.errorCode), \(bind: JSONText.encode(status.raw)), \(bind: now))
                ON CONFLICT (channel_id, wamid, status) DO NOTHING
                RETURNING id
                """).first()
            guard inserted != nil else {
                outcome.duplicateStatuses += 1
                continue
            }
            try await StatusApplier.apply(
                channelID: channelID, wamid: status.wamid, status: status.status, errorCode: status.errorCode,
                errorTitle: status.errorTitle, errorDetails: status.errorDetails, now: now, sql)
            outcome.statusesApplied += 1
        }

        for other in batch.others {
            if other.field == "message_template_status_update", let wabaID = other.wabaID {
                try await TemplateRepository.applyStatusUpdate(wabaID: wabaID, value: other.raw, now: now, sql)
            }
            try await recordUnhandled(other, now: now, sql)
            outcome.unhandled += 1
        }
    }

    // MARK: contacts and conversations

    /// Finds the customer by BSUID or phone, linking the two when a payload carries both.
    func contactID(channelID: Int64, identity: CustomerIdentity, now: Int64, _ sql: any SQLDatabase) async throws -> Int64 {
        var found: (any SQLRow)? = nil
        if let userID = identity.userID {
            found = try await sql.raw("""
                SELECT id, wa_id, user_id, name, username FROM contacts WHERE channel_id = \(bind: channelID) AND user_id = \(bind: userID)
                """).first()
        }
        if found == nil, let waID = identity.waID {
            found = try await sql.raw("""
                SELECT id, wa_id, user_id, name, username FROM contacts WHERE channel_id = \(bind: channelID) AND wa_id = \(bind: waID)
                """).first()
        }
        if let row = found {
            let id = try row.decode(column: "id", as: Int64.self)
            let knownWaID = try row.decode(column: "wa_id", as: String?.self)
            let knownUserID = try row.decode(column: "user_id", as: String?.self)
            let knownName = try row.decode(column: "name", as: String?.self)
            let knownUsername = try row.decode(column: "username", as: String?.self)
            // Link a newly learnt identity, unless another contact row already holds it.
            var newWaID = knownWaID
            if knownWaID == nil, let waID = identity.waID,
               try await sql.raw("SELECT id FROM contacts WHERE channel_id = \(bind: channelID) AND wa_id = \(bind: waID)").first() == nil {
                newWaID = waID
            }
            var newUserID = knownUserID
            if knownUserID == nil, let userID = identity.userID,
               try await sql.raw("SELECT id FROM contacts WHERE channel_id = \(bind: channelID) AND user_id = \(bind: userID)").first() == nil {
                newUserID = userID
            }
            let name = identity.name ?? knownName
            let username = identity.username ?? knownUsername
            if newWaID != knownWaID || newUserID != knownUserID || name != knownName || username != knownUsername {
                try await sql.raw("""
                    UPDATE contacts SET wa_id = \(bind: newWaID), user_id = \(bind: newUserID), name = \(bind: name),
                        username = \(bind: username), updated_at = \(bind: now) WHERE id = \(bind: id)
                    """).run()
            }
            return id
        }
        let row = try await sql.raw("""
            INSERT INTO contacts (channel_id, wa_id, user_id, name, username, created_at, updated_at)
            VALUES (\(bind: channelID), \(bind: identity.waID), \(bind: identity.userID), \(bind: identity.name),
                \(bind: identity.username), \(bind: now), \(bind: now))
            RETURNING id
            """).first()
        return try row!.decode(column: "id", as: Int64.self)
    }

    /// The one conversation per (number, customer), created on first contact.
    func conversation(channelID: Int64, contactID: Int64, at time: Int64, now: Int64,
                      _ sql: any SQLDatabase) async throws -> (id: Int64, assigneeID: Int64?) {
        if let row = try await sql.raw("""
            SELECT id, assignee_id FROM conversations WHERE channel_id = \(bind: channelID) AND contact_id = \(bind: contactID)
            """).first() {
            return (try row.decode(column: "id", as: Int64.self), try row.decode(column: "assignee_id", as: Int64?.self))
        }
        let row = try await sql.raw("""
            INSERT INTO conversations (channel_id, contact_id, status, last_message_at, created_at, updated_at)
            VALUES (\(bind: channelID), \(bind: contactID), 'open', \(bind: time), \(bind: now), \(bind: now))
            RETURNING id
            """).first()
        return (try row!.decode(column: "id", as: Int64.self), nil)
    }

    func recordUnhandled(_ other: OtherUpdate, now: Int64, _ sql: any SQLDatabase) async throws {
        try await sql.raw("""
            INSERT INTO webhook_unhandled (received_at, kind, field, phone_number_id, waba_id, raw)
            VALUES (\(bind: now), \(bind: other.kind), \(bind: other.field), \(bind: other.phoneNumberID),
                \(bind: other.wabaID), \(bind: JSONText.encode(other.raw)))
            """).run()
    }

    static func preview(type: String, text: String?) -> String {
        if let text, !text.isEmpty { return String(text.prefix(160)) }
        return "[\(type)]"
    }
}
