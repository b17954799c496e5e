import ChorusCore
import ChorusStore
import Foundation
import Hummingbird
import HummingbirdBcrypt

/// `/api/v1/members`: the team directory, invitations, rights, deactivation and batch import.
/// Every change is audited and reaches the member's open devices at once.
struct MemberController {
    let members: MemberRepository
    let invites: InviteRepository
    let templates: PermissionTemplateRepository
    let devices: DeviceRepository
    let security: SecuritySettings
    let hub: DeviceHub
    let bcryptCost: UInt8

    func entry(_ context: ChorusRequestContext, _ action: String, target: Int64?, details: JSONValue = .object([:])) throws -> AuditEntry {
        try context.audit(action, targetType: "member", targetID: target.map(String.init) ?? "", details: details)
    }

    // MARK: directory

    struct DirectoryEntry: Encodable {
        var id: Int64
        var name: String
        var role: Role
        var active: Bool
        /// Only for members who may manage members.
        var email: String?
        var templateId: Int64?
        var twoFactorEnabled: Bool?
    }

    func list(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let admin = actor.permissions.contains(.manageMembers)
        let items = try await members.list().map { m in
            DirectoryEntry(id: m.id, name: m.name, role: m.role, active: m.active, email: admin ? m.email : nil,
                           templateId: admin ? m.templateId : nil, twoFactorEnabled: admin ? m.twoFactorEnabled : nil)
        }
        return try JSONBody.response(["items": items])
    }

    func get(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let member = try await requireMember(context)
        let (template, overrides) = try await members.adjustments(memberID: member.id)
        let settings = try await security.current()
        struct Detail: Encodable {
            var member: MemberRecord
            var overrides: [String: Bool]
            var permissions: [Permission]
            var sendWindow: TimeWindow?
            var devices: [DeviceController.DeviceView]
        }
        return try JSONBody.response(Detail(
            member: member, overrides: Dictionary(uniqueKeysWithValues: overrides.map { ($0.key.rawValue, $0.value) }),
            permissions: PermissionAdjustments.effective(role: member.role, template: template, overrides: overrides).sorted(),
            sendWindow: template?.sendWindow,
            devices: DeviceController.views(try await devices.list(memberID: member.id), current: nil, settings: settings)))
    }

    func requireMember(_ context: ChorusRequestContext) async throws -> MemberRecord {
        guard let id = context.parameters.get("id").flatMap(Int64.init), let member = try await members.find(id: id) else {
            throw ChorusError.notFound("The member")
        }
        return member
    }

    // MARK: invitations

    struct Invite: Decodable {
        var email: String
        var name: String
        var role: Role
        var templateId: Int64?
    }

    struct Invited: Encodable {
        var invite: InviteRecord
        /// Shown once: the person accepts with it (POST /api/v1/invites/accept).
        var token: String
        var acceptPath: String
    }

    func invite(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await JSONBody.decode(Invite.self, from: request)
        try validateIdentity(email: body.email, name: body.name)
        try await requireRoom(for: 1)
        if let templateID = body.templateId, try await templates.find(id: templateID) == nil {
            throw ChorusError.invalid("unknown_template", "There is no permission template with id \(templateID).")
        }
        if body.role == .admin { try AccessPolicy.decide(actor, .changePermissions).enforce(what: "This") }
        let token = SessionTokens.make()
        let settings = try await security.current()
        let invite = try await invites.create(email: body.email, name: body.name, role: body.role, templateID: body.templateId,
                                              tokenHash: SessionTokens.hash(token), invitedBy: actor.memberID,
                                              validMillis: Int64(settings.inviteValidHours) * 3_600_000,
                                              audit: try entry(context, "member.invited", target: nil,
                                                               details: ["email": .string(body.email), "role": .string(body.role.rawValue)]))
        return try JSONBody.response(Invited(invite: invite, token: token, acceptPath: "/#/accept/\(token)"), status: .created)
    }

    func pendingInvites(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(["items": try await invites.pending()])
    }

    struct Accept: Decodable {
        var token: String
        var password: String
    }

