import ChorusCore
import ChorusStore
import ChorusWhatsApp
import Hummingbird

/// `GET /api/v1/templates` and `POST /api/v1/templates/sync`.
struct TemplateController {
    let templates: TemplateRepository
    let sync: TemplateSync

    func list(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        _ = try context.requireActor()
        let query = request.uri.queryParameters
        let channelID = try query["channelId"].map { raw -> Int64 in
            guard let id = Int64(raw) else { throw ChorusError.badRequest("invalid_channel", "channelId must be a number.") }
            return id
        }
        let items = try await templates.list(channelID: channelID, status: query["status"].map(String.init))
        return try JSONBody.response(["items": items])
    }

    func syncNow(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        _ = try context.requireActor()
        do {
            let count = try await sync.syncAll()
            return try JSONBody.response(["synced": count])
        } catch let error as GraphError {
            throw error.apiError
        }
    }
}
