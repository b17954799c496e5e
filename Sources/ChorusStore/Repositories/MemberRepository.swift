import Foundation
import ChorusCore
import PostgresNIO
import SQLKit

/// Team members. Password hashes are produced by the caller (bcrypt lives in the server).
public struct MemberRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct NewMember: Sendable {
        public var email: String
        public var name: String
        public var passwordHash: String
        public var role: Role
        public var templateID: Int64?
        public init(email: String, name: String, passwordHash: String, role: Role, templateID: Int64? = nil) {
            self.email = email
            self.name = name
            self.passwordHash = passwordHash
            self.role = role
            self.templateID = templateID
        }
    }

    public func create(email: String, name: String, passwordHash: String, role: Role) async throws -> MemberRecord {
        try await Self.emailUnique(email) {
            try await db.transaction { sql in
                try await Self.insert(NewMember(email: email, name: name, passwordHash: passwordHash, role: role), sql)
            }
        }
    }

    /// Turns the store's unique violation (raised at commit or statement time) into the API's answer.
    static func emailUnique<T>(_ email: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StoreError.uniqueViolation {
            throw ChorusError.conflict("email_taken", email.isEmpty ? "A member with this email already exists."
                                                                   : "A member with the email \(normalize(email)) already exists.")
        }
    }

    /// Inserts inside the caller's transaction (invites and batch import create several rows atomically).
    static func insert(_ member: NewMember, _ sql: any SQLDatabase) async throws -> MemberRecord {
        let row = try await sql.raw("""
            INSERT INTO members (email, name, password_hash, role, template_id, active, created_at)
            VALUES (\(bind: normalize(member.email)), \(bind: member.name), \(bind: member.passwordHash), \(bind: member.role.rawValue),
                \(bind: member.templateID), \(bind: true), \(bind: Clock.nowMillis()))
            RETURNING \(unsafeRaw: columns)
            """).first()
        return try decode(row!)
    }

    public func find(id: Int64) async throws -> MemberRecord? {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM members WHERE id = \(bind: id)")
                .first().map(Self.decode)
        }
    }

    /// The member and their password hash, for sign-in.
    public func credentials(email: String) async throws -> (member: MemberRecord, passwordHash: String)? {
        try await db.read { sql in
            guard let row = try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns), password_hash FROM members WHERE email = \(bind: Self.normalize(email))
                """).first() else { return nil }
            return (try Self.decode(row), try row.decode(column: "password_hash", as: String.self))
        }
    }

    public func passwordHash(memberID: Int64) async throws -> String? {
        try await db.read { sql in
            try await sql.raw("SELECT password_hash FROM members WHERE id = \(bind: memberID)").first()
                .map { try $0.decode(column: "password_hash", as: String.self) }
        }
    }

    public func list() async throws -> [MemberRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM members ORDER BY id").all().map(Self.decode)
        }
    }

    public func activeCount() async throws -> Int {
        try await db.read { sql in
            try await sql.raw("SELECT COUNT(*) AS n FROM members WHERE active = \(bind: true)").first()!
                .decode(column: "n", as: Int.self)
        }
    }

    // MARK: rights

    /// Everything that shapes a member's rights: their template's adjustments and their overrides.
    /// Every authenticated request reads these (the actor's rights): on PostgreSQL the template's
    /// read is prepared (`MemberTemplateRead`), planning it cost seven times running it.
    public func adjustments(memberID: Int64) async throws -> (template: PermissionAdjustments?, overrides: [Permission: Bool]) {
        let template = try await db.rows(MemberTemplateRead(key: memberID),
                                         sqlite: "\(unsafeRaw: Self.templateSelect) WHERE m.id = \(bind: memberID)").first
            .map(PermissionTemplateRepository.adjustments)
        return (template, try await db.read { sql in try await Self.overrides(memberID: memberID, sql) })
    }

    /// A member's permission template, before the WHERE.
    static let templateSelect = """
        SELECT t.grants, t.revokes, t.send_window FROM members m JOIN permission_templates t ON t.id = m.template_id
        """

    /// The rights in force for a member, as the decision sees them.
    public func permissions(memberID: Int64, role: Role) async throws -> Set<Permission> {
        let (template, overrides) = try await adjustments(memberID: memberID)
        return PermissionAdjustments.effective(role: role, template: template, overrides: overrides)
    }

    static func overrides(memberID: Int64, _ sql: any SQLDatabase) async throws -> [Permission: Bool] {
        var result: [Permission: Bool] = [:]
        for row in try await sql.raw("""
            SELECT permission, granted FROM member_permission_overrides WHERE member_id = \(bind: memberID)
            """).all() {
            if let permission = Permission(rawValue: try row.decode(column: "permission", as: String.self)) {
                result[permission] = try row.decode(column: "granted", as: Bool.self)
            }
        }
        return result
    }

    public struct RightsChange: Sendable {
        public var role: Role?
        /// `.some(nil)` removes the template.
        public var templateID: Int64??
        /// Replaces all overrides when set.
        public var overrides: [Permission: Bool]?
        public init(role: Role? = nil, templateID: Int64?? = nil, overrides: [Permission: Bool]? = nil) {
            self.role = role
            self.templateID = templateID
            self.overrides = overrides
        }
    }

    /// Changes a member's rights and records it in the audit log, in one transaction.
    public func changeRights(memberID: Int64, _ change: RightsChange, audit: AuditEntry) async throws -> MemberRecord {
        try await db.transaction { sql in
            guard try await sql.raw("SELECT id FROM members WHERE id = \(bind: memberID)").first() != nil else {
                throw ChorusError.notFound("The member")
            }
            if let role = change.role {
                try await sql.raw("UPDATE members SET role = \(bind: role.rawValue) WHERE id = \(bind: memberID)").run()
            }
            if let templateID = change.templateID {
                try await sql.raw("UPDATE members SET template_id = \(bind: templateID) WHERE id = \(bind: memberID)").run()
            }
            if let overrides = change.overrides {
                try await sql.raw("DELETE FROM member_permission_overrides WHERE member_id = \(bind: memberID)").run()
                for (permission, granted) in overrides.sorted(by: { $0.key < $1.key }) {
                    try await sql.raw("""
                        INSERT INTO member_permission_overrides (member_id, permission, granted)
                        VALUES (\(bind: memberID), \(bind: permission.rawValue), \(bind: granted))
                        """).run()
                }
            }
            try await sql.raw("""
                UPDATE members SET permissions_version = permissions_version + 1 WHERE id = \(bind: memberID)
                """).run()
            try await AuditLog.append(audit, sql)
            return try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM members WHERE id = \(bind: memberID)")
                .first().map(Self.decode)!
        }
    }

    /// Deactivates a member: every device is signed out at once; history stays.
    /// Returns the ids of the devices that were signed out.
    public func deactivate(memberID: Int64, audit: AuditEntry) async throws -> [Int64] {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            guard try await sql.raw("SELECT id FROM members WHERE id = \(bind: memberID)").first() != nil else {
                throw ChorusError.notFound("The member")
            }
            try await sql.raw("""
                UPDATE members SET active = \(bind: false), deactivated_at = \(bind: now) WHERE id = \(bind: memberID)
                """).run()
            let devices = try await DeviceRepository.revokeAll(memberID: memberID, reason: "member_deactivated", now: now, sql)
            try await AuditLog.append(audit, sql)
            return devices
        }
    }

    /// Creates every member or none (batch import): a failure rolls all of them back.
    public func createAll(_ members: [NewMember], audit: AuditEntry) async throws -> [MemberRecord] {
        try await Self.emailUnique(members.first?.email ?? "") { try await db.transaction { sql in
            var created: [MemberRecord] = []
            for member in members { created.append(try await Self.insert(member, sql)) }
            try await AuditLog.append(audit, sql)
            return created
        } }
    }

    public func setPassword(memberID: Int64, hash: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("UPDATE members SET password_hash = \(bind: hash) WHERE id = \(bind: memberID)").run()
        }
    }

    static func normalize(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespaces).lowercased()
    }

    static let columns = "id, email, name, role, active, created_at, template_id, totp_enabled_at, deactivated_at"

    static func decode(_ row: any SQLRow) throws -> MemberRecord {
        try decode(row, prefix: "")
    }

    /// Decodes member columns, optionally aliased with a prefix (joins).
    static func decode(_ row: any SQLRow, prefix: String) throws -> MemberRecord {
        MemberRecord(
            id: try row.decode(column: prefix.isEmpty ? "id" : prefix + "id", as: Int64.self),
            email: try row.decode(column: prefix + "email", as: String.self),
            name: try row.decode(column: prefix + "name", as: String.self),
            role: Role(rawValue: try row.decode(column: prefix + "role", as: String.self)) ?? .restricted,
            active: try row.decode(column: prefix + "active", as: Bool.self),
            createdAt: try row.decode(column: prefix + "created_at", as: Int64.self),
            templateId: try row.decode(column: prefix + "template_id", as: Int64?.self),
            twoFactorEnabled: try row.decode(column: prefix + "totp_enabled_at", as: Int64?.self) != nil,
            deactivatedAt: try row.decode(column: prefix + "deactivated_at", as: Int64?.self))
    }
}

/// `MemberRepository.adjustments`' template on PostgreSQL, prepared once per connection; keyed by the member's id.
struct MemberTemplateRead: PreparedLookup {
    static let sql = MemberRepository.templateSelect + " WHERE m.id = $1"
    var key: Int64
}
