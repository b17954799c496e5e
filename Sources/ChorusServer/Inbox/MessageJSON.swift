import ChorusCore
import ChorusStore

/// A message as JSON written straight into text, with the same keys as its Codable form and in
/// the sorted order `JSONValue.serialized` uses: the sync stream writes tens of thousands per
/// second, where JSONEncoder's reflection — and then building a dictionary per message only to
/// sort its keys — was the bottleneck.
enum MessageJSON {
    static func write(_ m: MessageRecord, to out: inout String) {
        out += #"{"content":"#
        m.content.write(to: &out)
        out += #","conversationId":"#
        out += String(m.conversationId)
        out += #","direction":"#
        JSONValue.writeString(m.direction.rawValue, to: &out)
        if let error = m.error {
            var e: [String: JSONValue] = [:]
            if let code = error.code { e["code"] = .int(Int64(code)) }
            if let title = error.title { e["title"] = .string(title) }
            if let details = error.details { e["details"] = .string(details) }
            if let hint = error.hint { e["hint"] = .string(hint) }
            out += #","error":"#
            JSONValue.object(e).write(to: &out)
        }
        out += #","id":"#
        out += String(m.id)
        if let ref = m.mediaRef { out += #","mediaRef":"#; out += String(ref) }
        if let status = m.mediaStatus { out += #","mediaStatus":"#; JSONValue.writeString(status, to: &out) }
        if let reply = m.replyToWamid { out += #","replyToWamid":"#; JSONValue.writeString(reply, to: &out) }
        if let sender = m.senderMemberId { out += #","senderMemberId":"#; out += String(sender) }
        out += #","status":"#
        JSONValue.writeString(m.status.rawValue, to: &out)
        if let text = m.text { out += #","text":"#; JSONValue.writeString(text, to: &out) }
        out += #","timestamp":"#
        out += String(m.timestamp)
        out += #","type":"#
        JSONValue.writeString(m.type, to: &out)
        if let wamid = m.wamid { out += #","wamid":"#; JSONValue.writeString(wamid, to: &out) }
        out += "}"
    }

    static func text(_ m: MessageRecord) -> String {
        var out = ""
        write(m, to: &out)
        return out
    }
}

/// One line of the sync stream, `{"items":[…],"type":"TYPE"}` and a newline, its items written by
/// a direct writer (`MessageJSON`, `ConversationJSON`).
enum SyncBatchLine {
    static func make<Item>(_ type: String, _ items: [Item], bytesPerItem: Int,
                           _ write: (Item, inout String) -> Void) -> String {
        var out = #"{"items":["#
        out.reserveCapacity(items.count * bytesPerItem)
        for (index, item) in items.enumerated() {
            if index > 0 { out += "," }
            write(item, &out)
        }
        out += #"],"type":"#
        JSONValue.writeString(type, to: &out)
        out += "}\n"
        return out
    }
}
