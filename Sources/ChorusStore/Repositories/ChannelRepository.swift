import ChorusCore
import SQLKit

/// Business numbers (channels) and their Graph API credentials.
public struct ChannelRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func add(_ channel: NewChannel) async throws -> ChannelRecord {
        do {
            return try await db.transaction { sql in
                let row = try await sql.raw("""
                    INSERT INTO channels (phone_number_id, waba_id, display_number, name, access_token,
                        app_secret, verify_token, graph_url, api_version, created_at)
                    VALUES (\(bind: channel.phoneNumberID), \(bind: channel.wabaID), \(bind: channel.displayNumber),
                        \(bind: channel.name), \(bind: channel.accessToken), \(bind: channel.appSecret),
                        \(bind: channel.verifyToken), \(bind: channel.graphURL), \(bind: channel.apiVersion),
                        \(bind: Clock.nowMillis()))
                    RETURNING \(unsafeRaw: Self.columns)
                    """).first()
                return try Self.decode(row!)
            }
        } catch StoreError.uniqueViolation {
            throw ChorusError.conflict("channel_exists",
                                       "A channel with phone number id \(channel.phoneNumberID) already exists.")
        }
    }

    public func list() async throws -> [ChannelRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM channels ORDER BY id").all().map(Self.decode)
        }
    }

    public func find(id: Int64) async throws -> ChannelRecord? {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM channels WHERE id = \(bind: id)")
                .first().map(Self.decode)
        }
    }

    /// Updates where Chorus reaches the Graph API (the demo moves the simulator's port).
    public func updateEndpoint(id: Int64, graphURL: String, accessToken: String, appSecret: String,
                               verifyToken: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE channels SET graph_url = \(bind: graphURL), access_token = \(bind: accessToken),
                    app_secret = \(bind: appSecret), verify_token = \(bind: verifyToken)
                WHERE id = \(bind: id)
                """).run()
        }
    }

    static let columns = """
        id, phone_number_id, waba_id, display_number, name, access_token, app_secret, verify_token,
        graph_url, api_version, messages_per_second
        """

    static func decode(_ row: any SQLRow) throws -> ChannelRecord {
        ChannelRecord(
            id: try row.decode(column: "id", as: Int64.self),
            phoneNumberID: try row.decode(column: "phone_number_id", as: String.self),
            wabaID: try row.decode(column: "waba_id", as: String.self),
            displayNumber: try row.decode(column: "display_number", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            accessToken: try row.decode(column: "access_token", as: String.self),
            appSecret: try row.decode(column: "app_secret", as: String.self),
            verifyToken: try row.decode(column: "verify_token", as: String.self),
            graphURL: try row.decode(column: "graph_url", as: String.self),
            apiVersion: try row.decode(column: "api_version", as: String.self),
            messagesPerSecond: try row.decode(column: "messages_per_second", as: Int.self))
    }
}
