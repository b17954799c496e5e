import ChorusCore
import SQLKit

/// QR device linking (PRODUCT.md §3): a new browser asks for a short-lived code, a signed-in
/// device of a member approves it, and the new browser then claims its own session. Codes and
/// claim secrets are stored only as hashes; each link is single-use.
public struct DeviceLinkRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public struct Request: Sendable {
        public var codeHash: String
        public var secretHash: String
        public var ip: String
        public var deviceClass: DeviceClass
        public var os: String
        public var osVersion: String
        public var browser: String
        public init(codeHash: String, secretHash: String, ip: String, deviceClass: DeviceClass, os: String,
                    osVersion: String, browser: String) {
            self.codeHash = codeHash
            self.secretHash = secretHash
            self.ip = ip
            self.deviceClass = deviceClass
            self.os = os
            self.osVersion = osVersion
            self.browser = browser
        }
    }

    public func create(_ request: Request, validMillis: Int64) async throws -> (id: Int64, expiresAt: Int64) {
        try await db.transaction { sql in
            let now = Clock.nowMillis()
            // Expired links are useless; clearing them keeps the code space free.
            try await sql.raw("DELETE FROM device_links WHERE expires_at < \(bind: now - 86_400_000)").run()
            let row = try await sql.raw("""
                INSERT INTO device_links (code_hash, secret_hash, requester_ip, device_class, os, os_version, browser, created_at, expires_at)
                VALUES (\(bind: request.codeHash), \(bind: request.secretHash), \(bind: request.ip), \(bind: request.deviceClass.rawValue),
                    \(bind: request.os), \(bind: request.osVersion), \(bind: request.browser), \(bind: now), \(bind: now + validMillis))
                RETURNING id, expires_at
                """).first()!
            return (try row.decode(column: "id", as: Int64.self), try row.decode(column: "expires_at", as: Int64.self))
        }
    }

    public enum Approval: Sendable, Equatable {
        case approved(linkID: Int64)
        case unknownCode
        case expired
        case alreadyUsed
    }

    /// Approves the link with this code for the approving member. Single use.
    public func approve(codeHash: String, memberID: Int64, deviceID: Int64) async throws -> Approval {
        try await db.transaction { sql in
            guard let row = try await sql.raw("""
                SELECT id, expires_at, member_id FROM device_links WHERE code_hash = \(bind: codeHash)
                """).first() else { return .unknownCode }
            let id = try row.decode(column: "id", as: Int64.self)
            if try row.decode(column: "member_id", as: Int64?.self) != nil { return .alreadyUsed }
            if try row.decode(column: "expires_at", as: Int64.self) < Clock.nowMillis() { return .expired }
            try await sql.raw("""
                UPDATE device_links SET member_id = \(bind: memberID), approved_by_device = \(bind: deviceID) WHERE id = \(bind: id)
                """).run()
            return .approved(linkID: id)
        }
    }

    public enum Claim: Sendable, Equatable {
        case pending(expiresAt: Int64)
        case approved(memberID: Int64, deviceClass: DeviceClass, os: String, osVersion: String, browser: String, ip: String)
        case expired
        case alreadyUsed
        case unknown
    }

    /// The new browser asks whether its link was approved; the first answer that is `approved`
    /// consumes the link, so the session is handed out once.
    public func claim(id: Int64, secretHash: String) async throws -> Claim {
        try await db.transaction { sql in
            guard let row = try await sql.raw("""
                SELECT secret_hash, expires_at, member_id, consumed_at, device_class, os, os_version, browser, requester_ip
                FROM device_links WHERE id = \(bind: id)
                """).first(), try row.decode(column: "secret_hash", as: String.self) == secretHash else { return .unknown }
            if try row.decode(column: "consumed_at", as: Int64?.self) != nil { return .alreadyUsed }
            let expiresAt = try row.decode(column: "expires_at", as: Int64.self)
            guard let member = try row.decode(column: "member_id", as: Int64?.self) else {
                return expiresAt < Clock.nowMillis() ? .expired : .pending(expiresAt: expiresAt)
            }
            try await sql.raw("UPDATE device_links SET consumed_at = \(bind: Clock.nowMillis()) WHERE id = \(bind: id)").run()
            return .approved(memberID: member,
                             deviceClass: DeviceClass(rawValue: try row.decode(column: "device_class", as: String.self)) ?? .desktop,
                             os: try row.decode(column: "os", as: String.self), osVersion: try row.decode(column: "os_version", as: String.self),
                             browser: try row.decode(column: "browser", as: String.self),
                             ip: try row.decode(column: "requester_ip", as: String.self))
        }
    }
}
