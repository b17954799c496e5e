import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// What agents do to a conversation besides replying: take it, hand it over, change its
/// status, label it and leave internal notes with @mentions.
struct ConversationActionsController {
    let inbox: InboxRepository
    let state: ConversationStateRepository
    let notes: NoteRepository
    let members: MemberRepository
    let actors: ActorLoader
    let onChanged: @Sendable () -> Void

    /// Loads the conversation the caller may see and applies the route's decisions.
    func load(_ context: ChorusRequestContext, _ rule: RouteRule.ConversationAction) async throws -> (Actor, ConversationSummary) {
        let actor = try context.requireActor()
        guard let conversation = try await inbox.conversation(id: try ConversationController.id(context), scope: AccessPolicy.scope(for: actor)) else {
            throw ChorusError.notFound("The conversation")
        }
        for action in rule.actions(assignee: conversation.assigneeId) {
            try AccessPolicy.decide(actor, action).enforce(what: "The conversation")
        }
        return (actor, conversation)
    }

    func updated(_ id: Int64, actor: Actor) async throws -> Response {
        onChanged()
        guard let conversation = try await inbox.conversation(id: id, scope: AccessPolicy.scope(for: actor)) else {
            // Handing a conversation away can take it out of a restricted member's sight.
            return Response(status: .noContent)
        }
        return try JSONBody.response(conversation)
    }

    /// `{"memberId": 7 | null, "teamId": 2 | null}`; "take" is assigning to oneself.
    func assign(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (actor, conversation) = try await load(context, .assign)
        let body = try await JSONBody.decode(JSONValue.self, from: request)
        func id(_ key: String) throws -> Int64? {
            switch body[key] {
            case .none, .some(.null): return nil
            case .some(let value):
                guard case .int(let id) = value else { throw ChorusError.badRequest("invalid_body", "\(key) must be an id or null.") }
                return id
            }
        }
        try await state.assign(conversationID: conversation.id, memberID: try id("memberId"), teamID: try id("teamId"), by: actor.memberID)
        return try await updated(conversation.id, actor: actor)
    }

    func assignments(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (_, conversation) = try await load(context, .view)
        return try JSONBody.response(["items": try await state.assignments(conversationID: conversation.id)])
    }

    struct StatusBody: Decodable {
        var status: ConversationStatus
        /// Unix milliseconds; required for `snoozed`.
        var snoozedUntil: Int64?
    }

    func setStatus(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (actor, conversation) = try await load(context, .update)
        let body = try await JSONBody.decode(StatusBody.self, from: request)
        if body.status == .snoozed {
            guard let until = body.snoozedUntil, until > Clock.nowMillis() else {
                throw ChorusError.invalid("invalid_snooze", "Snoozing needs snoozedUntil, a time in the future (Unix milliseconds).")
            }
        }
        try await state.setStatus(conversationID: conversation.id, status: body.status, snoozedUntil: body.snoozedUntil, by: actor.memberID)
        return try await updated(conversation.id, actor: actor)
    }

    func setLabels(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (actor, conversation) = try await load(context, .label)
        struct Labels: Decodable { var labelIds: [Int64] }
        let body = try await JSONBody.decode(Labels.self, from: request)
        try await state.setLabels(conversationID: conversation.id, labelIDs: body.labelIds, by: actor.memberID)
        return try await updated(conversation.id, actor: actor)
    }

    func listNotes(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (_, conversation) = try await load(context, .view)
        return try JSONBody.response(["items": try await notes.list(conversationID: conversation.id)])
    }

    static let maximumMentions = 2

    /// `{"body": "…", "mentions": [memberId, …]}`: at most 2 mentions, each of a member who can
    /// open this conversation (a mention they could not follow would only leak its existence).
    func addNote(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (actor, conversation) = try await load(context, .update)
        struct NoteBody: Decodable { var body: String; var mentions: [Int64]? }
        let body = try await JSONBody.decode(NoteBody.self, from: request)
        let text = body.body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 4000 else {
            throw ChorusError.invalid("invalid_note", "A note must have 1 to 4,000 characters.")
        }
        let mentions = Array(Set(body.mentions ?? [])).sorted()
        guard mentions.count <= Self.maximumMentions else {
            throw ChorusError.invalid("too_many_mentions", "A note can mention at most \(Self.maximumMentions) members; this one mentions \(mentions.count).")
        }
        for id in mentions {
            guard let member = try await members.find(id: id), member.active else {
                throw ChorusError.invalid("unknown_member", "There is no active member with id \(id).")
            }
            let probe = try await actors.memberActor(member)
            guard AccessPolicy.decide(probe, .viewConversation(assigneeID: conversation.assigneeId)) == .allow else {
                throw ChorusError.invalid("mention_cannot_see", "\(member.name) cannot open this conversation, so they cannot be mentioned in it.")
            }
        }
        let note = try await notes.add(conversationID: conversation.id, authorID: actor.memberID, body: text, mentions: mentions)
        onChanged()
        return try JSONBody.response(note, status: .created)
    }
}
