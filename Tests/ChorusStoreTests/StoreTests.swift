import Foundation
import ChorusCore
@testable import ChorusStore
import ChorusTestSupport
import SQLKit
import Testing

/// The store's behaviour, on whichever engine this run uses (scripts/test runs both).
@Suite("Store")
struct StoreTests {
    @Test("runs on the engine this run asked for")
    func engine() async throws {
        try await TestDatabase.with { db in
            #expect(db.dialect.rawValue == TestDatabase.engineName)
            print("store tests on \(db.dialect.rawValue)")
        }
    }

    @Test("migrations are recorded and running them again applies nothing")
    func migrationsIdempotent() async throws {
        try await TestDatabase.with { db in
            #expect(try await Migrator(db).migrate().isEmpty)
            let versions = try await db.read { sql in
                try await sql.raw("SELECT version FROM schema_migrations ORDER BY version").all().map { try $0.decode(column: "version", as: Int.self) }
            }
            #expect(versions == Migrations.all.map(\.version))
        }
    }

    @Test("values written in a transaction read back as they were: empty, non-ASCII and long text, nil, numbers")
    func writerRoundTrip() async throws {
        try await TestDatabase.with { db in
            let texts = ["", "a", "Grüße 👋 你好", String(repeating: "x", count: 100_000)]
            let read = try await db.transaction { sql -> [String] in
                try await sql.raw("CREATE TEMPORARY TABLE roundtrip (n BIGINT, t TEXT NOT NULL, o TEXT, d DOUBLE PRECISION)").run()
                for (index, text) in texts.enumerated() {
                    try await sql.raw("""
                        INSERT INTO roundtrip (n, t, o, d) VALUES (\(bind: Int64(index) - 2), \(bind: text), \(bind: String?.none), \(bind: 1.5))
                        """).run()
                }
                let rows = try await sql.raw("SELECT n, t, o, d FROM roundtrip ORDER BY n").all()
                #expect(try rows.map { try $0.decode(column: "n", as: Int64.self) } == [-2, -1, 0, 1])
                #expect(try rows.allSatisfy { try $0.decode(column: "o", as: String?.self) == nil })
                #expect(try rows.allSatisfy { try $0.decode(column: "d", as: Double.self) == 1.5 })
                try await sql.raw("DROP TABLE roundtrip").run()
                return try rows.map { try $0.decode(column: "t", as: String.self) }
            }
            #expect(read == texts)
        }
    }

    @Test("a BoundStatement's rows and values read back as they were, a '?' inside a value included")
    func boundStatementRoundTrip() async throws {
        try await TestDatabase.with { db in
            let read = try await db.transaction { sql -> [[String]] in
                try await sql.raw("CREATE TEMPORARY TABLE bound_probe (n BIGINT, t TEXT, o TEXT)").run()
                var insert = BoundStatement("INSERT INTO bound_probe (n, t, o) VALUES")
                insert.appendRow(.integer(-7), .text("why? because"), .text(nil))
                insert.appendRow(.integer(3), .text(""), .text("Grüße 👋"))
                insert.appendRow(.integer(nil), .text("?"), .text(nil))
                insert.append(" RETURNING n, t, o")
                let returned = try await sql.rows(insert)
                let rows = try await sql.raw("SELECT n, t, o FROM bound_probe ORDER BY t").all()
                try await sql.raw("DROP TABLE bound_probe").run()
                #expect(returned.count == 3)
                return try rows.map { row in
                    [try row.decode(column: "n", as: Int64?.self).map(String.init) ?? "nil", try row.decode(column: "t", as: String.self),
                     try row.decode(column: "o", as: String?.self) ?? "nil"]
                }
            }
            #expect(read == [["3", "", "Grüße 👋"], ["nil", "?", "nil"], ["-7", "why? because", "nil"]])
        }
    }

    @Test("IN lists are padded to a power of two with their last value, so few statement texts serve every size")
    func paddedLists() {
        #expect(paddedToPowerOfTwo([Int]()) == [])
        #expect(paddedToPowerOfTwo([5]) == [5])
        #expect(paddedToPowerOfTwo([1, 2, 3]) == [1, 2, 3, 3])
        #expect(paddedToPowerOfTwo(Array(1...5)) == [1, 2, 3, 4, 5, 5, 5, 5])
        #expect(paddedToPowerOfTwo(Array(1...8)) == Array(1...8))
    }

    @Test("SQLite: after the writer finishes a checkpoint, the next write starts the WAL again from its beginning",
          .enabled(if: TestDatabase.engineName == "sqlite"))
    func walRestarts() async throws {
        try await TestDatabase.with { db in
            let text = String(repeating: "wal ", count: 1_000)
            try await db.transaction { sql in try await sql.raw("CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, t TEXT)").run() }
            for _ in 0..<40 {
                try await db.transaction { sql in try await sql.raw("INSERT INTO wal_probe (t) VALUES (\(bind: text))").run() }
            }
            try await db.finishCheckpoint()
            try await db.transaction { sql in try await sql.raw("INSERT INTO wal_probe (t) VALUES (\(bind: text))").run() }
            let frames = try await db.read { sql in
                try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").first()!.decode(column: "log", as: Int.self)
            }
            // 41 transactions of at least one page each were written; only the last is in the WAL.
            #expect(frames < 10, "the WAL holds \(frames) frames")
        }
    }

