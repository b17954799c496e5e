import ChorusCore
import SQLKit

/// What operators look at when webhooks misbehave: items Chorus kept but did not turn into
/// messages or statuses (unknown numbers, unknown fields, errors), and the last delivery.
public struct DiagnosticsRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct WebhookHealth: Sendable, Codable, Equatable {
        public struct Item: Sendable, Codable, Equatable {
            public var receivedAt: Int64
            public var kind: String
            public var field: String
            public var phoneNumberId: String?
        }
        public var lastInboundMessageAt: Int64?
        public var unhandledByKind: [String: Int]
        public var recentUnhandled: [Item]
    }

    public func webhookHealth() async throws -> WebhookHealth {
        try await db.read { sql in
            let last = try await sql.raw("SELECT MAX(created_at) AS at FROM messages WHERE direction = 'inbound'").first()?
                .decode(column: "at", as: Int64?.self)
            var byKind: [String: Int] = [:]
            for row in try await sql.raw("SELECT kind, COUNT(*) AS n FROM webhook_unhandled GROUP BY kind").all() {
                byKind[try row.decode(column: "kind", as: String.self)] = try row.decode(column: "n", as: Int.self)
            }
            let recent = try await sql.raw("""
                SELECT received_at, kind, field, phone_number_id FROM webhook_unhandled ORDER BY id DESC LIMIT 20
                """).all().map { row in
                WebhookHealth.Item(receivedAt: try row.decode(column: "received_at", as: Int64.self),
                                   kind: try row.decode(column: "kind", as: String.self),
                                   field: try row.decode(column: "field", as: String.self),
                                   phoneNumberId: try row.decode(column: "phone_number_id", as: String?.self))
            }
            return WebhookHealth(lastInboundMessageAt: last ?? nil, unhandledByKind: byKind, recentUnhandled: recent)
        }
    }
}
