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

    func entry(_ context: ChorusRequestContext, _ actor: Actor, _ action: String, _ id: Int64) -> AuditEntry {
        AuditEntry(actorMemberID: actor.memberID, deviceID: actor.deviceID, ip: context.remoteAddress, action: action,
                   targetType: "conversation", targetID: String(id))
    }

    func delete(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let (actor, conversation) = try await load(context, .delete)
        let count = try await inbox.deleteHistory(conversationID: conversation.id,
                                                  audit: entry(context, actor, "conversation.history_deleted", conversation.id))
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
        var details = entry(context, actor, "conversation.exported", conversation.id)
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