    /// The invited person chooses their own password; then they sign in as usual.
    func accept(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(Accept.self, from: request)
        try PasswordPolicy().validate(body.password)
        let member = try await invites.accept(tokenHash: SessionTokens.hash(body.token),
                                              passwordHash: Bcrypt.hash(body.password, cost: bcryptCost))
        return try JSONBody.response(["member": member], status: .created)
    }

    func validateIdentity(email: String, name: String) throws {
        guard email.range(of: #"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$"#, options: .regularExpression) != nil else {
            throw ChorusError.invalid("invalid_email", "\"\(email)\" is not an email address.")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 120 else {
            throw ChorusError.invalid("invalid_name", "The name must have 1 to 120 characters.")
        }
    }

    /// Active members plus open invitations may not exceed the workspace's limit (50 by default).
    func requireRoom(for count: Int) async throws {
        let limit = try await security.current().memberLimit
        let used = try await members.activeCount() + invites.pending().count
        if used + count > limit {
            throw ChorusError.conflict("member_limit_reached",
                                       "The workspace allows \(limit) members; \(used) are active or invited, so \(count) more do not fit.")
        }
    }

    // MARK: rights

    /// `role`, `templateId` (null removes it) and `overrides` ({"permission": true|false}, replacing all).
    func update(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let member = try await requireMember(context)
        let body = try await JSONBody.decode(JSONValue.self, from: request)
        var change = MemberRepository.RightsChange()
        if let role = body["role"] {
            guard let value = role.string.flatMap(Role.init(rawValue:)) else {
                throw ChorusError.invalid("invalid_role", "role must be one of admin, supervisor, standard, restricted.")
            }
            change.role = value
        }
        if let template = body["templateId"] {
            if template == .null {
                change.templateID = .some(nil)
            } else if case .int(let id) = template, try await templates.find(id: id) != nil {
                change.templateID = .some(id)
            } else {
                throw ChorusError.invalid("unknown_template", "templateId must be the id of a permission template, or null.")
            }
        }
        let role = change.role ?? member.role
        if let overrides = body["overrides"] {
            guard let object = overrides.object else {
                throw ChorusError.invalid("invalid_overrides", "overrides must map permission names to true or false.")
            }
            var parsed: [Permission: Bool] = [:]
            for (name, value) in object {
                guard let permission = Permission(rawValue: name), case .bool(let granted) = value else {
                    throw ChorusError.invalid("invalid_overrides", "\"\(name)\" is not a permission, or its value is not true/false.")
                }
                if granted && !role.ceiling.contains(permission) {
                    throw ChorusError.invalid("permission_beyond_role", "The \(role.rawValue) role cannot hold \(name).")
                }
                parsed[permission] = granted
            }
            change.overrides = parsed
        }
        if member.role == .admin, role != .admin { try await requireAnotherAdmin(besides: member.id) }
        let updated = try await members.changeRights(memberID: member.id, change,
                                                     audit: try entry(context, "member.rights_changed", target: member.id, details: body))
        await hub.rightsChanged(memberID: member.id)
        return try JSONBody.response(["member": updated])
    }

    func requireAnotherAdmin(besides id: Int64) async throws {
        let admins = try await members.list().filter { $0.active && $0.role == .admin && $0.id != id }
        if admins.isEmpty {
            throw ChorusError.conflict("last_admin", "This is the last active admin; make someone else an admin first.")
        }
    }

    func deactivate(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let member = try await requireMember(context)
        if member.role == .admin { try await requireAnotherAdmin(besides: member.id) }
        let signedOut = try await members.deactivate(memberID: member.id, audit: try entry(context, "member.deactivated", target: member.id))
        hub.close(devices: signedOut, reason: "member_deactivated")
        return try JSONBody.response(["signedOutDevices": signedOut.count])
    }

    func signOutAll(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let member = try await requireMember(context)
        let ids = try await devices.revokeAll(memberID: member.id, reason: "logged_out_by_admin",
                                              audit: try entry(context, "device.signed_out_all_by_admin", target: member.id))
        hub.close(devices: ids, reason: "logged_out_by_admin")
        return try JSONBody.response(["signedOut": ids.count])
    }

    func teamDevices(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let settings = try await security.current()
        return try JSONBody.response(["items": DeviceController.views(try await devices.listAll(), current: nil, settings: settings)])
    }
}
