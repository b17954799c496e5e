import ChorusCore
import ChorusStore
import Foundation
import Hummingbird
import HummingbirdCore

/// The inbox API: conversations and their messages, each read through `AccessPolicy`.
struct ConversationController {
    let inbox: InboxRepository
    let outbox: OutboxRepository
    let onEnqueued: @Sendable () -> Void

    static let defaultPageSize = 50
    /// Meta's customer-service window: free text only within 24 h of the customer's last message.
    static let serviceWindowMillis: Int64 = 24 * 3600 * 1000

    func list(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let query = request.uri.queryParameters
        let status = try query["status"].map { raw -> ConversationStatus in
            guard let status = ConversationStatus(rawValue: String(raw)) else {
                throw ChorusError.badRequest("invalid_status", "status must be one of open, pending, snoozed, resolved.")
            }
            return status
        }
        let page = try await inbox.conversations(scope: AccessPolicy.scope(for: actor), status: status,
                                                 limit: try Self.limit(query), cursor: query["cursor"].map(String.init))
        return try JSONBody.response(page)
    }

    func get(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(try await visibleConversation(request, context))
    }

    func messages(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let conversation = try await visibleConversation(request, context)
        let query = request.uri.queryParameters
        let page = try await inbox.messages(conversationID: conversation.id, limit: try Self.limit(query),
                                            cursor: query["cursor"].map(String.init))
        return try JSONBody.response(page)
    }

    struct Compose: Decodable {
        var type: String?
        var text: String?
        var replyTo: String?
        var clientKey: String?
        var template: JSONValue?
        var interactive: JSONValue?
        var reaction: JSONValue?
    }

    func send(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let conversation = try await conversation(id: try Self.id(context), actor: actor)
        try AccessPolicy.decide(actor, .replyToConversation(assigneeID: conversation.assigneeId)).enforce(what: "The conversation")
        let body = try await JSONBody.decode(Compose.self, from: request)
        let type = body.type ?? "text"
        let (text, content) = try Self.content(type: type, body: body)
        if type != "template" && type != "reaction" {
            let windowOpen = conversation.lastInboundAt.map { $0 + Self.serviceWindowMillis > Clock.nowMillis() } ?? false
            guard windowOpen else {
                throw ChorusError.invalid("window_closed",
                    "More than 24 hours have passed since the customer last wrote, so WhatsApp only allows an approved template. Pick a template to reopen the conversation.")
            }
        }
        let message = try await outbox.enqueue(.init(conversationID: conversation.id, senderMemberID: actor.memberID,
                                                     type: type, text: text, content: content,
                                                     replyToWamid: body.replyTo, clientKey: body.clientKey))
        onEnqueued()
        return try JSONBody.response(message, status: .accepted)
    }

    /// The Graph API object for the message, after the checks Meta would make anyway.
    static func content(type: String, body: Compose) throws -> (text: String?, content: JSONValue) {
        switch type {
        case "text":
            guard let text = body.text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
                throw ChorusError.invalid("empty_message", "Write something before sending.")
            }
            guard text.count <= 4096 else {
                throw ChorusError.invalid("text_too_long", "A WhatsApp text message can have at most 4,096 characters.")
            }
            return (text, .object(["body": .string(text), "preview_url": .bool(text.contains("http"))]))
        case "template":
            guard let template = body.template, template["name"]?.string != nil, template["language"] != nil else {
                throw ChorusError.invalid("invalid_template", "A template needs a name and a language.")
            }
            return ("[template \(template["name"]?.string ?? "")]", template)
        case "interactive":
            guard let interactive = body.interactive, interactive["type"]?.string != nil else {
                throw ChorusError.invalid("invalid_interactive", "An interactive message needs a type (button or list).")
            }
            return (interactive["body"]?["text"]?.string, interactive)
        case "reaction":
            guard let reaction = body.reaction, reaction["message_id"]?.string != nil else {
                throw ChorusError.invalid("invalid_reaction", "A reaction needs the message_id it reacts to and an emoji.")
            }
            return (reaction["emoji"]?.string, reaction)
        default:
            throw ChorusError.invalid("unsupported_type", "Messages of type \"\(type)\" cannot be sent through this endpoint.")
        }
    }

    private func visibleConversation(_ request: Request, _ context: ChorusRequestContext) async throws -> ConversationSummary {
        try await conversation(id: try Self.id(context), actor: try context.requireActor())
    }

    private func conversation(id: Int64, actor: Actor) async throws -> ConversationSummary {
        guard let conversation = try await inbox.conversation(id: id, scope: AccessPolicy.scope(for: actor)) else {
            throw ChorusError.notFound("The conversation")
        }
        try AccessPolicy.decide(actor, .viewConversation(assigneeID: conversation.assigneeId)).enforce(what: "The conversation")
        return conversation
    }

    static func id(_ context: ChorusRequestContext) throws -> Int64 {
        guard let raw = context.parameters.get("id"), let id = Int64(raw) else {
            throw ChorusError.notFound("The conversation")
        }
        return id
    }

    static func limit(_ query: FlatDictionary<Substring, Substring>) throws -> Int {
        guard let raw = query["limit"] else { return defaultPageSize }
        guard let limit = Int(raw) else {
            throw ChorusError.badRequest("invalid_limit", "limit must be a whole number.")
        }
        return limit
    }
}
