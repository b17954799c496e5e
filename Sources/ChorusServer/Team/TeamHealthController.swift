import ChorusCore
import ChorusStore
import Hummingbird

/// The team's health: the permission conflict report (daily and on demand), the advisories,
/// the size presets and the teams list.
struct TeamHealthController {
    let team: TeamRepository
    let settings: SettingsRepository
    let audit: AuditRepository

    struct ConflictReport: Codable, Sendable {
        var checkedAt: Int64
        var findings: [PermissionConflicts.Finding]
    }

    /// Runs the check and stores the report (also called by the daily job).
    static func runCheck(team: TeamRepository, settings: SettingsRepository) async throws -> ConflictReport {
        let (members, templates) = try await team.conflictInputs()
        let report = ConflictReport(checkedAt: Clock.nowMillis(), findings: PermissionConflicts.check(members: members, templates: templates))
        try await settings.put("conflict_report", report, audit: nil)
        return report
    }

    func latestConflicts(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        if let report = try await settings.get("conflict_report", as: ConflictReport.self) { return try JSONBody.response(report) }
        return try JSONBody.response(try await Self.runCheck(team: team, settings: settings))
    }

    func checkConflicts(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(try await Self.runCheck(team: team, settings: settings))
    }

    func advisories(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        struct Answer: Encodable {
            var advisories: [TeamAdvisories.Advisory]
            var presets: [TeamPreset]
            var appliedPreset: String?
            var roleCounts: [String: Int]
        }
        let members = try await team.advisoryInputs()
        let counts = Dictionary(grouping: members, by: { $0.role.rawValue }).mapValues(\.count)
        return try JSONBody.response(Answer(advisories: TeamAdvisories.evaluate(members), presets: TeamPreset.all,
                                            appliedPreset: try await settings.get("team_preset", as: String.self),
                                            roleCounts: counts))
    }

    /// Applying a preset creates its teams and records it; the advisories then compare the
    /// team against its recommended shape. Nobody's rights are changed behind an admin's back.
    func applyPreset(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        guard let name = context.parameters.get("name"), let preset = TeamPreset.all.first(where: { $0.name == name }) else {
            throw ChorusError.notFound("The preset")
        }
        let entry = try context.audit("team.preset_applied", targetType: "preset", targetID: name)
        let created = try await team.ensureTeams(preset.teams, audit: entry)
        try await settings.put("team_preset", preset.name, audit: nil)
        struct Applied: Encodable { var preset: TeamPreset; var teamsCreated: [String] }
        return try JSONBody.response(Applied(preset: preset, teamsCreated: created))
    }

    func teams(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(["items": try await team.teams()])
    }

    func auditEvents(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = min(max(query.get("limit").flatMap(Int.init) ?? 50, 1), 200)
        let items = try await audit.list(before: query.get("before").flatMap(Int64.init), limit: limit,
                                         action: query.get("action").map { String($0) })
        struct Page: Encodable { var items: [AuditRecord]; var nextBefore: Int64? }
        return try JSONBody.response(Page(items: items, nextBefore: items.count == limit ? items.last?.id : nil))
    }

    func verifyAudit(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let result = try await audit.verify()
        struct Verified: Encodable { var intact: Bool; var checked: Int; var brokenAt: Int64? }
        return try JSONBody.response(Verified(intact: result.brokenAt == nil, checked: result.checked, brokenAt: result.brokenAt))
    }
}
