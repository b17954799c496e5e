import ChorusCore
import ChorusStore

/// A conversation as JSON written straight into text, with the same keys as its Codable form and
/// in the sorted order `JSONValue.serialized` uses. Why: a new device's sync sends thousands of
/// conversations, and JSONEncoder's reflection over them took 16 % of the server's CPU in a
/// PostgreSQL sync (perf, BENCHMARKS.md session 14) — as much as reading them.
enum ConversationJSON {
    static func write(_ c: ConversationSummary, to out: inout String) {
        out += "{"
        if let assignee = c.assigneeId { out += #""assigneeId":"#; out += String(assignee); out += "," }
        out += #""channelId":"#
        out += String(c.channelId)
        out += #","contact":{"id":"#
        out += String(c.contact.id)
        if let name = c.contact.name { out += #","name":"#; JSONValue.writeString(name, to: &out) }
        if let userID = c.contact.userId { out += #","userId":"#; JSONValue.writeString(userID, to: &out) }
        if let username = c.contact.username { out += #","username":"#; JSONValue.writeString(username, to: &out) }
        if let waID = c.contact.waId { out += #","waId":"#; JSONValue.writeString(waID, to: &out) }
        out += #"},"id":"#
        out += String(c.id)
        out += #","labelIds":["#
        for (index, label) in c.labelIds.enumerated() {
            if index > 0 { out += "," }
            out += String(label)
        }
        out += "]"
        if let inbound = c.lastInboundAt { out += #","lastInboundAt":"#; out += String(inbound) }
        out += #","lastMessageAt":"#
        out += String(c.lastMessageAt)
        out += #","lastMessagePreview":"#
        JSONValue.writeString(c.lastMessagePreview, to: &out)
        if let until = c.snoozedUntil { out += #","snoozedUntil":"#; out += String(until) }
        out += #","status":"#
        JSONValue.writeString(c.status.rawValue, to: &out)
        if let team = c.teamId { out += #","teamId":"#; out += String(team) }
        if let unread = c.unread { out += #","unread":"#; out += unread ? "true" : "false" }
        out += #","version":"#
        out += String(c.version)
        if let until = c.windowOpenUntil { out += #","windowOpenUntil":"#; out += String(until) }
        out += "}"
    }

    static func text(_ c: ConversationSummary) -> String {
        var out = ""
        write(c, to: &out)
        return out
    }
}
