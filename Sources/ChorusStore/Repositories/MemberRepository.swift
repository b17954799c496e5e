import Foundation
import ChorusCore
import SQLKit

/// Team members. Password hashes are produced by the caller (bcrypt lives in the server).
public struct MemberRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func create(email: String, name: String, passwordHash: String, role: Role) async throws -> MemberRecord {
        let email = Self.normalize(email)
        do {
            return try await db.transaction { sql in
                let row = try await sql.raw("""
                    INSERT INTO members (email, name, password_hash, role, active, created_at)
                    VALUES (\(bind: email), \(bind: name), \(bind: passwordHash), \(bind: role.rawValue), \(bind: true),
                        \(bind: Clock.nowMillis()))
                    RETURNING \(unsafeRaw: Self.columns)
                    """).first()
                return try Self.decode(row!)
            }
        } catch StoreError.uniqueViolation {
            throw ChorusError.conflict("email_taken", "A member with the email \(email) already exists.")
        }
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

    public func list() async throws -> [MemberRecord] {
        try await db.read { sql in
            try await sql.raw("SELECT \(unsafeRaw: Self.columns) FROM members ORDER BY id").all().map(Self.decode)
        }
    }

    /// The rights in force for a member: the role's defaults, then the per-member overrides.
    public func permissions(memberID: Int64, role: Role) async throws -> Set<Permission> {
        let overrides = try await db.read { sql in
            try await sql.raw("""
                SELECT permission, granted FROM member_permission_overrides WHERE member_id = \(bind: memberID)
                """).all().map { (try $0.decode(column: "permission", as: String.self),
                                   try $0.decode(column: "granted", as: Bool.self)) }
        }
        var permissions = role.defaultPermissions
        for (name, granted) in overrides {
            guard let permission = Permission(rawValue: name) else { continue }
            if granted { permissions.insert(permission) } else { permissions.remove(permission) }
        }
        return permissions
    }

    static func normalize(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespaces).lowercased()
    }

    static let columns = "id, email, name, role, active, created_at"

    static func decode(_ row: any SQLRow) throws -> MemberRecord {
        MemberRecord(
            id: try row.decode(column: "id", as: Int64.self),
            email: try row.decode(column: "email", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .restricted,
            active: try row.decode(column: "active", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Int64.self))
    }
}
