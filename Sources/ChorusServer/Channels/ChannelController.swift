import ChorusCore
import ChorusStore
import Hummingbird

/// `GET /api/v1/channels`: the business numbers, without their secrets.
struct ChannelController {
    let channels: ChannelRepository

    func list(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try AccessPolicy.decide(actor, .viewChannels).enforce(what: "Channels")
        return try JSONBody.response(["items": try await channels.list().map(\.summary)])
    }
}
