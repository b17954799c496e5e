import ChorusCore
import SQLKit

/// Two-step verification state: the TOTP secret (pending until confirmed with a first code),
/// one-time recovery codes (hashes only) and the step-up PIN (bcrypt hash, with its age).
public struct TwoFactorRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct State: Sendable {
        public var totpSecret: String?
        public var totpEnabled: Bool
        public var pinHash: String?
        public var pinChangedAt: Int64?
        public var lastVerifiedAt: Int64?
        public var recoveryCodesLeft: Int
    }

    public func state(memberID: Int64) async throws -> State {
        try await db.read { sql in
            let row = try await sql.raw("""
                SELECT totp_secret, totp_enabled_at, pin_hash, pin_changed_at, last_verified_at,
                    (SELECT COUNT(*) FROM recovery_codes r WHERE r.member_id = m.id AND r.used_at IS NULL) AS codes_left
                FROM members m WHERE m.id = \(bind: memberID)
                """).first()
            guard let row else { throw ChorusError.notFound("The member") }
            return State(totpSecret: try row.decode(column: "totp_secret", as: String?.self),
                         totpEnabled: try row.decode(column: "totp_enabled_at", as: Int64?.self) != nil,
                         pinHash: try row.decode(column: "pin_hash", as: String?.self),
                         pinChangedAt: try row.decode(column: "pin_changed_at", as: Int64?.self),
                         lastVerifiedAt: try row.decode(column: "last_verified_at", as: Int64?.self),
                         recoveryCodesLeft: try row.decode(column: "codes_left", as: Int.self))
        }
    }

    /// Starts (or restarts) enrolment with a new secret; two-step stays off until confirmed.
    public func beginTOTP(memberID: Int64, secret: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE members SET totp_secret = \(bind: secret), totp_enabled_at = NULL WHERE id = \(bind: memberID)
                """).run()
        }
    }

    /// Turns two-step on and replaces the recovery codes.
    public func enableTOTP(memberID: Int64, recoveryCodeHashes: [String], audit: AuditEntry) async throws {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            try await sql.raw("""
                UPDATE members SET totp_enabled_at = \(bind: now), last_verified_at = \(bind: now) WHERE id = \(bind: memberID)
                """).run()
            try await Self.replaceRecoveryCodes(memberID: memberID, hashes: recoveryCodeHashes, sql)
            try await AuditLog.append(audit, sql)
        }
    }

    public func disableTOTP(memberID: Int64, audit: AuditEntry) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE members SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = \(bind: memberID)
                """).run()
            try await sql.raw("DELETE FROM recovery_codes WHERE member_id = \(bind: memberID)").run()
            try await AuditLog.append(audit, sql)
        }
    }

    public func replaceRecoveryCodes(memberID: Int64, hashes: [String]) async throws {
        try await db.transaction { sql in try await Self.replaceRecoveryCodes(memberID: memberID, hashes: hashes, sql) }
    }

    static func replaceRecoveryCodes(memberID: Int64, hashes: [String], _ sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM recovery_codes WHERE member_id = \(bind: memberID)").run()
        for hash in hashes {
            try await sql.raw("INSERT INTO recovery_codes (member_id, code_hash) VALUES (\(bind: memberID), \(bind: hash))").run()
        }
    }

    /// Uses a recovery code once; false when unknown or already used.
    public func useRecoveryCode(memberID: Int64, hash: String) async throws -> Bool {
        try await db.transaction { sql in
            let rows = try await sql.raw("""
                UPDATE recovery_codes SET used_at = \(bind: Clock.nowMillis())
                WHERE member_id = \(bind: memberID) AND code_hash = \(bind: hash) AND used_at IS NULL RETURNING member_id
                """).all()
            return !rows.isEmpty
        }
    }

    public func markVerified(memberID: Int64) async throws {
        try await db.transaction { sql in
            try await sql.raw("UPDATE members SET last_verified_at = \(bind: Clock.nowMillis()) WHERE id = \(bind: memberID)").run()
        }
    }

    public func setPIN(memberID: Int64, hash: String, audit: AuditEntry) async throws {
        try await db.transaction { sql in
            try await sql.raw("""
                UPDATE members SET pin_hash = \(bind: hash), pin_changed_at = \(bind: Clock.nowMillis()) WHERE id = \(bind: memberID)
                """).run()
            try await AuditLog.append(audit, sql)
        }
    }
}
