import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// Labels and quick replies: everyone reads them; members with Manage Labels or Set
/// Auto-Replies change them (RouteRules).
struct CatalogueController {
    let catalogue: CatalogueRepository

    func labels(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(["items": try await catalogue.labels()])
    }

    func createLabel(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        struct Body: Decodable { var name: String; var color: String? }
        let body = try await JSONBody.decode(Body.self, from: request)
        let name = body.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 40 else { throw ChorusError.invalid("invalid_name", "A label name has 1 to 40 characters.") }
        let color = body.color ?? "#2f855a"
        guard color.range(of: "^#[0-9a-fA-F]{6}$", options: .regularExpression) != nil else {
            throw ChorusError.invalid("invalid_color", "color must look like #2f855a.")
        }
        return try JSONBody.response(try await catalogue.createLabel(name: name, color: color), status: .created)
    }

    func deleteLabel(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try await catalogue.deleteLabel(id: try Self.id(context, "The label"))
        return Response(status: .noContent)
    }

    func quickReplies(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(["items": try await catalogue.quickReplies()])
    }

    struct ReplyBody: Decodable { var shortcut: String; var title: String?; var body: String }

    func createQuickReply(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try await save(request, context: context, id: nil, status: .created)
    }

    func updateQuickReply(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try await save(request, context: context, id: try Self.id(context, "The quick reply"), status: .ok)
    }

    func save(_ request: Request, context: ChorusRequestContext, id: Int64?, status: HTTPResponse.Status) async throws -> Response {
        let actor = try context.requireActor()
        let body = try await JSONBody.decode(ReplyBody.self, from: request)
        let shortcut = body.shortcut.hasPrefix("/") ? String(body.shortcut.dropFirst()) : body.shortcut
        guard shortcut.range(of: "^[a-z0-9_-]{1,30}$", options: .regularExpression) != nil else {
            throw ChorusError.invalid("invalid_shortcut", "A shortcut has 1 to 30 lowercase letters, digits, - or _.")
        }
        let text = body.body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 4096 else { throw ChorusError.invalid("invalid_body", "The reply text has 1 to 4,096 characters.") }
        let saved = try await catalogue.saveQuickReply(id: id, shortcut: shortcut, title: body.title ?? shortcut, body: text, by: actor.memberID)
        return try JSONBody.response(saved, status: status)
    }

    func deleteQuickReply(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try await catalogue.deleteQuickReply(id: try Self.id(context, "The quick reply"))
        return Response(status: .noContent)
    }

    static func id(_ context: ChorusRequestContext, _ what: String) throws -> Int64 {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw ChorusError.notFound(what) }
        return id
    }
}
