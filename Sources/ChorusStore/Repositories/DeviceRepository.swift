import ChorusCore
import PostgresNIO
import SQLKit

/// Sign-in sessions. Each is a device with a class; the bearer token is stored only as a hash.
public struct DeviceRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct NewDevice: Sendable {
        public var memberID: Int64
        public var tokenHash: String
        public var deviceClass: DeviceClass
        public var os: String
        public var osVersion: String
        public var browser: String
        public var ip: String

        public init(memberID: Int64, tokenHash: String, deviceClass: DeviceClass, os: String = "",
                    osVersion: String = "", browser: String = "", ip: String = "") {
            self.memberID = memberID
            self.tokenHash = tokenHash
            self.deviceClass = deviceClass
            self.os = os
            self.osVersion = osVersion
            self.browser = browser
            self.ip = ip
        }
    }

    /// Creates the device. When the member already has `cap` active devices, the earliest are
    /// revoked with reason `device_evicted`; their ids are returned so open sockets can be closed.
    public func create(_ device: NewDevice, cap: Int) async throws -> (device: DeviceRecord, evicted: [Int64]) {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            let active = try await sql.raw("""
                SELECT id FROM devices WHERE member_id = \(bind: device.memberID) AND revoked_at IS NULL
                ORDER BY created_at, id
                """).all().map { try $0.decode(column: "id", as: Int64.self) }
            let evicted = Array(active.prefix(max(0, active.count - cap + 1)))
            for id in evicted {
                try await sql.raw("""
                    UPDATE devices SET revoked_at = \(bind: now), revoke_reason = 'device_evicted' WHERE id = \(bind: id)
                    """).run()
            }
            let row = try await sql.raw("""
                INSERT INTO devices (member_id, token_hash, device_class, os, os_version, browser, ip, created_at, last_seen_at)
                VALUES (\(bind: device.memberID), \(bind: device.tokenHash), \(bind: device.deviceClass.rawValue),
                    \(bind: device.os), \(bind: device.osVersion), \(bind: device.browser), \(bind: device.ip),
                    \(bind: now), \(bind: now))
                RETURNING \(unsafeRaw: Self.columns)
                """).first()
            return (try Self.decode(row!), evicted)
        }
    }

    public enum Lookup: Sendable, Equatable {
        case active(DeviceRecord, MemberRecord, stepUp: StepUpLevel)
        /// The session existed but was ended: `reason` is the stable error code to answer with.
        case revoked(reason: String)
        case unknown
    }

    /// Finds the session behind a token hash, with its member and its current step-up.
    /// Every authenticated request and socket makes this lookup: on PostgreSQL it is prepared
    /// (`SessionLookup`), planning it cost three times running it.
    public func lookup(tokenHash: String) async throws -> Lookup {
        guard let row = try await db.rows(SessionLookup(key: tokenHash),
                                          sqlite: "\(unsafeRaw: Self.sessionSelect) WHERE d.token_hash = \(bind: tokenHash)").first
        else { return .unknown }
        if try row.decode(column: "revoked_at", as: Int64?.self) != nil {
            return .revoked(reason: try row.decode(column: "revoke_reason", as: String?.self) ?? "session_ended")
        }
        let member = try MemberRepository.decode(row, prefix: "m_")
        if !member.active { return .revoked(reason: "member_deactivated") }
        let until = try row.decode(column: "step_up_until", as: Int64?.self) ?? 0
        let level = until > Clock.nowMillis()
            ? StepUpLevel(rawValue: try row.decode(column: "step_up_level", as: Int.self)) ?? .none : .none
        return .active(try Self.decode(row), member, stepUp: level)
    }

    /// A session with its member, before the WHERE.
    static let sessionSelect = """
        SELECT d.id, d.member_id, d.device_class, d.os, d.os_version, d.browser, d.ip, d.created_at,
            d.last_seen_at, d.revoked_at, d.revoke_reason, d.step_up_level, d.step_up_until,
            m.id AS m_id, m.email AS m_email, m.name AS m_name, m.role AS m_role, m.active AS m_active,
            m.created_at AS m_created_at, m.template_id AS m_template_id, m.totp_enabled_at AS m_totp_enabled_at,
            m.deactivated_at AS m_deactivated_at
        FROM devices d JOIN members m ON m.id = d.member_id
        """

    public func find(id: Int64) async throws -> DeviceRecord? {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM devices WHERE id = \(bind: id) AND revoked_at IS NULL")
                .first().map(Self.decode)
        }
    }

    /// Grants the device a step-up level until a time.
    public func stepUp(deviceID: Int64, level: StepUpLevel, until: Int64) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE devices SET step_up_level = \(bind: level.rawValue), step_up_until = \(bind: until) WHERE id = \(bind: deviceID)
                """).run()
        }
    }

    /// Signs out every device of a member (optionally but one), recording why; returns their ids.
    public func revokeAll(memberID: Int64, reason: String, except: Int64? = nil, audit: AuditEntry) async throws -> [Int64] {
        try await db.transaction { sql in
            let ids = try await Self.revokeAll(memberID: memberID, reason: reason, now: Clock.nowMillis(), except: except, sql)
            try await AuditLog.append(audit, sql)
            return ids
        }
    }

    static func revokeAll(memberID: Int64, reason: String, now: Int64, except: Int64? = nil,
                          _ sql: any SQLDatabase) async throws -> [Int64] {
        let ids = try await sql.raw("""
            SELECT id FROM devices WHERE member_id = \(bind: memberID) AND revoked_at IS NULL
            """).all().map { try $0.decode(column: "id", as: Int64.self) }.filter { $0 != except }
        for id in ids {
            try await sql.raw("""
                UPDATE devices SET revoked_at = \(bind: now), revoke_reason = \(bind: reason) WHERE id = \(bind: id)
                """).run()
        }
        return ids
    }

    /// Removes sessions idle since before `cutoff` (the scheduled clean-up); returns their ids.
    public func revokeIdle(lastSeenBefore cutoff: Int64) async throws -> [(device: Int64, member: Int64)] {
        try await db.transaction { sql in
            let rows = try await sql.raw("""
                SELECT id, member_id FROM devices WHERE revoked_at IS NULL AND last_seen_at < \(bind: cutoff)
                """).all().map { (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "member_id", as: Int64.self)) }
            let now = Clock.nowMillis()
            for (id, member) in rows {
                try await sql.raw("""
                    UPDATE devices SET revoked_at = \(bind: now), revoke_reason = 'device_idle' WHERE id = \(bind: id)
                    """).run()
                try await AuditLog.append(AuditEntry(actorMemberID: nil, deviceID: id, ip: "", action: "device.idle_removed",
                                                     targetType: "member", targetID: String(member)), sql)
            }
            return rows.map { (device: $0.0, member: $0.1) }
        }
    }

    /// Every active device, for the admin view.
    public func listAll() async throws -> [DeviceRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM devices WHERE revoked_at IS NULL ORDER BY member_id, created_at, id
                """).all().map(Self.decode)
        }
    }

    /// Records activity, at most once a minute per device, to keep writes off the hot path.
    public func touch(_ device: DeviceRecord, ip: String) async throws {
        let now = Clock.nowMillis()
        guard now - device.lastSeenAt > 60_000 else { return }
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE devices SET last_seen_at = \(bind: now), ip = \(bind: ip) WHERE id = \(bind: device.id)
                """).run()
        }
    }

    public func revoke(id: Int64, reason: String, audit: AuditEntry? = nil) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE devices SET revoked_at = \(bind: Clock.nowMillis()), revoke_reason = \(bind: reason)
                WHERE id = \(bind: id) AND revoked_at IS NULL
                """).run()
            if let audit { try await AuditLog.append(audit, sql) }
        }
    }

    public func list(memberID: Int64) async throws -> [DeviceRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM devices
                WHERE member_id = \(bind: memberID) AND revoked_at IS NULL ORDER BY created_at, id
                """).all().map(Self.decode)
        }
    }

    static let columns = "id, member_id, device_class, os, os_version, browser, ip, created_at, last_seen_at"

    static func decode(_ row: any SQLRow) throws -> DeviceRecord {
        DeviceRecord(
            id: try row.decode(column: "id", as: Int64.self),
            memberId: try row.decode(column: "member_id", as: Int64.self),
            deviceClass: DeviceClass(rawValue: try row.decode(column: "device_class", as: String.self)) ?? .desktop,
            os: try row.decode(column: "os", as: String.self),
            osVersion: try row.decode(column: "os_version", as: String.self),
            browser: try row.decode(column: "browser", as: String.self),
            ip: try row.decode(column: "ip", as: String.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self),
            lastSeenAt: try row.decode(column: "last_seen_at", as: Int64.self))
    }
}

/// `DeviceRepository.lookup` on PostgreSQL, prepared once per connection; keyed by the token's hash.
struct SessionLookup: PreparedLookup {
    static let sql = DeviceRepository.sessionSelect + " WHERE d.token_hash = $1"
    var key: String
}
