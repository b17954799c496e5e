import ChorusCore
import SQLKit

public struct InviteRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var email: String
    public var name: String
    public var role: Role
    public var templateId: Int64?
    public var createdAt: Int64
    public var expiresAt: Int64
    public var acceptedAt: Int64?
}

/// Invitations: an admin invites by email; the person accepts with a token (a link) and
/// chooses their own password. Tokens are stored only as hashes and expire.
public struct InviteRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func create(email: String, name: String, role: Role, templateID: Int64?, tokenHash: String,
                       invitedBy: Int64, validMillis: Int64, audit: AuditEntry) async throws -> InviteRecord {
        try await db.transaction { sql in
            let email = MemberRepository.normalize(email)
            if try await sql.raw("SELECT id FROM members WHERE email = \(bind: email)").first() != nil {
                throw ChorusError.conflict("email_taken", "A member with the email \(email) already exists.")
            }
            let now = Clock.nowMillis()
            let row = try await sql.raw("""
                INSERT INTO member_invites (email, name, role, template_id, token_hash, invited_by, created_at, expires_at)
                VALUES (\(bind: email), \(bind: name), \(bind: role.rawValue), \(bind: templateID), \(bind: tokenHash),
                    \(bind: invitedBy), \(bind: now), \(bind: now + validMillis))
                RETURNING \(unsafeRaw: Self.columns)
                """).first()!
            let invite = try Self.decode(row)
            var audit = audit
            audit.targetID = String(invite.id)
            try await AuditLog.append(audit, sql)
            return invite
        }
    }

    public struct NewInvite: Sendable {
        public var email: String
        public var name: String
        public var role: Role
        public var templateID: Int64?
        public var tokenHash: String
        public init(email: String, name: String, role: Role, templateID: Int64?, tokenHash: String) {
            self.email = email
            self.name = name
            self.role = role
            self.templateID = templateID
            self.tokenHash = tokenHash
        }
    }

    /// Creates every invite or none (batch import).
    public func createAll(_ invites: [NewInvite], invitedBy: Int64, validMillis: Int64, audit: AuditEntry) async throws -> [InviteRecord] {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            var created: [InviteRecord] = []
            for invite in invites {
                let email = MemberRepository.normalize(invite.email)
                if try await sql.raw("SELECT id FROM members WHERE email = \(bind: email)").first() != nil {
                    throw ChorusError.conflict("email_taken", "A member with the email \(email) already exists.")
                }
                let row = try await sql.raw("""
                    INSERT INTO member_invites (email, name, role, template_id, token_hash, invited_by, created_at, expires_at)
                    VALUES (\(bind: email), \(bind: invite.name), \(bind: invite.role.rawValue), \(bind: invite.templateID),
                        \(bind: invite.tokenHash), \(bind: invitedBy), \(bind: now), \(bind: now + validMillis))
                    RETURNING \(unsafeRaw: Self.columns)
                    """).first()!
                created.append(try Self.decode(row))
            }
            try await AuditLog.append(audit, sql)
            return created
        }
    }

    /// Emails with an open invitation.
    public func pendingEmails() async throws -> Set<String> {
        Set(try await pending().map(\.email))
    }

    public func pending() async throws -> [InviteRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM member_invites
                WHERE accepted_at IS NULL AND expires_at > \(bind: Clock.nowMillis()) ORDER BY id
                """).all().map(Self.decode)
        }
    }

    /// Accepts a valid invite by creating the member with their chosen password, atomically.
    public func accept(tokenHash: String, passwordHash: String) async throws -> MemberRecord {
        try await MemberRepository.emailUnique("") { try await db.transaction { sql in
            guard let row = try await sql.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM member_invites WHERE token_hash = \(bind: tokenHash)
                """).first() else {
                throw ChorusError(status: 404, code: "invite_invalid", message: "This invitation does not exist.")
            }
            let invite = try Self.decode(row)
            if invite.acceptedAt != nil {
                throw ChorusError(status: 410, code: "invite_used", message: "This invitation was already accepted. Sign in instead.")
            }
            if invite.expiresAt < Clock.nowMillis() {
                throw ChorusError(status: 410, code: "invite_expired", message: "This invitation has expired. Ask an admin for a new one.")
            }
            let member = try await MemberRepository.insert(.init(email: invite.email, name: invite.name, passwordHash: passwordHash,
                                                                 role: invite.role, templateID: invite.templateId), sql)
            try await sql.raw("""
                UPDATE member_invites SET accepted_at = \(bind: Clock.nowMillis()), member_id = \(bind: member.id) WHERE id = \(bind: invite.id)
                """).run()
            try await AuditLog.append(AuditEntry(actorMemberID: member.id, deviceID: nil, ip: "", action: "member.invite_accepted",
                                                 targetType: "member", targetID: String(member.id)), sql)
            return member
        } }
    }

    static let columns = "id, email, name, role, template_id, created_at, expires_at, accepted_at"

    static func decode(_ row: any SQLRow) throws -> InviteRecord {
        InviteRecord(id: try row.decode(column: "id", as: Int64.self), email: try row.decode(column: "email", as: String.self),
                     name: try row.decode(column: "name", as: String.self),
                     role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .restricted,
                     templateId: try row.decode(column: "template_id", as: Int64?.self),
                     createdAt: try row.decode(column: "created_at", as: Int64.self),
                     expiresAt: try row.decode(column: "expires_at", as: Int64.self),
                     acceptedAt: try row.decode(column: "accepted_at", as: Int64?.self))
    }
}
