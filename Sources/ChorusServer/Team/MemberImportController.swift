import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// `POST /api/v1/members/import`: a CSV with a header row naming `name`, `email`, `role` and
/// optionally `template`. Every row is checked first; then all are invited, or none, and the
/// answer reports each row's outcome (and, on success, each person's invitation token).
struct MemberImportController {
    let members: MemberController
    let invites: InviteRepository
    let templates: PermissionTemplateRepository
    let security: SecuritySettings

    struct RowReport: Encodable {
        var row: Int
        var email: String
        var outcome: String
        var code: String?
        var message: String?
        var inviteId: Int64?
        var token: String?
    }

    struct Report: Encodable {
        var created: Int
        var rows: [RowReport]
    }

    func importCSV(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: 1 << 20) } catch {
            throw ChorusError(status: 413, code: "body_too_large", message: "The CSV is larger than 1 MB.")
        }
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw ChorusError.badRequest("invalid_csv", "The CSV must be UTF-8 text.")
        }
        let table = CSVTable.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        guard let header = table.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }),
              let nameAt = header.firstIndex(of: "name"), let emailAt = header.firstIndex(of: "email"),
              let roleAt = header.firstIndex(of: "role") else {
            throw ChorusError.badRequest("invalid_csv", "The first row must name the columns: name, email, role and optionally template.")
        }
        let templateAt = header.firstIndex(of: "template")
        let rows = Array(table.dropFirst())
        guard !rows.isEmpty else { throw ChorusError.badRequest("invalid_csv", "The CSV has no member rows.") }
        guard rows.count <= 500 else { throw ChorusError.badRequest("invalid_csv", "Import at most 500 rows at once.") }

        let templatesByName = Dictionary(try await templates.list().map { ($0.name.lowercased(), $0.id) }, uniquingKeysWith: { a, _ in a })
        let taken = Set(try await members.members.list().map { $0.email.lowercased() })
        let invited = try await invites.pendingEmails()
        var seen: Set<String> = []
        var reports: [RowReport] = []
        var valid: [(row: Int, invite: InviteRepository.NewInvite, token: String)] = []
        for (index, fields) in rows.enumerated() {
            let number = index + 2 // 1-based, after the header
            func field(_ at: Int?) -> String {
                guard let at, at < fields.count else { return "" }
                return fields[at].trimmingCharacters(in: .whitespaces)
            }
            let email = field(emailAt).lowercased()
            var problem: (String, String)?
            do {
                try members.validateIdentity(email: email, name: field(nameAt))
            } catch let error as ChorusError {
                problem = (error.code, error.message)
            }
            let role = Role(rawValue: field(roleAt).lowercased())
            var templateID: Int64?
            if problem == nil, role == nil {
                problem = ("invalid_role", "\"\(field(roleAt))\" is not a role (admin, supervisor, standard, restricted).")
            }
            if problem == nil, !field(templateAt).isEmpty {
                templateID = templatesByName[field(templateAt).lowercased()]
                if templateID == nil { problem = ("unknown_template", "There is no template named \"\(field(templateAt))\".") }
            }
            if problem == nil, role == .admin, AccessPolicy.decide(actor, .changePermissions) != .allow {
                problem = ("step_up_required", "Inviting admins needs the step-up PIN.")
            }
            if problem == nil, taken.contains(email) { problem = ("email_taken", "A member with this email already exists.") }
            if problem == nil, invited.contains(email) { problem = ("already_invited", "This email already has an open invitation.") }
            if problem == nil, seen.contains(email) { problem = ("duplicate_row", "This email appears twice in the file.") }
            seen.insert(email)
            if let (code, message) = problem {
                reports.append(RowReport(row: number, email: email, outcome: "error", code: code, message: message))
            } else {
                let token = SessionTokens.make()
                valid.append((number, .init(email: email, name: field(nameAt), role: role!, templateID: templateID,
                                            tokenHash: SessionTokens.hash(token)), token))
                reports.append(RowReport(row: number, email: email, outcome: "valid"))
            }
        }
        if reports.contains(where: { $0.outcome == "error" }) {
            return try JSONBody.response(Report(created: 0, rows: reports.map { r in
                var r = r
                if r.outcome == "valid" { r.outcome = "not_created" }
                return r
            }), status: .unprocessableContent)
        }
        try await members.requireRoom(for: valid.count)
        let settings = try await security.current()
        let created = try await invites.createAll(valid.map(\.invite), invitedBy: actor.memberID,
                                                  validMillis: Int64(settings.inviteValidHours) * 3_600_000,
                                                  audit: try members.entry(context, "member.imported", target: nil,
                                                                           details: ["count": .int(Int64(valid.count))]))
        let result = zip(valid, created).map { item, invite in
            RowReport(row: item.row, email: invite.email, outcome: "invited", inviteId: invite.id, token: item.token)
        }
        return try JSONBody.response(Report(created: created.count, rows: result), status: .created)
    }
}
