import ChorusCore
import Foundation

/// Builds webhook bodies in Meta's envelope (reference §1.4, §2, §3).
enum WebhookPayloads {
    static func envelope(_ config: SimulatorConfig, value: [String: JSONValue]) -> JSONValue {
        var value = value
        value["messaging_product"] = .string("whatsapp")
        value["metadata"] = .object(["display_phone_number": .string(config.displayNumber.filter(\.isNumber)),
                                     "phone_number_id": .string(config.phoneNumberID)])
        return .object([
            "object": .string("whatsapp_business_account"),
            "entry": .array([.object(["id": .string(config.wabaID),
                                      "changes": .array([.object(["field": .string("messages"), "value": .object(value)])])])]),
        ])
    }

    static func customerMessage(_ config: SimulatorConfig, from waID: String, name: String, wamid: String,
                                timestamp: Int, type: String, content: JSONValue, context: String? = nil) -> JSONValue {
        var message: [String: JSONValue] = ["from": .string(waID), "id": .string(wamid),
                                            "timestamp": .string(String(timestamp)), "type": .string(type), type: content]
        if let context { message["context"] = .object(["from": .string(config.displayNumber.filter(\.isNumber)), "id": .string(context)]) }
        return envelope(config, value: [
            "contacts": .array([.object(["profile": .object(["name": .string(name)]), "wa_id": .string(waID)])]),
            "messages": .array([.object(message)]),
        ])
    }

    static func status(_ config: SimulatorConfig, wamid: String, status: String, recipient: String, timestamp: Int,
                       error: (code: Int, title: String, details: String)? = nil) -> JSONValue {
        var object: [String: JSONValue] = ["id": .string(wamid), "status": .string(status),
                                           "timestamp": .string(String(timestamp)), "recipient_id": .string(recipient)]
        if status == "sent" {
            object["pricing"] = .object(["billable": .bool(false), "pricing_model": .string("PMP"),
                                         "type": .string("free_customer_service"), "category": .string("service")])
        }
        if let error {
            object["errors"] = .array([.object([
                "code": .int(Int64(error.code)), "title": .string(error.title), "message": .string(error.title),
                "error_data": .object(["details": .string(error.details)]),
                "href": .string("/documentation/business-messaging/whatsapp/support/error-codes"),
            ])])
        }
        return envelope(config, value: ["statuses": .array([.object(object)])])
    }
}
