import ChorusCore
import Foundation

/// Turns a webhook body into an `InboundBatch`. It walks **every** entry, change, message and
/// status (Chatwoot reads only the first), and never drops what it does not understand: that
/// becomes an `OtherUpdate` with its raw JSON.
public enum WebhookParser {
    public struct Parsed: Sendable {
        public var batch: InboundBatch
        /// The business numbers the payload addresses (metadata.phone_number_id).
        public var phoneNumberIDs: Set<String>
        /// WABA ids of entries (`entry[].id`), for fields without metadata (templates, account).
        public var wabaIDs: Set<String>
    }

    public enum Failure: Error, Equatable {
        case malformedJSON
    }

    public static func parse(_ body: Data) throws(Failure) -> Parsed {
        guard let root = try? JSONValue.parse(body), case .object = root else {
            throw .malformedJSON
        }
        var batch = InboundBatch()
        var numbers = Set<String>()
        var wabas = Set<String>()
        guard let entries = root["entry"]?.array else {
            batch.others.append(OtherUpdate(phoneNumberID: nil, wabaID: nil, field: "", kind: "unknown_shape", raw: root))
            return Parsed(batch: batch, phoneNumberIDs: numbers, wabaIDs: wabas)
        }
        for entry in entries {
            let wabaID = entry["id"]?.string
            if let wabaID { wabas.insert(wabaID) }
            for change in entry["changes"]?.array ?? [] {
                let field = change["field"]?.string ?? ""
                let value = change["value"] ?? .null
                let phoneNumberID = value["metadata"]?["phone_number_id"]?.string
                if let phoneNumberID { numbers.insert(phoneNumberID) }
                parseChange(field: field, value: value, phoneNumberID: phoneNumberID, wabaID: wabaID, into: &batch)
            }
        }
        return Parsed(batch: batch, phoneNumberIDs: numbers, wabaIDs: wabas)
    }

    static func parseChange(field: String, value: JSONValue, phoneNumberID: String?, wabaID: String?,
                            into batch: inout InboundBatch) {
        guard let phoneNumberID, field == "messages" || field == "smb_message_echoes" else {
            batch.others.append(OtherUpdate(phoneNumberID: phoneNumberID, wabaID: wabaID, field: field, kind: "field", raw: value))
            return
        }
        let contacts = (value["contacts"]?.array ?? []).map(identity(fromContact:))
        var understood = false
        for message in value["messages"]?.array ?? [] {
            understood = true
            if let parsed = inboundMessage(message, phoneNumberID: phoneNumberID, contacts: contacts, echo: false) {
                batch.messages.append(parsed)
            } else {
                batch.others.append(OtherUpdate(phoneNumberID: phoneNumberID, wabaID: wabaID, field: field, kind: "message_without_id", raw: message))
            }
        }
        for echo in value["message_echoes"]?.array ?? [] {
            understood = true
            if let parsed = inboundMessage(echo, phoneNumberID: phoneNumberID, contacts: contacts, echo: true) {
                batch.messages.append(parsed)
            } else {
                batch.others.append(OtherUpdate(phoneNumberID: phoneNumberID, wabaID: wabaID, field: field, kind: "message_without_id", raw: echo))
            }
        }
        for status in value["statuses"]?.array ?? [] {
            understood = true
            if let parsed = statusUpdate(status, phoneNumberID: phoneNumberID) {
                batch.statuses.append(parsed)
            } else {
                batch.others.append(OtherUpdate(phoneNumberID: phoneNumberID, wabaID: wabaID, field: field, kind: "status", raw: status))
            }
        }
        if value["errors"] != nil {
            understood = true
            batch.others.append(OtherUpdate(phoneNumberID: phoneNumberID, wabaID: wabaID, field: field, kind: "errors", raw: value))
        }
        if !understood {
            batch.others.append(OtherUpdate(phoneNumberID: phoneNumberID, wabaID: wabaID, field: field, kind: "field", raw: value))
        }
    }

    static func identity(fromContact contact: JSONValue) -> CustomerIdentity {
        CustomerIdentity(waID: contact["wa_id"]?.string, userID: contact["user_id"]?.string,
                         name: contact["profile"]?["name"]?.string, username: contact["profile"]?["username"]?.string)
    }

    static func inboundMessage(_ message: JSONValue, phoneNumberID: String, contacts: [CustomerIdentity],
                               echo: Bool) -> InboundMessage? {
        guard let wamid = message["id"]?.string, !wamid.isEmpty else { return nil }
        let type = message["type"]?.string ?? "unknown"
        // The customer: the sender of an inbound message, the recipient of an echo.
        let waID = echo ? message["to"]?.string : message["from"]?.string
        let userID = echo ? message["to_user_id"]?.string : message["from_user_id"]?.string
        let matching = contacts.first { ($0.waID != nil && $0.waID == waID) || ($0.userID != nil && $0.userID == userID) }
            ?? (contacts.count == 1 && !echo ? contacts.first : nil)
        var customer = CustomerIdentity(waID: waID ?? matching?.waID, userID: userID ?? matching?.userID,
                                        name: matching?.name, username: matching?.username)
        if customer.isEmpty { customer.waID = "unknown" }
        let content = message[type] ?? .null
        var dedupeKey = wamid
        if type == "reaction" {
            dedupeKey += "|reaction|" + (content["emoji"]?.string ?? "")
        }
        if echo { dedupeKey = "echo|" + dedupeKey }
        var parsed = InboundMessage(
            phoneNumberID: phoneNumberID, wamid: wamid, dedupeKey: dedupeKey, customer: customer, type: type,
            text: MessageText.extract(type: type, message: message),
            timestampMillis: (message["timestamp"]?.int ?? Int64(Date().timeIntervalSince1970)) * 1000,
            replyToWamid: message["context"]?["id"]?.string ?? content["message_id"]?.string
                ?? content["original_message_id"]?.string,
            mediaID: content["id"]?.string, raw: message)
        parsed.direction = echo ? .outbound : .inbound
        return parsed
    }

    static func statusUpdate(_ status: JSONValue, phoneNumberID: String) -> StatusUpdate? {
        guard let wamid = status["id"]?.string, let name = status["status"]?.string,
              let value = MessageStatus(rawValue: name.lowercased()),
              [.sent, .delivered, .read, .played, .failed].contains(value),
              status["type"]?.string == nil || status["type"]?.string == "message" else { return nil }
        let error = status["errors"]?.array?.first
        return StatusUpdate(
            phoneNumberID: phoneNumberID, wamid: wamid, status: value,
            timestampMillis: (status["timestamp"]?.int ?? 0) * 1000,
            recipient: CustomerIdentity(waID: status["recipient_id"]?.string, userID: status["recipient_user_id"]?.string),
            errorCode: error?["code"]?.int.map(Int.init), errorTitle: error?["title"]?.string,
            errorDetails: error?["error_data"]?["details"]?.string, raw: status)
    }
}
