import ChorusCore
import ChorusStore
import Hummingbird

/// `GET /api/v1/search?q=…`: messages and customers, only from conversations the caller may see;
/// `GET /api/v1/contacts/{id}`: the customer profile, likewise.
struct SearchController {
    let search: SearchRepository
    let contacts: ContactRepository
    let notes: NoteRepository

    func find(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let query = request.uri.queryParameters
        guard let text = query["q"].map(String.init), !text.trimmingCharacters(in: .whitespaces).isEmpty, text.count <= 200 else {
            throw ChorusError.badRequest("invalid_query", "q must hold 1 to 200 characters to search for.")
        }
        let limit = try ConversationController.limit(query)
        guard (1...200).contains(limit) else { throw ChorusError.badRequest("invalid_limit", "limit must be between 1 and 200.") }
        return try JSONBody.response(try await search.search(text, scope: AccessPolicy.scope(for: actor), limit: limit))
    }

    func profile(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard let id = context.parameters.get("id").flatMap(Int64.init),
              let profile = try await contacts.profile(contactID: id, scope: AccessPolicy.scope(for: actor), notes: notes) else {
            throw ChorusError.notFound("The customer")
        }
        return try JSONBody.response(profile)
    }
}