    @Test("SQLite: a status finds its message through the outbound-only wamid index (migration 8), not a scan",
          .enabled(if: TestDatabase.engineName == "sqlite"))
    func statusLookupUsesIndex() async throws {
        try await TestDatabase.with { db in
            // The shape of StatusApplier's lookup: a partial index is used only when the query
            // itself says direction = 'outbound'.
            let plan = try await db.read { sql in
                try await sql.raw("""
                    EXPLAIN QUERY PLAN UPDATE messages SET status = 'read'
                    WHERE channel_id = 1 AND wamid = 'wamid.x' AND direction = 'outbound' AND status IN ('sent', 'delivered')
                    """).all().map { try $0.decode(column: "detail", as: String.self) }
            }
            #expect(plan.contains { $0.contains("USING INDEX messages_wamid") }, "plan: \(plan)")
        }
    }

    @Test("a conversation without a team is not in the team index, and no index keeps contacts' names (migration 10)")
    func leanerIndexes() async throws {
        try await TestDatabase.with { db in
            let definitions: [String: String] = try await db.read { sql in
                let rows = try await sql.raw(TestDatabase.engineName == "postgres"
                    ? "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename IN ('conversations', 'contacts')"
                    : "SELECT name, sql AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('conversations', 'contacts') AND sql IS NOT NULL").all()
                return Dictionary(uniqueKeysWithValues: try rows.map {
                    (try $0.decode(column: "name", as: String.self), try $0.decode(column: "definition", as: String.self))
                })
            }
            #expect(definitions["contacts_name"] == nil)
            let team = try #require(definitions["conversations_team"])
            #expect(team.lowercased().contains("where") && team.lowercased().contains("team_id is not null"), "\(team)")
            guard TestDatabase.engineName == "sqlite" else { return }
            // The team filter still reads it: the list's own query shape, which implies team_id IS NOT NULL.
            let plan = try await db.read { sql in
                try await sql.raw("""
                    EXPLAIN QUERY PLAN SELECT c.id FROM conversations c WHERE 1 = 1 AND c.team_id = 7
                    ORDER BY c.last_message_at DESC, c.id DESC LIMIT 51
                    """).all().map { try $0.decode(column: "detail", as: String.self) }
            }
            #expect(plan.contains { $0.contains("INDEX conversations_team") }, "plan: \(plan)")
        }
    }

    @Test("the sync's pages of messages are read by time on the messages_time index (migration 11)")
    func syncReadsMessagesByTime() async throws {
        try await TestDatabase.with { db in
            let definition: String? = try await db.read { sql in
                try await sql.raw(TestDatabase.engineName == "postgres"
                    ? "SELECT indexdef AS definition FROM pg_indexes WHERE indexname = 'messages_time'"
                    : "SELECT sql AS definition FROM sqlite_master WHERE type = 'index' AND name = 'messages_time'").first()?
                    .decode(column: "definition", as: String.self)
            }
            #expect(definition?.replacingOccurrences(of: " ", with: "").contains("(meta_timestamp,id)") == true, "\(definition ?? "none")")
            guard TestDatabase.engineName == "sqlite" else { return }
            // The sync's own query shape (a page after the first, every member's scope).
            let plan = try await db.read { sql in
                try await sql.raw("""
                    EXPLAIN QUERY PLAN SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id
                    WHERE m.meta_timestamp >= 5 AND m.meta_timestamp >= 7 AND (m.meta_timestamp > 7 OR m.id > 9)
                        AND m.deleted_at IS NULL ORDER BY m.meta_timestamp, m.id LIMIT 2000
                    """).all().map { try $0.decode(column: "detail", as: String.self) }
            }
            #expect(plan.contains { $0.contains("INDEX messages_time") } && !plan.contains { $0.contains("TEMP B-TREE") }, "plan: \(plan)")
        }
    }

