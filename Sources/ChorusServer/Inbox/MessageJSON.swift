import ChorusCore
import ChorusStore

/// A message as JSON through the direct writer (`JSONValue.serialized`), with the same keys as its
/// Codable form: the sync stream writes tens of thousands per second, where JSONEncoder's
/// reflection over every field and the nested `content` document was the bottleneck.
enum MessageJSON {
    static func value(_ m: MessageRecord) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .int(m.id), "conversationId": .int(m.conversationId), "direction": .string(m.direction.rawValue),
            "type": .string(m.type), "status": .string(m.status.rawValue), "content": m.content, "timestamp": .int(m.timestamp),
        ]
        if let wamid = m.wamid { fields["wamid"] = .string(wamid) }
        if let text = m.text { fields["text"] = .string(text) }
        if let reply = m.replyToWamid { fields["replyToWamid"] = .string(reply) }
        if let sender = m.senderMemberId { fields["senderMemberId"] = .int(sender) }
        if let ref = m.mediaRef { fields["mediaRef"] = .int(ref) }
        if let status = m.mediaStatus { fields["mediaStatus"] = .string(status) }
        if let error = m.error {
            var e: [String: JSONValue] = [:]
            if let code = error.code { e["code"] = .int(Int64(code)) }
            if let title = error.title { e["title"] = .string(title) }
            if let details = error.details { e["details"] = .string(details) }
            if let hint = error.hint { e["hint"] = .string(hint) }
            fields["error"] = .object(e)
        }
        return .object(fields)
    }

    /// One NDJSON line `{"type":"messages","items":[…]}` followed by a newline.
    static func batchLine(_ messages: [MessageRecord]) -> String {
        JSONValue.object(["type": "messages", "items": .array(messages.map(value))]).serialized + "\n"
    }
}
