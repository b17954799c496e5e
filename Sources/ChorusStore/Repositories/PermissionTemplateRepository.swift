import ChorusCore
import SQLKit

public struct PermissionTemplateRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String
    public var description: String
    public var grants: [Permission]
    public var revokes: [Permission]
    public var sendWindow: TimeWindow?
    public var memberCount: Int

    public var adjustments: PermissionAdjustments {
        PermissionAdjustments(grants: Set(grants), revokes: Set(revokes), sendWindow: sendWindow)
    }
}

/// Permission templates ("CS Night Shift"): named adjustments applied to members.
public struct PermissionTemplateRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    public func list() async throws -> [PermissionTemplateRecord] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT t.id, t.name, t.description, t.grants, t.revokes, t.send_window,
                    (SELECT COUNT(*) FROM members m WHERE m.template_id = t.id AND m.active = \(bind: true)) AS member_count
                FROM permission_templates t ORDER BY t.name
                """).all().map(Self.decode)
        }
    }

    public func find(id: Int64) async throws -> PermissionTemplateRecord? {
        try await list().first { $0.id == id }
    }

    public func create(name: String, description: String, adjustments: PermissionAdjustments, audit: AuditEntry) async throws -> Int64 {
        do {
            return try await db.transaction { sql in
                let row = try await sql.raw("""
                    INSERT INTO permission_templates (name, description, grants, revokes, send_window, created_at)
                    VALUES (\(bind: name), \(bind: description), \(bind: Self.encode(adjustments.grants)),
                        \(bind: Self.encode(adjustments.revokes)), \(bind: adjustments.sendWindow?.description), \(bind: Clock.nowMillis()))
                    RETURNING id
                    """).first()
                let id = try row!.decode(column: "id", as: Int64.self)
                var audit = audit
                audit.targetID = String(id)
                try await AuditLog.append(audit, sql)
                return id
            }
        } catch StoreError.uniqueViolation {
            throw ChorusError.conflict("template_name_taken", "A template named \"\(name)\" already exists.")
        }
    }

    /// Replaces a template's content; members using it get the new rights on their next request.
    public func update(id: Int64, name: String, description: String, adjustments: PermissionAdjustments, audit: AuditEntry) async throws {
        do {
            try await db.transaction { sql in
                let rows = try await sql.raw("""
                    UPDATE permission_templates SET name = \(bind: name), description = \(bind: description),
                        grants = \(bind: Self.encode(adjustments.grants)), revokes = \(bind: Self.encode(adjustments.revokes)),
                        send_window = \(bind: adjustments.sendWindow?.description)
                    WHERE id = \(bind: id) RETURNING id
                    """).all()
                guard !rows.isEmpty else { throw ChorusError.notFound("The template") }
                try await sql.raw("""
                    UPDATE members SET permissions_version = permissions_version + 1 WHERE template_id = \(bind: id)
                    """).run()
                try await AuditLog.append(audit, sql)
            }
        } catch StoreError.uniqueViolation {
            throw ChorusError.conflict("template_name_taken", "A template named \"\(name)\" already exists.")
        }
    }

    /// Deletes a template; its members fall back to their role's defaults and overrides.
    public func delete(id: Int64, audit: AuditEntry) async throws {
        try await db.transaction { sql in
            try await sql.raw("UPDATE members SET template_id = NULL WHERE template_id = \(bind: id)").run()
            let rows = try await sql.raw("DELETE FROM permission_templates WHERE id = \(bind: id) RETURNING id").all()
            guard !rows.isEmpty else { throw ChorusError.notFound("The template") }
            try await AuditLog.append(audit, sql)
        }
    }

    static func encode(_ permissions: Set<Permission>) -> String {
        JSONText.encode(.array(permissions.sorted().map { .string($0.rawValue) }))
    }

    static func permissions(_ text: String) -> [Permission] {
        (JSONText.decode(text).array ?? []).compactMap { $0.string.flatMap(Permission.init(rawValue:)) }
    }

    static func adjustments(_ row: any SQLRow) throws -> PermissionAdjustments {
        PermissionAdjustments(grants: Set(permissions(try row.decode(column: "grants", as: String.self))),
                              revokes: Set(permissions(try row.decode(column: "revokes", as: String.self))),
                              sendWindow: try row.decode(column: "send_window", as: String?.self).flatMap(TimeWindow.init))
    }

    static func decode(_ row: any SQLRow) throws -> PermissionTemplateRecord {
        let adjustments = try adjustments(row)
        return PermissionTemplateRecord(
            id: try row.decode(column: "id", as: Int64.self), name: try row.decode(column: "name", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            grants: adjustments.grants.sorted(), revokes: adjustments.revokes.sorted(), sendWindow: adjustments.sendWindow,
            memberCount: try row.decode(column: "member_count", as: Int.self))
    }
}
