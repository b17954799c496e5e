import ChorusCore
import Hummingbird

/// Enforces `RouteRule.table` for every signed-in route before its handler runs. A route
/// missing from the table is refused (fail closed) rather than served unchecked.
struct PolicyMiddleware: RouterMiddleware {
    typealias Context = ChorusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let actor = try context.requireActor()
        let key = RouteRule.key(method: request.method.rawValue, path: context.endpointPath ?? "")
        switch RouteRule.table[key] {
        case .none:
            throw ChorusError(status: 403, code: "no_rule", message: "This route has no permission rule, so it is closed.")
        case .open:
            break
        case .action(let action):
            try AccessPolicy.decide(actor, action).enforce(what: "This")
        case .conversation:
            // The handler decides with the conversation's assignee; a member who must first set
            // up two-step verification is stopped here all the same.
            if actor.mustEnrollTwoFactor { try AccessPolicy.decide(actor, .viewTeam).enforce(what: "This") }
        }
        return try await next(request, context)
    }
}
