import ChorusCore
import ChorusStore
import Foundation
import SQLKit

/// Generated inbox data at scale, written straight into the store in multi-row inserts:
/// contacts, conversations (some assigned), messages over 90 days with searchable words, and
/// notes with mentions. Members are created through the product's own account code.
struct DataGenerator {
    let db: Database
    let channelID: Int64
    let conversations: Int
    let messages: Int
    let memberIDs: [Int64]

    static let words = ["order", "delivery", "refund", "parcel", "invoice", "blender", "address", "payment", "tracking", "return",
                        "warranty", "discount", "voucher", "size", "colour", "broken", "late", "thanks", "hello", "price",
                        "shipping", "exchange", "receipt", "account", "password", "store", "opening", "hours", "coffee", "machine"]

    /// Customer `i`'s WhatsApp number and profile name, as generated here and as the fan-out's
    /// webhooks send them (Meta sends the customer's current profile name with every message).
    static func contactWaID(_ i: Int) -> String { "49170\(String(format: "%07d", i))" }
    static func contactName(_ i: Int) -> String { "Customer \(i) \(words[i % words.count].capitalized)" }

    func run(log: (String) -> Void) async throws {
        let now = Clock.nowMillis()
        var random = SystemRandomNumberGenerator()
        let contactBatch = 500
        for start in stride(from: 0, to: conversations, by: contactBatch) {
            let end = min(start + contactBatch, conversations)
            try await db.transaction { sql in
                let contacts: [SQLQueryString] = (start..<end).map { i in
                    "(\(bind: channelID), \(bind: Self.contactWaID(i)), \(bind: Self.contactName(i)), \(bind: now), \(bind: now))"
                }
                try await sql.raw("INSERT INTO contacts (channel_id, wa_id, name, created_at, updated_at) VALUES \(SQLList(contacts))").run()
            }
        }
        let contactIDs = try await db.read { sql in
            try await sql.raw("SELECT id FROM contacts WHERE channel_id = \(bind: channelID) ORDER BY id").all().map { try $0.decode(column: "id", as: Int64.self) }
        }
        for start in stride(from: 0, to: contactIDs.count, by: contactBatch) {
            let slice = contactIDs[start..<min(start + contactBatch, contactIDs.count)]
            try await db.transaction { sql in
                let rows: [SQLQueryString] = slice.map { contact in
                    let assignee: Int64? = Int.random(in: 0..<10, using: &random) < 3 ? memberIDs.randomElement(using: &random) : nil
                    let last = now - Int64.random(in: 0..<(90 * 86_400_000), using: &random)
                    let status = ["open", "open", "open", "pending", "resolved"].randomElement(using: &random)!
                    return "(\(bind: channelID), \(bind: contact), \(bind: status), \(bind: assignee), \(bind: last), \(bind: last), 'hello', \(bind: now), \(bind: now))"
                }
                try await sql.raw("""
                    INSERT INTO conversations (channel_id, contact_id, status, assignee_id, last_message_at, last_inbound_at,
                        last_message_preview, created_at, updated_at) VALUES \(SQLList(rows))
                    """).run()
            }
        }
        log("  \(contactIDs.count) contacts and conversations")
        let conversationRows = try await db.read { sql in
            try await sql.raw("SELECT id, last_message_at FROM conversations WHERE channel_id = \(bind: channelID) ORDER BY id").all()
                .map { (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "last_message_at", as: Int64.self)) }
        }
        let perConversation = max(1, messages / max(1, conversationRows.count))
        var written = 0
        let batch = 500
        var pending: [SQLQueryString] = []
        var sequence = 0
        func flush() async throws {
            guard !pending.isEmpty else { return }
            let rows = pending
            pending.removeAll(keepingCapacity: true)
            try await db.transaction { sql in
                for chunk in stride(from: 0, to: rows.count, by: batch) {
                    try await sql.raw("""
                        INSERT INTO messages (channel_id, conversation_id, dedupe_key, wamid, direction, type, status, text, content,
                            meta_timestamp, created_at, updated_at) VALUES \(SQLList(Array(rows[chunk..<min(chunk + batch, rows.count)])))
                        """).run()
                }
            }
        }
        for (conversation, last) in conversationRows {
            for k in 0..<perConversation {
                sequence += 1
                let text = (0..<6).map { _ in Self.words.randomElement(using: &random)! }.joined(separator: " ")
                let time = last - Int64(perConversation - k) * 60_000
                let inbound = k % 2 == 0
                let wamid = "wamid.gen.\(sequence)"
                pending.append("""
                    (\(bind: channelID), \(bind: conversation), \(bind: wamid), \(bind: wamid), \(bind: inbound ? "inbound" : "outbound"), 'text',
                     \(bind: inbound ? "received" : "read"), \(bind: text), '{}', \(bind: time), \(bind: now), \(bind: now))
                    """)
                if pending.count >= 20_000 {
                    written += pending.count
                    try await flush()
                    if written % 200_000 == 0 { log("  \(written) messages") }
                }
            }
        }
        written += pending.count
        try await flush()
        // Notes mentioning members, for the mentions view.
        try await db.transaction { sql in
            for (index, (conversation, _)) in conversationRows.prefix(2000).enumerated() {
                let author = memberIDs[index % memberIDs.count], mentioned = memberIDs[(index + 1) % memberIDs.count]
                let row = try await sql.raw("""
                    INSERT INTO notes (conversation_id, author_id, body, created_at) VALUES (\(bind: conversation), \(bind: author), 'please check', \(bind: now)) RETURNING id
                    """).first()!
                try await sql.raw("INSERT INTO note_mentions (note_id, member_id) VALUES (\(bind: try row.decode(column: "id", as: Int64.self)), \(bind: mentioned))").run()
            }
        }
        if db.dialect == .postgres {
            // What anyone does after a bulk load, so the measurements see a settled database,
            // not the load's aftermath: VACUUM, or autovacuum would pass over the 2,000,000 new
            // messages (and their search index) during the measurements, at a moment set by its
            // one-minute nap; a CHECKPOINT, or the one the load's WAL started would still be
            // writing, spread over minutes. Both were seen during the list, search and fan-out
            // measurements (BENCHMARKS.md, session 11). Later checkpoints and autovacuums come as
            // they would in service.
            try await db.read { sql in
                try await sql.raw("VACUUM (ANALYZE)").run()
                try await sql.raw("CHECKPOINT").run()
            }
        } else {
            try await db.transaction { sql in try await sql.raw("ANALYZE").run() }
        }
        log("  \(written) messages")
    }
}
