import ChorusCore
import Crypto
import Foundation
import SQLKit

/// One security-relevant event: who did what to which target, from where.
public struct AuditEntry: Sendable {
    public var actorMemberID: Int64?
    public var deviceID: Int64?
    public var ip: String
    public var action: String
    public var targetType: String
    public var targetID: String
    public var details: JSONValue

    public init(actorMemberID: Int64?, deviceID: Int64?, ip: String, action: String, targetType: String = "",
                targetID: String = "", details: JSONValue = .object([:])) {
        self.actorMemberID = actorMemberID
        self.deviceID = deviceID
        self.ip = ip
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.details = details
    }
}

public struct AuditRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var at: Int64
    public var actorMemberId: Int64?
    public var deviceId: Int64?
    public var ip: String
    public var action: String
    public var targetType: String
    public var targetId: String
    public var details: JSONValue
    public var hash: String
}

/// The tamper-evident audit log: each row's hash covers its content and the previous row's
/// hash, so editing or deleting a row breaks the chain from there on (`verify`).
public enum AuditLog {
    /// Appends inside the caller's transaction, so the event and the change it records commit together.
    public static func append(_ entry: AuditEntry, _ sql: any SQLDatabase) async throws {
        if sql.dialect.name == "postgresql" {
            // One chain: serialise appenders (SQLite already has a single writer).
            try await sql.raw("SELECT pg_advisory_xact_lock(4242)").run()
        }
        let previous = try await sql.raw("SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1").first()
            .map { try $0.decode(column: "hash", as: String.self) } ?? ""
        let now = Clock.nowMillis()
        let details = JSONText.encode(entry.details)
        let hash = chainHash(previous: previous, at: now, entry: entry, details: details)
        try await sql.raw("""
            INSERT INTO audit_events (at, actor_member_id, device_id, ip, action, target_type, target_id, details, prev_hash, hash)
            VALUES (\(bind: now), \(bind: entry.actorMemberID), \(bind: entry.deviceID), \(bind: entry.ip), \(bind: entry.action),
                \(bind: entry.targetType), \(bind: entry.targetID), \(bind: details), \(bind: previous), \(bind: hash))
            """).run()
    }

    static func chainHash(previous: String, at: Int64, entry: AuditEntry, details: String) -> String {
        let fields = [previous, String(at), entry.actorMemberID.map(String.init) ?? "", entry.deviceID.map(String.init) ?? "",
                      entry.ip, entry.action, entry.targetType, entry.targetID, details]
        let digest = SHA256.hash(data: Data(fields.joined(separator: "\u{1F}").utf8))
        return Hex.string(digest)
    }
}

/// Reading and checking the audit log.
public struct AuditRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func record(_ entry: AuditEntry) async throws {
        try await db.transaction { sql in try await AuditLog.append(entry, sql) }
    }

    /// Newest first, keyset-paginated by id.
    public func list(before: Int64?, limit: Int, action: String?) async throws -> [AuditRecord] {
        try await db.read { sql in
            var query = SQLQueryString("SELECT id, at, actor_member_id, device_id, ip, action, target_type, target_id, details, hash FROM audit_events WHERE 1 = 1")
            if let before { query.appendInterpolation(unsafeRaw: " AND id < "); query.appendInterpolation(bind: before) }
            if let action { query.appendInterpolation(unsafeRaw: " AND action = "); query.appendInterpolation(bind: action) }
            query.appendInterpolation(unsafeRaw: " ORDER BY id DESC LIMIT \(limit)")
            return try await sql.raw(query).all().map { row in
                AuditRecord(id: try row.decode(column: "id", as: Int64.self), at: try row.decode(column: "at", as: Int64.self),
                            actorMemberId: try row.decode(column: "actor_member_id", as: Int64?.self),
                            deviceId: try row.decode(column: "device_id", as: Int64?.self),
                            ip: try row.decode(column: "ip", as: String.self), action: try row.decode(column: "action", as: String.self),
                            targetType: try row.decode(column: "target_type", as: String.self),
                            targetId: try row.decode(column: "target_id", as: String.self),
                            details: JSONText.decode(try row.decode(column: "details", as: String.self)),
                            hash: try row.decode(column: "hash", as: String.self))
            }
        }
    }

    /// Walks the chain; returns the id of the first row whose hash does not match, or nil.
    public func verify() async throws -> (checked: Int, brokenAt: Int64?) {
        try await db.read { sql in
            var previous = ""
            var checked = 0
            for row in try await sql.raw("""
                SELECT id, at, actor_member_id, device_id, ip, action, target_type, target_id, details, prev_hash, hash
                FROM audit_events ORDER BY id
                """).all() {
                let id = try row.decode(column: "id", as: Int64.self)
                let entry = AuditEntry(actorMemberID: try row.decode(column: "actor_member_id", as: Int64?.self),
                                       deviceID: try row.decode(column: "device_id", as: Int64?.self),
                                       ip: try row.decode(column: "ip", as: String.self),
                                       action: try row.decode(column: "action", as: String.self),
                                       targetType: try row.decode(column: "target_type", as: String.self),
                                       targetID: try row.decode(column: "target_id", as: String.self))
                let expected = AuditLog.chainHash(previous: previous, at: try row.decode(column: "at", as: Int64.self),
                                                  entry: entry, details: try row.decode(column: "details", as: String.self))
                let stored = try row.decode(column: "hash", as: String.self)
                guard try row.decode(column: "prev_hash", as: String.self) == previous, stored == expected else {
                    return (checked, id)
                }
                previous = stored
                checked += 1
            }
            return (checked, nil)
        }
    }
}
