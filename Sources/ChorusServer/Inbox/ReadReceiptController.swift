import ChorusCore
import ChorusStore
import ChorusWhatsApp
import Hummingbird

/// `POST /api/v1/conversations/{id}/read` (an agent opened it: blue ticks for the customer) and
/// `POST /api/v1/conversations/{id}/typing` (the customer sees "typing…" while an agent writes).
struct ReadReceiptController {
    let inbox: InboxRepository
    let channels: ChannelRepository
    let graph: GraphClient
    let state: ConversationStateRepository

    func markRead(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try await signal(context, typing: false)
    }

    func typing(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try await signal(context, typing: true)
    }

    private func signal(_ context: ChorusRequestContext, typing: Bool) async throws -> Response {
        let actor = try context.requireActor()
        guard let raw = context.parameters.get("id"), let id = Int64(raw),
              let conversation = try await inbox.conversation(id: id, scope: AccessPolicy.scope(for: actor)) else {
            throw ChorusError.notFound("The conversation")
        }
        let action: Action = typing ? .replyToConversation(assigneeID: conversation.assigneeId)
                                    : .viewConversation(assigneeID: conversation.assigneeId)
        try AccessPolicy.decide(actor, action).enforce(what: "The conversation")
        // Reading clears the conversation from the member's unread counts, whatever Meta says.
        if !typing { try await state.markRead(conversationID: id, memberID: actor.memberID) }
        guard let latest = try await inbox.latestInbound(conversationID: id),
              let channel = try await channels.find(id: latest.channelID) else {
            return Response(status: .noContent)  // nothing from the customer to acknowledge
        }
        do {
            try await graph.markRead(channel.endpoint, wamid: latest.wamid, typing: typing)
        } catch let error as GraphError {
            throw error.apiError
        }
        return Response(status: .noContent)
    }
}
