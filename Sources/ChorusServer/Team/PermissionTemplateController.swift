import ChorusCore
import ChorusStore
import Hummingbird

/// `/api/v1/permission-templates`: named adjustments ("CS Night Shift") applied to members.
struct PermissionTemplateController {
    let templates: PermissionTemplateRepository
    let members: MemberRepository
    let hub: DeviceHub

    struct Body: Decodable {
        var name: String
        var description: String?
        var grants: [String]?
        var revokes: [String]?
        /// "HH:MM-HH:MM" in the workspace's time zone, or null for no window.
        var sendWindow: String?
    }

    func list(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(["items": try await templates.list()])
    }

    func create(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (name, description, adjustments) = try await parse(request)
        let id = try await templates.create(name: name, description: description, adjustments: adjustments,
                                            audit: try audit(context, "template.created", nil))
        return try JSONBody.response(["template": try await templates.find(id: id)], status: .created)
    }

    func update(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let id = try templateID(context)
        let (name, description, adjustments) = try await parse(request)
        try await templates.update(id: id, name: name, description: description, adjustments: adjustments,
                                   audit: try audit(context, "template.changed", id))
        try await notifyMembers(of: id)
        return try JSONBody.response(["template": try await templates.find(id: id)])
    }

    func delete(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let id = try templateID(context)
        let affected = try await members.list().filter { $0.templateId == id }
        try await templates.delete(id: id, audit: try audit(context, "template.deleted", id))
        for member in affected { await hub.rightsChanged(memberID: member.id) }
        return Response(status: .noContent)
    }

    func notifyMembers(of id: Int64) async throws {
        for member in try await members.list() where member.templateId == id { await hub.rightsChanged(memberID: member.id) }
    }

    func templateID(_ context: ChorusRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw ChorusError.notFound("The template") }
        return id
    }

    func audit(_ context: ChorusRequestContext, _ action: String, _ id: Int64?) throws -> AuditEntry {
        try context.audit(action, targetType: "template", targetID: id.map(String.init) ?? "")
    }

    func parse(_ request: Request) async throws -> (String, String, PermissionAdjustments) {
        let body = try await JSONBody.decode(Body.self, from: request)
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 80 else {
            throw ChorusError.invalid("invalid_name", "The template name must have 1 to 80 characters.")
        }
        func permissions(_ names: [String]?) throws -> Set<Permission> {
            Set(try (names ?? []).map { name in
                guard let permission = Permission(rawValue: name) else {
                    throw ChorusError.invalid("unknown_permission", "\"\(name)\" is not a permission.")
                }
                return permission
            })
        }
        var window: TimeWindow?
        if let text = body.sendWindow {
            guard let parsed = TimeWindow(text) else {
                throw ChorusError.invalid("invalid_time_window", "sendWindow must look like \"23:00-07:00\".")
            }
            window = parsed
        }
        return (name, body.description ?? "", PermissionAdjustments(grants: try permissions(body.grants),
                                                                     revokes: try permissions(body.revokes), sendWindow: window))
    }
}
