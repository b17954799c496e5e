import ChorusCore
import SQLKit

/// Whole-team views: inputs for the conflict check and the advisories, and teams (groups).
public struct TeamRepository: Sendable {
    let db: Database
    public init(_ db: Database) { self.db = db }

    /// Active members with their template, overrides and open assigned conversations, and all templates.
    public func conflictInputs() async throws -> (members: [PermissionConflicts.Member], templates: [PermissionConflicts.Template]) {
        try await db.read { sql in
            let templates = try await sql.raw("SELECT id, name, grants, revokes, send_window FROM permission_templates ORDER BY id")
                .all().map { row in
                    PermissionConflicts.Template(id: try row.decode(column: "id", as: Int64.self),
                                                 name: try row.decode(column: "name", as: String.self),
                                                 adjustments: try PermissionTemplateRepository.adjustments(row))
                }
            var overrides: [Int64: [Permission: Bool]] = [:]
            for row in try await sql.raw("SELECT member_id, permission, granted FROM member_permission_overrides").all() {
                if let permission = Permission(rawValue: try row.decode(column: "permission", as: String.self)) {
                    overrides[try row.decode(column: "member_id", as: Int64.self), default: [:]][permission] =
                        try row.decode(column: "granted", as: Bool.self)
                }
            }
            let members = try await sql.raw("""
                SELECT m.id, m.name, m.role, m.template_id,
                    (SELECT COUNT(*) FROM conversations c WHERE c.assignee_id = m.id AND c.status <> 'resolved') AS open_assigned
                FROM members m WHERE m.active = \(bind: true) ORDER BY m.id
                """).all().map { row in
                    let id = try row.decode(column: "id", as: Int64.self)
                    return PermissionConflicts.Member(
                        id: id, name: try row.decode(column: "name", as: String.self),
                        role: Role(rawValue: try row.decode(column: "role", as: String.self)) ?? .restricted,
                        templateID: try row.decode(column: "template_id", as: Int64?.self), overrides: overrides[id] ?? [:],
                        assignedOpenConversations: try row.decode(column: "open_assigned", as: Int.self))
                }
            return (members, templates)
        }
    }

    /// Active members with the rights in force, for the advisories.
    public func advisoryInputs() async throws -> [TeamAdvisories.Member] {
        let (members, templates) = try await conflictInputs()
        let byID = Dictionary(uniqueKeysWithValues: templates.map { ($0.id, $0.adjustments) })
        return members.map { member in
            TeamAdvisories.Member(id: member.id, name: member.name, role: member.role,
                                  permissions: PermissionAdjustments.effective(role: member.role,
                                                                               template: member.templateID.flatMap { byID[$0] },
                                                                               overrides: member.overrides))
        }
    }

    public struct TeamRecord: Sendable, Codable, Equatable {
        public var id: Int64
        public var name: String
        public var memberIds: [Int64]
    }

    public func teams() async throws -> [TeamRecord] {
        try await db.read { sql in
            var members: [Int64: [Int64]] = [:]
            for row in try await sql.raw("SELECT team_id, member_id FROM team_members ORDER BY member_id").all() {
                members[try row.decode(column: "team_id", as: Int64.self), default: []].append(try row.decode(column: "member_id", as: Int64.self))
            }
            return try await sql.raw("SELECT id, name FROM teams ORDER BY name").all().map { row in
                let id = try row.decode(column: "id", as: Int64.self)
                return TeamRecord(id: id, name: try row.decode(column: "name", as: String.self), memberIds: members[id] ?? [])
            }
        }
    }

    /// Creates the named teams that do not exist yet; returns the names created.
    public func ensureTeams(_ names: [String], audit: AuditEntry) async throws -> [String] {
        try await db.transaction { sql in
            var created: [String] = []
            for name in names where try await sql.raw("SELECT id FROM teams WHERE name = \(bind: name)").first() == nil {
                try await sql.raw("INSERT INTO teams (name, created_at) VALUES (\(bind: name), \(bind: Clock.nowMillis()))").run()
                created.append(name)
            }
            try await AuditLog.append(audit, sql)
            return created
        }
    }
}
