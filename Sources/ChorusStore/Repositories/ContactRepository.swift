import ChorusCore
import Foundation
import SQLKit

/// The customer profile: identities, labels, monthly spend (from order messages), notes and
/// history — of the conversations the caller may see.
public struct ContactRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct Profile: Sendable, Codable, Equatable {
        public var contact: ContactSummary
        public var conversations: [ConversationSummary]
        public var labels: [LabelRecord]
        /// Sum of this calendar month's orders by currency (from `order` messages).
        public var monthlySpend: [String: Double]
        public var notes: [NoteRecord]
    }

    /// Nil when the contact has no conversation inside the caller's scope.
    public func profile(contactID: Int64, scope: ConversationScope, notes: NoteRepository) async throws -> Profile? {
        var scopeCondition: SQLQueryString = ""
        if case .assignedTo(let member) = scope { scopeCondition = "AND c.assignee_id = \(bind: member)" }
        let (conversations, labels, orders) = try await db.read { sql in
            let conversations = try await sql.raw("""
                SELECT \(unsafeRaw: InboxRepository.conversationColumns)
                FROM conversations c JOIN contacts k ON k.id = c.contact_id
                WHERE k.id = \(bind: contactID) \(scopeCondition) ORDER BY c.last_message_at DESC
                """).all().map(InboxRepository.decodeConversation)
            guard !conversations.isEmpty else { return ([ConversationSummary](), [LabelRecord](), [JSONValue]()) }
            let ids = SQLList(conversations.map { SQLBind($0.id) })
            let labels = try await sql.raw("""
                SELECT DISTINCT l.id, l.name, l.color FROM labels l JOIN conversation_labels cl ON cl.label_id = l.id
                WHERE cl.conversation_id IN (\(ids)) ORDER BY l.name
                """).all().map { row in
                    LabelRecord(id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
                                color: try row.decode(column: "color", as: String.self))
                }
            let monthStart = Self.monthStart()
            let orders = try await sql.raw("""
                SELECT content FROM messages WHERE conversation_id IN (\(ids)) AND type = 'order' AND deleted_at IS NULL
                    AND meta_timestamp >= \(bind: monthStart)
                """).all().map { JSONText.decode(try $0.decode(column: "content", as: String.self)) }
            return (conversations, labels, orders)
        }
        guard let first = conversations.first else { return nil }
        var spend: [String: Double] = [:]
        for order in orders {
            for item in order["order"]?["product_items"]?.array ?? [] {
                let price = item["item_price"]?.double ?? 0
                let quantity = item["quantity"]?.double ?? 1
                spend[item["currency"]?.string ?? "?", default: 0] += price * quantity
            }
        }
        var allNotes: [NoteRecord] = []
        for conversation in conversations { allNotes += try await notes.list(conversationID: conversation.id) }
        return Profile(contact: first.contact, conversations: conversations, labels: labels, monthlySpend: spend,
                       notes: allNotes.sorted { $0.createdAt > $1.createdAt })
    }

    static func monthStart(now: Date = Date()) -> Int64 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let start = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        return Int64(start.timeIntervalSince1970 * 1000)
    }
}
