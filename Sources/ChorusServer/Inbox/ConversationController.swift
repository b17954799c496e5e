import ChorusCore
import ChorusStore
import Foundation
import Hummingbird
import HummingbirdCore

/// The inbox API: conversations and their messages, each read through `AccessPolicy`.
struct ConversationController {
    let inbox: InboxRepository
    let outbox: OutboxRepository
    let media: MediaRepository
    let files: MediaFiles
    let mediaCap: Int
    let state: ConversationStateRepository
    let onEnqueued: @Sendable () -> Void

    static let defaultPageSize = 50

    /// `view` (mine, unassigned, all, mentions), `status`, `label`, `team`, `channel`,
    /// `sort` (activity, waiting), `limit`, `cursor`.
    func list(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let query = request.uri.queryParameters
        func parse<T>(_ name: String, _ make: (String) -> T?, _ allowed: String) throws -> T? {
            guard let raw = query[Substring(name)] else { return nil }
            guard let value = make(String(raw)) else { throw ChorusError.badRequest("invalid_\(name)", "\(name) must be \(allowed).") }
            return value
        }
        let page = try await inbox.conversations(ConversationQuery(
            scope: AccessPolicy.scope(for: actor), memberID: actor.memberID,
            view: try parse("view", ConversationQuery.View.init(rawValue:), "one of mine, unassigned, all, mentions") ?? .all,
            status: try parse("status", ConversationStatus.init(rawValue:), "one of open, pending, snoozed, resolved"),
            labelID: try parse("label", { Int64($0) }, "a label id"), teamID: try parse("team", { Int64($0) }, "a team id"),
            channelID: try parse("channel", { Int64($0) }, "a channel id"),
            sort: try parse("sort", ConversationQuery.Sort.init(rawValue:), "activity or waiting") ?? .activity,
            limit: try Self.limit(query), cursor: query["cursor"].map(String.init)))
        return try JSONBody.response(page)
    }

    /// Unread conversations per view, for the caller.
    func counts(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        return try JSONBody.response(try await inbox.unreadCounts(scope: AccessPolicy.scope(for: actor), memberID: actor.memberID))
    }

    func get(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        try JSONBody.response(try await visibleConversation(request, context))
    }

    func messages(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let conversation = try await visibleConversation(request, context)
        let query = request.uri.queryParameters
        let direction = query["direction"].map(String.init) ?? "older"
        guard direction == "older" || direction == "newer" else {
            throw ChorusError.badRequest("invalid_direction", "direction must be older or newer.")
        }
        let page = try await inbox.messages(conversationID: conversation.id, limit: try Self.limit(query),
                                            cursor: query["cursor"].map(String.init), newer: direction == "newer")
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
        /// The newest message the sender's screen showed. If someone else has written since,
        /// the reply is refused with `conversation_changed` unless `confirm` is true.
        var lastSeenMessageId: Int64?
        var confirm: Bool?
    }

    func send(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let conversation = try await conversation(id: try Self.id(context), actor: actor)
        try AccessPolicy.decide(actor, .replyToConversation(assigneeID: conversation.assigneeId)).enforce(what: "The conversation")
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            return try await sendFile(request, conversation: conversation, actor: actor, mimeType: contentType)
        }
        let body = try await JSONBody.decode(Compose.self, from: request)
        if let seen = body.lastSeenMessageId, body.confirm != true {
            let newer = try await state.newerMessages(conversationID: conversation.id, than: seen, excludingSender: actor.memberID)
            if !newer.isEmpty {
                struct Changed: Encodable { var error: ErrorBody.Detail; var messages: [MessageRecord] }
                return try JSONBody.response(Changed(
                    error: .init(code: "conversation_changed",
                                 message: "\(newer.count) new message(s) arrived since you started writing. Read them, then send again to confirm."),
                    messages: newer), status: .conflict)
            }
        }
        let type = body.type ?? "text"
        let (text, content) = try Self.content(type: type, body: body)
        if type != "template" && type != "reaction" { try Self.requireOpenWindow(conversation) }
        let message = try await outbox.enqueue(.init(conversationID: conversation.id, senderMemberID: actor.memberID,
                                                     type: type, text: text, content: content,
                                                     replyToWamid: body.replyTo, clientKey: body.clientKey))
        onEnqueued()
        return try JSONBody.response(message, status: .accepted)
    }

    /// A file upload: the body is the file, its Content-Type the MIME type; `caption`,
    /// `filename`, `replyTo` and `clientKey` come as query parameters. Checked against Meta's
    /// per-type limits and the workspace cap before anything is stored.
    private func sendFile(_ request: Request, conversation: ConversationSummary, actor: Actor,
                          mimeType: String) async throws -> Response {
        try Self.requireOpenWindow(conversation)
        if let length = request.headers[.contentLength].flatMap(Int.init) {
            _ = try MediaPolicy.check(mimeType: mimeType, size: length, workspaceCap: mediaCap)
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: mediaCap)
        } catch {
            throw ChorusError(status: 413, code: "media_too_large", message: "The file is larger than the workspace's limit.")
        }
        let bytes = Array(buffer.readableBytesView)
        let kind = try MediaPolicy.check(mimeType: mimeType, size: bytes.count, workspaceCap: mediaCap)
        let mime = mimeType.split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
        let stored = try await media.record(sha256: try files.store(bytes), mimeType: mime, size: Int64(bytes.count))
        let query = request.uri.queryParameters
        let caption = query["caption"].map(String.init)
        var content: [String: JSONValue] = ["chorus_media": .int(stored.id)]
        if let caption, kind != .audio, kind != .sticker { content["caption"] = .string(caption) }
        if kind == .document { content["filename"] = .string(query["filename"].map(String.init) ?? "document") }
        let message = try await outbox.enqueue(.init(conversationID: conversation.id, senderMemberID: actor.memberID,
                                                     type: kind.rawValue, text: caption, content: .object(content),
                                                     replyToWamid: query["replyTo"].map(String.init),
                                                     clientKey: query["clientKey"].map(String.init)))
        onEnqueued()
        return try JSONBody.response(message, status: .accepted)
    }

    static func requireOpenWindow(_ conversation: ConversationSummary) throws {
        let windowOpen = conversation.windowOpenUntil != nil
        guard windowOpen else {
            throw ChorusError.invalid("window_closed",
                "More than 24 hours have passed since the customer last wrote, so WhatsApp only allows an approved template. Pick a template to reopen the conversation.")
        }
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

    static let maximumPageSize = 200

    static func limit(_ query: FlatDictionary<Substring, Substring>) throws -> Int {
        guard let raw = query["limit"] else { return defaultPageSize }
        // Bounded: one request must not be able to ask for the whole store at once.
        guard let limit = Int(raw), (1...maximumPageSize).contains(limit) else {
            throw ChorusError.badRequest("invalid_limit", "limit must be a whole number from 1 to \(maximumPageSize).")
        }
        return limit
    }
}
