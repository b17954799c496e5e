import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// Deleting and exporting a conversation's history: each needs its permission and the
/// step-up PIN, and each is audited.
struct ConversationHistoryController {
    let inbox: InboxRepository
    let audit: AuditRepository

    func load(_ context: ChorusRequestContext, _ rule: RouteRule.ConversationAction) async throws -> (Actor, ConversationSummary) {
        let actor = try context.requireActor()
        let id = try ConversationController.id(context)
        guard let conversation = try await inbox.conversation(id: id, scope: AccessPolicy.scope(for: actor)) else {
            throw ChorusError.notFound("The conversation")
        }
        for action in rule.actions(assignee: conversation.assigneeId) {
            try AccessPolicy.decide(actor, action).enforce(what: "The conversation")
        }
        return (actor, conversation)
    }

    func entry(_ context: ChorusRequestContext, _ actor: Actor, _ action: String, _ id: Int64) throws -> AuditEntry {
        try context.audit(action, targetType: "conversation", targetID: String(id))
    }

    func delete(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (actor, conversation) = try await load(context, .delete)
        let count = try await inbox.deleteHistory(conversationID: conversation.id,
                                                  audit: try entry(context, actor, "conversation.history_deleted", conversation.id))
        return try JSONBody.response(["deletedMessages": count])
    }

    /// `?format=json` (default) or `csv`.
    func export(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (actor, conversation) = try await load(context, .export)
        let format = request.uri.queryParameters.get("format") ?? "json"
        guard format == "json" || format == "csv" else {
            throw ChorusError.badRequest("invalid_format", "format must be json or csv.")
        }
        let messages = try await inbox.allMessages(conversationID: conversation.id)
        var details = try entry(context, actor, "conversation.exported", conversation.id)
        details.details = .object(["format": .string(format), "messages": .int(Int64(messages.count))])
        try await audit.record(details)
        let name = "conversation-\(conversation.id).\(format)"
        if format == "json" {
            struct Export: Encodable { var conversation: ConversationSummary; var messages: [MessageRecord] }
            var response = try JSONBody.response(Export(conversation: conversation, messages: messages))
            response.headers[.contentDisposition] = "attachment; filename=\"\(name)\""
            return response
        }
        var csv = "id,timestamp,direction,type,status,sender_member_id,text\r\n"
        for m in messages {
            csv += [String(m.id), String(m.timestamp), m.direction.rawValue, m.type, m.status.rawValue,
                    m.senderMemberId.map(String.init) ?? "", m.text ?? ""].map(Self.csvField).joined(separator: ",") + "\r\n"
        }
        return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"\(name)\""],
                        body: .init(byteBuffer: ByteBuffer(string: csv)))
    }

    /// `GET /api/v1/exports/conversations?view=&status=&label=&team=&channel=&format=json|csv`:
    /// every conversation of the filtered set the caller may see, with its messages, streamed.
    func exportSet(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        try AccessPolicy.decide(actor, .exportConversations).enforce(what: "This")
        let query = request.uri.queryParameters
        let format = query.get("format") ?? "json"
        guard format == "json" || format == "csv" else { throw ChorusError.badRequest("invalid_format", "format must be json or csv.") }
        func id(_ name: String) throws -> Int64? {
            guard let raw = query.get(name) else { return nil }
            guard let value = Int64(raw) else { throw ChorusError.badRequest("invalid_\(name)", "\(name) must be an id.") }
            return value
        }
        var filter = ConversationQuery(scope: AccessPolicy.scope(for: actor), memberID: actor.memberID, limit: 200, cursor: nil)
        if let raw = query.get("view") {
            guard let view = ConversationQuery.View(rawValue: raw) else { throw ChorusError.badRequest("invalid_view", "view must be one of mine, unassigned, all, mentions.") }
            filter.view = view
        }
        if let raw = query.get("status") {
            guard let status = ConversationStatus(rawValue: raw) else { throw ChorusError.badRequest("invalid_status", "status must be one of open, pending, snoozed, resolved.") }
            filter.status = status
        }
        filter.labelID = try id("label")
        filter.teamID = try id("team")
        filter.channelID = try id("channel")
        let entry = try context.audit("conversations.exported", targetType: "conversations",
                                      details: ["format": .string(format), "query": .string(request.uri.query ?? "")])
        try await audit.record(entry)
        let inbox = self.inbox
        let start = filter
        let body = ResponseBody { writer in
            var first = true
            try await writer.write(ByteBuffer(string: format == "json" ? "{\"conversations\":[" : "conversation_id,customer,message_id,timestamp,direction,type,status,sender_member_id,text\r\n"))
            var page = start
            var exported = 0
            repeat {
                let result = try await inbox.conversations(page)
                for conversation in result.items {
                    let messages = try await inbox.allMessages(conversationID: conversation.id)
                    if format == "json" {
                        struct Item: Encodable { var conversation: ConversationSummary; var messages: [MessageRecord] }
                        var data = try JSONBody.encoder.encode(Item(conversation: conversation, messages: messages))
                        if !first { data.insert(UInt8(ascii: ","), at: 0) }
                        first = false
                        try await writer.write(ByteBuffer(bytes: data))
                    } else {
                        var csv = ""
                        let customer = conversation.contact.name ?? conversation.contact.waId ?? ""
                        for m in messages {
                            csv += [String(conversation.id), customer, String(m.id), String(m.timestamp), m.direction.rawValue, m.type,
                                    m.status.rawValue, m.senderMemberId.map(String.init) ?? "", m.text ?? ""]
                                .map(Self.csvField).joined(separator: ",") + "\r\n"
                        }
                        try await writer.write(ByteBuffer(string: csv))
                    }
                    exported += 1
                }
                page.cursor = result.nextCursor
            } while page.cursor != nil && exported < 10_000
            if format == "json" { try await writer.write(ByteBuffer(string: "]}")) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: format == "json" ? "application/json" : "text/csv; charset=utf-8",
                                               .contentDisposition: "attachment; filename=\"conversations.\(format)\""], body: body)
    }

    /// Quotes a field, and defuses spreadsheet formulas in customer text (CSV injection).
    static func csvField(_ value: String) -> String {
        var value = value
        if let first = value.first, "=+-@\t\r".contains(first), Int(value) == nil { value = "'" + value }
        if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return value
    }
}