    @Test("PostgreSQL: reads decode rows straight from their cells, and leave other types and NULL binds to PostgresKit",
          .enabled(if: TestDatabase.engineName == "postgres"))
    func postgresFastRows() async throws {
        try await TestDatabase.with { db in
            try await db.read { sql in
                let row = try #require(try await sql.raw("""
                    SELECT \(bind: Int64(7)) AS i64, \(bind: 8) AS i, \(bind: "text") AS s, \(bind: true) AS b, \(bind: 1.5) AS d,
                        CAST(NULL AS BIGINT) AS ni, CAST(NULL AS TEXT) AS ns, CAST(3 AS INTEGER) AS small, now() AS at
                    """).first())
                #expect(row is PostgresFastRow)
                #expect(try row.decode(column: "i64", as: Int64.self) == 7)
                #expect(try row.decode(column: "i", as: Int.self) == 8)
                #expect(try row.decode(column: "s", as: String.self) == "text")
                #expect(try row.decode(column: "s", as: String?.self) == "text")
                #expect(try row.decode(column: "b", as: Bool.self) == true)
                #expect(try row.decode(column: "d", as: Double.self) == 1.5)
                #expect(try row.decode(column: "ni", as: Int64?.self) == nil)
                #expect(try row.decode(column: "ns", as: String?.self) == nil)
                #expect(try row.decodeNil(column: "ni") && !(try row.decodeNil(column: "i64")))
                #expect(try row.decode(column: "small", as: Int.self) == 3)
                // A name twice: the last, as PostgresNIO's own lookup finds it.
                let twice = try #require(try await sql.raw("SELECT \(bind: 1) AS n, \(bind: 2) AS n").first())
                #expect(twice is PostgresFastRow)
                #expect(try twice.decode(column: "n", as: Int.self) == 2)
                // Another type, and a column that is not there: as PostgresKit decodes them.
                #expect(abs(try row.decode(column: "at", as: Date.self).timeIntervalSinceNow) < 600)
                #expect(throws: (any Error).self) { try row.decode(column: "missing", as: Int.self) }
                #expect(throws: (any Error).self) { try row.decode(column: "ni", as: Int64.self) }
                // A NULL bind: the query goes through PostgresKit, which names the NULL's type.
                let fallback = try #require(try await sql.raw("SELECT COALESCE(\(bind: String?.none), 'none') AS v").first())
                #expect(!(fallback is PostgresFastRow))
                #expect(try fallback.decode(column: "v", as: String.self) == "none")
            }
        }
    }

    @Test("PostgreSQL: a message row decodes in one pass to the same record as column by column, and only in its own column order",
          .enabled(if: TestDatabase.engineName == "postgres"))
    func postgresMessageRowsInOnePass() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            _ = try await IngestRepository(db).store(Fixtures.batch([Fixtures.inbound("wamid.onepass", text: "Grüße 👋")]))
            try await db.transaction { sql in
                try await sql.raw("""
                    UPDATE messages SET error_code = 131047, error_title = 'Re-engagement', error_details = 'd', error_hint = 'h',
                        sender_member_id = NULL, reply_to_wamid = 'wamid.q', media_status = 'stored'
                    """).run()
            }
            try await db.read { sql in
                let row = try #require(try await sql.raw("SELECT \(unsafeRaw: MessageRows.columns) FROM messages").first())
                let fast = try #require(row as? PostgresFastRow)
                let onePass = try #require(MessageRows.decodeInOnePass(fast))
                // Another column first: not its order, so the column-by-column path decodes it.
                let shifted = try #require(try await sql.raw("SELECT media_status AS extra, \(unsafeRaw: MessageRows.columns) FROM messages").first())
                #expect(MessageRows.decodeInOnePass(try #require(shifted as? PostgresFastRow)) == nil)
                let byName = try MessageRows.decode(shifted)
                #expect(onePass == byName)
                #expect(onePass.text == "Grüße 👋" && onePass.error?.code == 131047 && onePass.replyToWamid == "wamid.q" && onePass.senderMemberId == nil)
            }
        }
    }

    @Test("PostgreSQL: the search index's pending list stays small, so no insert merges a large one (migration 9)",
          .enabled(if: TestDatabase.engineName == "postgres"))
    func searchPendingListSmall() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let ingest = IngestRepository(db)
            // 2,000 messages of chat-like text left 58 pages pending at the default 4 MB limit
            // (without migration 9); at 64 kB no more than 8 (8 kB pages) can be.
            for chunk in 0..<20 {
                _ = try await ingest.store(Fixtures.batch((0..<100).map { n in
                    let i = chunk * 100 + n
                    return Fixtures.inbound("wamid.gin.\(i)", from: "1555\(i % 300)",
                                            text: "order \(i) thanks for parcel p\(i * 7) arriving w\(i % 97) near street s\(i % 13)")
                }))
            }
            let pending = try await db.transaction { sql in
                try await sql.raw("SELECT gin_clean_pending_list('messages_search'::regclass) AS pages").first()!
                    .decode(column: "pages", as: Int64.self)
            }
            #expect(pending <= 8, "pages pending: \(pending)")
            // The customers' search index has the same limit (its rows change on every rename).
            let limits = try await db.read { sql in
                try await sql.raw("""
                    SELECT relname, array_to_string(reloptions, ',') AS options FROM pg_class
                    WHERE relname IN ('messages_search', 'contacts_search') ORDER BY relname
                    """).all().map { "\(try $0.decode(column: "relname", as: String.self)): \(try $0.decode(column: "options", as: String?.self) ?? "")" }
            }
            #expect(limits == ["contacts_search: gin_pending_list_limit=64", "messages_search: gin_pending_list_limit=64"])
            // The index still finds what was stored.
            let found = try await db.read { sql in
                try await sql.raw("SELECT count(*) AS n FROM messages WHERE search @@ to_tsquery('simple', 'p700')").first()!
                    .decode(column: "n", as: Int64.self)
            }
            #expect(found == 1)
        }
    }

    @Test("a member's email is unique, whatever its case")
    func uniqueEmail() async throws {
        try await TestDatabase.with { db in
            let members = MemberRepository(db)
            _ = try await members.create(email: "Ana@Example.com", name: "Ana", passwordHash: "x", role: .admin)
            await #expect(throws: ChorusError.self) {
                _ = try await members.create(email: "ana@example.com", name: "Ana 2", passwordHash: "y", role: .standard)
            }
            #expect(try await members.list().count == 1)
        }
    }

    @Test("a batch stores contacts, conversations and messages; a redelivered batch stores nothing new")
    func ingestDedupe() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let ingest = IngestRepository(db)
            let batch = Fixtures.batch([Fixtures.inbound("wamid.1", from: "111"), Fixtures.inbound("wamid.2", from: "111"),
                                        Fixtures.inbound("wamid.3", from: "222")])
            let first = try await ingest.store(batch)
            #expect(first.storedMessages.count == 3)
            let again = try await ingest.store(batch)
            #expect(again.storedMessages.isEmpty && again.duplicateMessages == 3)
            let page = try await InboxRepository(db).conversations(scope: .all, limit: 10, cursor: nil)
            #expect(page.items.count == 2)
            #expect(try await count(db, "messages") == 3)
        }
    }

    @Test("Meta's timestamp is the message time, and the newest message orders the inbox")
    func metaTimestamp() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            _ = try await IngestRepository(db).store(Fixtures.batch([
                Fixtures.inbound("late", from: "111", text: "newer", at: 1_700_000_500),
                Fixtures.inbound("early", from: "111", text: "older", at: 1_700_000_100),
            ]))
            let conversation = try await InboxRepository(db).conversations(scope: .all, limit: 5, cursor: nil).items[0]
            #expect(conversation.lastMessageAt == 1_700_000_500_000)
            #expect(conversation.lastMessagePreview == "newer")
            let messages = try await InboxRepository(db).messages(conversationID: conversation.id, limit: 5, cursor: nil).items
            #expect(messages.map(\.text) == ["newer", "older"])
            #expect(messages[0].timestamp == 1_700_000_500_000)
        }
    }

    @Test("a batch is atomic: when any part fails, none of it is stored")
    func atomicBatch() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let ingest = IngestRepository(db)
            _ = try await ingest.store([Fixtures.batch([Fixtures.inbound("ok.1")])])
            // A second write in the same transaction that violates a constraint rolls back the first.
            await #expect(throws: (any Error).self) {
                try await db.transaction { sql in
                    try await sql.raw("INSERT INTO labels (name, created_at) VALUES ('vip', 1)").run()
                    try await sql.raw("INSERT INTO labels (name, created_at) VALUES ('vip', 2)").run()
                }
            }
            #expect(try await count(db, "labels") == 0)
        }
    }

    @Test("pagination walks every conversation exactly once")
    func pagination() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let messages = (0..<23).map { Fixtures.inbound("w\($0)", from: "9\($0)", at: 1_700_000_000 + Int64($0 % 5)) }
            _ = try await IngestRepository(db).store(Fixtures.batch(messages))
            var seen: [Int64] = []
            var cursor: String? = nil
            repeat {
                let page = try await InboxRepository(db).conversations(scope: .all, limit: 5, cursor: cursor)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 23 && Set(seen).count == 23)
            await #expect(throws: ChorusError.self) {
                _ = try await InboxRepository(db).conversations(scope: .all, limit: 5, cursor: "garbage")
            }
            await #expect(throws: ChorusError.self) {
                _ = try await InboxRepository(db).conversations(scope: .all, limit: 0, cursor: nil)
            }
        }
    }

    @Test("the restricted scope returns only the member's conversations, in lists and by id")
    func scope() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let rita = try await MemberRepository(db).create(email: "rita@x.io", name: "Rita", passwordHash: "x", role: .restricted)
            _ = try await IngestRepository(db).store(Fixtures.batch([Fixtures.inbound("a", from: "1"), Fixtures.inbound("b", from: "2")]))
            let all = try await InboxRepository(db).conversations(scope: .all, limit: 10, cursor: nil).items
            try await db.transaction { sql in
                try await sql.raw("UPDATE conversations SET assignee_id = \(bind: rita.id) WHERE id = \(bind: all[0].id)").run()
            }
            let mine = try await InboxRepository(db).conversations(scope: .assignedTo(memberID: rita.id), limit: 10, cursor: nil).items
            #expect(mine.map(\.id) == [all[0].id])
            #expect(try await InboxRepository(db).conversation(id: all[1].id, scope: .assignedTo(memberID: rita.id)) == nil)
            #expect(try await InboxRepository(db).conversation(id: all[0].id, scope: .assignedTo(memberID: rita.id)) != nil)
        }
    }

    @Test("statuses move forward only, and a status that races ahead of the send is applied later")
    func statuses() async throws {
        try await TestDatabase.with { db in
            let (outbox, queued) = try await queuedReply(db)
            #expect(queued.status == .queued)
            let jobs = try await outbox.claimDue(limit: 10)
            #expect(jobs.map(\.messageID) == [queued.id])
            // The delivered status arrives before the sender recorded the wamid.
            _ = try await IngestRepository(db).store(Fixtures.batch(statuses: [Fixtures.status("out.1", .delivered)]))
            try await outbox.markSent(messageID: queued.id, wamid: "out.1")
            #expect(try await InboxRepository(db).message(id: queued.id)?.status == .delivered)
            _ = try await IngestRepository(db).store(Fixtures.batch(statuses: [Fixtures.status("out.1", .read)]))
            _ = try await IngestRepository(db).store(Fixtures.batch(statuses: [Fixtures.status("out.1", .sent)]))
            #expect(try await InboxRepository(db).message(id: queued.id)?.status == .read)
            let duplicate = try await IngestRepository(db).store(Fixtures.batch(statuses: [Fixtures.status("out.1", .read)]))
            #expect(duplicate.duplicateStatuses == 1)
        }
    }

    @Test("an outbox with nothing due is looked at without waiting for the writer")
    func idleClaimSkipsWriter() async throws {
        try await TestDatabase.with { db in
            let (outbox, queued) = try await queuedReply(db)
            _ = try await outbox.claimDue(limit: 10)          // the reply is now `sending`
            // A write transaction holds the writer (a webhook group, say) for a second.
            let holding = Locked(false)
            let writing = Task {
                try await db.transaction { sql in
                    try await sql.raw("UPDATE messages SET updated_at = updated_at WHERE id = \(bind: queued.id)").run()
                    holding.withLock { $0 = true }
                    try await Task.sleep(for: .seconds(1))
                }
            }
            // Only once the writer is held can the claim show it does not wait for it.
            while !holding.value { try await Task.sleep(for: .milliseconds(5)) }
            let started = ContinuousClock.now
            #expect(try await outbox.claimDue(limit: 10).isEmpty)
            #expect(started.duration(to: .now) < .milliseconds(500), "an empty claim waited for the writer")
            try await writing.value
        }
    }

    @Test("a failed status stores Meta's error and an explanation for the agent")
    func failedStatus() async throws {
        try await TestDatabase.with { db in
            let (outbox, queued) = try await queuedReply(db)
            _ = try await outbox.claimDue(limit: 1)
            try await outbox.markSent(messageID: queued.id, wamid: "out.f")
            _ = try await IngestRepository(db).store(Fixtures.batch(statuses: [Fixtures.status("out.f", .failed, errorCode: 131047)]))
            let message = try await InboxRepository(db).message(id: queued.id)
            #expect(message?.status == .failed)
            #expect(message?.error?.code == 131047)
            #expect(message?.error?.hint?.contains("template") == true)
        }
    }

    @Test("a send interrupted by a crash is marked unknown, never resent")
    func reconcile() async throws {
        try await TestDatabase.with { db in
            let (outbox, queued) = try await queuedReply(db, clientKey: "k1")
            let again = try await outbox.enqueue(.init(conversationID: queued.conversationId, senderMemberID: nil, type: "text",
                                                       text: "hi", content: .object(["body": .string("hi")]), clientKey: "k1"))
            #expect(again.id == queued.id)
            _ = try await outbox.claimDue(limit: 1)       // now `sending` … and the process dies
            #expect(try await outbox.reconcileInterruptedSends() == 1)
            #expect(try await InboxRepository(db).message(id: queued.id)?.status == .unknown)
            #expect(try await outbox.claimDue(limit: 10).isEmpty)
        }
    }

    @Test("a 5th device evicts the earliest one")
    func deviceCap() async throws {
        try await TestDatabase.with { db in
            let member = try await MemberRepository(db).create(email: "d@x.io", name: "D", passwordHash: "x", role: .standard)
            let devices = DeviceRepository(db)
            for index in 0..<4 {
                let created = try await devices.create(.init(memberID: member.id, tokenHash: "t\(index)", deviceClass: .desktop), cap: 4)
                #expect(created.evicted.isEmpty)
            }
            let fifth = try await devices.create(.init(memberID: member.id, tokenHash: "t4", deviceClass: .mobile), cap: 4)
            #expect(fifth.evicted.count == 1)
            #expect(try await devices.lookup(tokenHash: "t0") == .revoked(reason: "device_evicted"))
            #expect(try await devices.list(memberID: member.id).count == 4)
        }
    }

    @Test("identities are linked when a BSUID and a phone number arrive together")
    func identityLinking() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            var byPhone = Fixtures.inbound("p.1", from: "15550009999")
            byPhone.customer = CustomerIdentity(waID: "15550009999", userID: nil, name: "Kim")
            var byBoth = Fixtures.inbound("p.2", from: "15550009999")
            byBoth.customer = CustomerIdentity(waID: "15550009999", userID: "US.123", name: "Kim")
            var byUserOnly = Fixtures.inbound("p.3")
            byUserOnly.customer = CustomerIdentity(waID: nil, userID: "US.123", username: "kim")
            _ = try await IngestRepository(db).store(Fixtures.batch([byPhone, byBoth, byUserOnly]))
            let conversations = try await InboxRepository(db).conversations(scope: .all, limit: 5, cursor: nil).items
            #expect(conversations.count == 1)
            #expect(conversations[0].contact.userId == "US.123" && conversations[0].contact.waId == "15550009999")
            #expect(conversations[0].contact.username == "kim")
        }
    }

    @Test("a customer's new profile name is stored: across groups, within one (a later message's name wins, one without keeps the earlier), and from a redelivery")
    func profileRenames() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let ingest = IngestRepository(db)
            func from(_ waID: String, _ wamid: String, name: String?, username: String? = nil) -> InboundMessage {
                var message = Fixtures.inbound(wamid, from: waID)
                message.customer = CustomerIdentity(waID: waID, userID: nil, name: name, username: username)
                return message
            }
            func names() async throws -> [String: String] {
                try await db.read { sql in
                    var found: [String: String] = [:]
                    for row in try await sql.raw("SELECT wa_id, name, username FROM contacts").all() {
                        found[try row.decode(column: "wa_id", as: String.self)] =
                            "\(try row.decode(column: "name", as: String?.self) ?? "-")/\(try row.decode(column: "username", as: String?.self) ?? "-")"
                    }
                    return found
                }
            }
            _ = try await ingest.store(Fixtures.batch([from("111", "r.1", name: "Ann"), from("222", "r.2", name: "Bo")]))
            // Two known customers renamed in one group, one of them twice, then by a message without a name.
            _ = try await ingest.store([Fixtures.batch([from("111", "r.3", name: "Anna"), from("222", "r.4", name: "Bob")]),
                                        Fixtures.batch([from("111", "r.5", name: "Annie"), from("222", "r.6", name: nil, username: "bob")])])
            #expect(try await names() == ["111": "Annie/-", "222": "Bob/bob"])
            // A rename, then in the same group a message that links a new identity (the one-by-one
            // path) with another name: the later name wins, the identity is linked.
            var linking = from("111", "r.7", name: nil)
            linking.customer = CustomerIdentity(waID: "111", userID: "US.111", name: "Anna Z")
            _ = try await ingest.store(Fixtures.batch([from("111", "r.8", name: "Anne"), linking]))
            #expect(try await names()["111"] == "Anna Z/-")
            let linked = try await db.read { sql in
                try await sql.raw("SELECT user_id FROM contacts WHERE wa_id = '111'").first()!.decode(column: "user_id", as: String?.self)
            }
            #expect(linked == "US.111")
            _ = try await ingest.store(Fixtures.batch([from("111", "r.9", name: "Annie")]))
            // A group of duplicates only still records the new name.
            let again = try await ingest.store(Fixtures.batch([from("111", "r.5", name: "Ann B.")]))
            #expect(again.duplicateMessages == 1)
            #expect(try await names() == ["111": "Ann B./-", "222": "Bob/bob"])
            #expect(try await count(db, "contacts") == 2)
            #expect(try await count(db, "conversations") == 2)
            #expect(try await count(db, "messages") == 9)
        }
    }

    @Test("a group from known customers (PostgreSQL: one statement): repeats in and before the group are duplicates, the newest message (the later of equal times) is the preview, a resolved conversation reopens, events follow the messages' order with the current assignee")
    func knownCustomersGroup() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let rita = try await MemberRepository(db).create(email: "rita@x.io", name: "Rita", passwordHash: "x", role: .restricted)
            let ingest = IngestRepository(db)
            _ = try await ingest.store(Fixtures.batch([Fixtures.inbound("k.a1", from: "111", at: 1_700_000_100),
                                                       Fixtures.inbound("k.b1", from: "222", at: 1_700_000_100)]))
            let conversations = try await InboxRepository(db).conversations(scope: .all, limit: 10, cursor: nil).items
            let ann = conversations.first { $0.contact.waId == "111" }!.id, bo = conversations.first { $0.contact.waId == "222" }!.id
            try await db.transaction { sql in
                try await sql.raw("UPDATE conversations SET status = 'resolved' WHERE id = \(bind: ann)").run()
                try await sql.raw("UPDATE conversations SET assignee_id = \(bind: rita.id) WHERE id = \(bind: bo)").run()
            }
            let before = try await db.read { sql in try await sql.raw("SELECT MAX(id) AS n FROM events").first()!.decode(column: "n", as: Int64?.self) ?? 0 }
            let outcomes = try await ingest.store([
                Fixtures.batch([Fixtures.inbound("k.a2", from: "111", text: "second", at: 1_700_000_300),
                                Fixtures.inbound("k.a1", from: "111", at: 1_700_000_100),
                                Fixtures.inbound("k.b2", from: "222", text: "for Rita", at: 1_700_000_200)]),
                Fixtures.batch([Fixtures.inbound("k.a3", from: "111", text: "third", at: 1_700_000_300),
                                Fixtures.inbound("k.a2", from: "111", text: "second", at: 1_700_000_300)]),
            ])
            #expect(outcomes.map(\.storedMessages.count) == [2, 1])
            #expect(outcomes.map(\.duplicateMessages) == [1, 1])
            let reopened = try #require(try await InboxRepository(db).conversation(id: ann, scope: .all))
            #expect(reopened.status == .open)
            #expect(reopened.lastMessagePreview == "third" && reopened.lastMessageAt == 1_700_000_300_000)
            let events = try await db.read { sql in
                try await sql.raw("SELECT conversation_id, assignee_id, payload FROM events WHERE id > \(bind: before) ORDER BY id").all().map {
                    (try $0.decode(column: "conversation_id", as: Int64.self), try $0.decode(column: "assignee_id", as: Int64?.self),
                     try JSONValue.parse(Array(try $0.decode(column: "payload", as: String.self).utf8))["messageId"]?.int)
                }
            }
            let stored = outcomes[0].storedMessages + outcomes[1].storedMessages
            #expect(events.map(\.0) == [ann, bo, ann])
            #expect(events.map(\.1) == [nil, rita.id, nil])
            #expect(events.map(\.2) == stored.map { Optional($0) })
            #expect(try await count(db, "messages") == 5)
        }
    }

    @Test("PostgreSQL: a group stored in one statement lists the events it wrote exactly as the event log reads them; the transaction path (and SQLite) lists none")
    func oneStatementListsItsEvents() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let rita = try await MemberRepository(db).create(email: "rita@x.io", name: "Rita", passwordHash: "x", role: .restricted)
            let ingest = IngestRepository(db)
            // New customers: the transaction path, which cannot list its events.
            let first = try await ingest.storeGroup([Fixtures.batch([Fixtures.inbound("l.a1", from: "111"), Fixtures.inbound("l.b1", from: "222")])])
            #expect(first.events == nil && first.wroteEvents)
            let bo = try #require(try await InboxRepository(db).conversations(scope: .all, limit: 10, cursor: nil).items.first { $0.contact.waId == "222" }).id
            try await db.transaction { sql in
                try await sql.raw("UPDATE conversations SET assignee_id = \(bind: rita.id) WHERE id = \(bind: bo)").run()
            }
            let before = try await EventFeed(db).latestID()
            let known = try await ingest.storeGroup([
                Fixtures.batch([Fixtures.inbound("l.a2", from: "111", text: "Grüße 👋 \"quoted\"", at: 1_700_000_300),
                                Fixtures.inbound("l.a1", from: "111")]),
                Fixtures.batch([Fixtures.inbound("l.b2", from: "222", text: "for Rita", at: 1_700_000_200)]),
            ])
            let logged = try await EventFeed(db).events(after: before)
            #expect(logged.count == 2)
            if db.dialect == .postgres {
                #expect(known.events == logged)
                #expect(known.events?.map(\.assigneeID) == [nil, rita.id])
                // Only repeats: nothing written, and it says so.
                let repeats = try await ingest.storeGroup([Fixtures.batch([Fixtures.inbound("l.a2", from: "111")])])
                #expect(repeats.events == [] && !repeats.wroteEvents)
            } else {
                #expect(known.events == nil && known.wroteEvents)
            }
        }
    }

    @Test("PostgreSQL: the one statement returns only once it is committed (the webhook's 200 waits for durability), even with a large result",
          .enabled(if: TestDatabase.engineName == "postgres"))
    func oneStatementReturnsAfterCommit() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let ingest = IngestRepository(db)
            let customers = (0..<64).map { "9\($0)" }
            _ = try await ingest.store(Fixtures.batch(customers.map { Fixtures.inbound("c.\($0)", from: $0) }))
            // A deferred constraint trigger runs at COMMIT: the implicit transaction's commit
            // (at the protocol's Sync, after the statement's CommandComplete) sleeps 0.5 s.
            try await db.transaction { sql in
                try await sql.raw("""
                    CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$
                    """).run()
                try await sql.raw("""
                    CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON events DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW WHEN (NEW.payload LIKE '%"messageId":%' AND NEW.id % 64 = 0) EXECUTE FUNCTION slow_commit()
                    """).run()
            }
            let long = String(repeating: "long text, ", count: 200)   // ~140 kB of rows returned: more than one send buffer
            let started = ContinuousClock.now
            let committed = try await ingest.storeGroup([Fixtures.batch(customers.map { Fixtures.inbound("d.\($0)", from: $0, text: long) })])
            let took = ContinuousClock.now - started
            #expect(committed.events?.count == 64)
            #expect(took >= .milliseconds(450))
            // Seen by another connection the moment it returned: committed.
            let seen = try await db.read { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM messages WHERE wamid LIKE 'd.%'").first()!.decode(column: "n", as: Int.self)
            }
            #expect(seen == 64)
        }
    }

    @Test("a group of known customers padded to the next power of two (PostgreSQL's prepared statement) stores each message once")
    func paddedKnownCustomersGroup() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let ingest = IngestRepository(db)
            _ = try await ingest.store(Fixtures.batch([Fixtures.inbound("p.a1", from: "111"), Fixtures.inbound("p.b1", from: "222"),
                                                       Fixtures.inbound("p.c1", from: "333")]))
            // Five messages (padded to eight with repeats of the last, a new one), then three (to four).
            let outcomes = try await ingest.store([
                Fixtures.batch([Fixtures.inbound("p.a2", from: "111", text: "a2", at: 1_700_000_010),
                                Fixtures.inbound("p.b2", from: "222", text: "b2", at: 1_700_000_010)]),
                Fixtures.batch([Fixtures.inbound("p.a1", from: "111"), Fixtures.inbound("p.c2", from: "333", text: "c2", at: 1_700_000_010),
                                Fixtures.inbound("p.c3", from: "333", text: "c3", at: 1_700_000_020)]),
            ])
            #expect(outcomes.map(\.storedMessages.count) == [2, 2])
            #expect(outcomes.map(\.duplicateMessages) == [0, 1])
            let again = try await ingest.store(Fixtures.batch([Fixtures.inbound("p.c3", from: "333"), Fixtures.inbound("p.a3", from: "111"),
                                                               Fixtures.inbound("p.a3", from: "111")]))
            #expect(again.storedMessages.count == 1 && again.duplicateMessages == 2)
            #expect(try await count(db, "messages") == 8)
            let events = try await db.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM events WHERE kind = 'message.created'").first()!.decode(column: "n", as: Int.self) }
            #expect(events == 8)
            let c = try #require(try await InboxRepository(db).conversations(scope: .all, limit: 10, cursor: nil).items.first { $0.contact.waId == "333" })
            #expect(c.lastMessagePreview == "c3")
            if db.dialect == .postgres {
                #expect(PreparedIngestStatement<IngestMessages8, IngestQuiet>.isKnown)
                #expect(PreparedIngestStatement<IngestMessages4, IngestQuiet>.isKnown)
            }
        }
    }

    @Test("PostgreSQL: a webhook commit sends its own NOTIFY, with the instance's name, so other instances' pumps wake",
          .enabled(if: TestDatabase.engineName == "postgres"))
    func ingestNotifies() async throws {
        try await TestDatabase.with { db in
            _ = try await ChannelRepository(db).add(Fixtures.channel())
            let heard = Locked<[String]>([])
            let listener = Task { try await db.listen("chorus_test_events") { payload in heard.withLock { $0.append(payload) } } }
            defer { listener.cancel() }
            func waitUntilHeard(_ payload: String) async throws -> Bool {
                for _ in 0..<100 where !heard.value.contains(payload) { try await Task.sleep(for: .milliseconds(50)) }
                return heard.value.contains(payload)
            }
            // Listening once a NOTIFY of our own comes back.
            for attempt in 0..<40 where !heard.value.contains { $0.hasPrefix("ready") } {
                await db.notify("chorus_test_events", "ready \(attempt)")
                try await Task.sleep(for: .milliseconds(50))
            }
            let quiet = IngestRepository(db)
            _ = try await quiet.store(Fixtures.batch([Fixtures.inbound("n.1")]))
            let announcing = IngestRepository(db, notifying: (channel: "chorus_test_events", payload: "instance-a"))
            _ = try await announcing.store(Fixtures.batch([Fixtures.inbound("n.2")]))
            #expect(try await waitUntilHeard("instance-a"))
            #expect(heard.value.filter { !$0.hasPrefix("ready") } == ["instance-a"])
        }
    }

    /// A customer conversation with one reply queued for sending.
    func queuedReply(_ db: Database, clientKey: String? = nil) async throws -> (OutboxRepository, MessageRecord) {
        _ = try await ChannelRepository(db).add(Fixtures.channel())
        _ = try await IngestRepository(db).store(Fixtures.batch([Fixtures.inbound("in.1")]))
        let conversation = try await InboxRepository(db).conversations(scope: .all, limit: 1, cursor: nil).items[0]
        let outbox = OutboxRepository(db)
        let queued = try await outbox.enqueue(.init(conversationID: conversation.id, senderMemberID: nil, type: "text", text: "hi",
                                                    content: .object(["body": .string("hi")]), clientKey: clientKey))
        return (outbox, queued)
    }

    func count(_ db: Database, _ table: String) async throws -> Int {
        try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()!.decode(column: "n", as: Int.self)
        }
    }
}
