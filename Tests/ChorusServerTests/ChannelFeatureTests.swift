import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import SQLKit
import Testing

/// Templates, business profile and read receipts, against the simulator over HTTP.
@Suite("Templates, profile and read receipts")
struct ChannelFeatureTests {
    @Test("templates sync from the WABA across pages, are listed, and follow status webhooks")
    func templates() async throws {
        try await TestServer.with(simulator: true) { server in
            // Syncing needs manage_channels (an admin); any member may list what was synced.
            let (_, token) = try await server.member(.admin)
            let (_, agent) = try await server.member(.standard)
            #expect(try await server.request("POST", "/api/v1/templates/sync", token: agent).status == 403)
            // More templates than one page holds, so the sync must follow paging.next.
            let channel = server.channel!
            for index in 0..<120 {
                _ = try await GraphClient(http: server.http).call(
                    channel.graphEndpoint,
                    method: .POST, path: "\(channel.wabaID)/message_templates",
                    body: .object(["name": .string("promo_\(index)"), "language": .string("en_US"), "category": .string("MARKETING"),
                                   "components": .array([])]))
            }
            let synced = try await server.request("POST", "/api/v1/templates/sync", token: token)
            #expect(synced.status == 200)
            #expect(synced.body["synced"]?.int == 123)
            let listed = try await server.request("GET", "/api/v1/templates?status=APPROVED", token: token)
            #expect(listed.body["items"]?.array?.count == 123)

            let body = try ASCIIJSON.encode(JSONValue.object([
                "object": .string("whatsapp_business_account"),
                "entry": .array([.object(["id": .string(channel.wabaID), "time": .int(1751247548), "changes": .array([.object([
                    "field": .string("message_template_status_update"),
                    "value": .object(["event": .string("PAUSED"), "message_template_id": .int(1),
                                      "message_template_name": .string("order_update"),
                                      "message_template_language": .string("en-US"), "reason": .string("NONE")]),
                ])])])]),
            ]))
            let hook = try await server.request("POST", "/webhooks/whatsapp", headers: [
                "X-Hub-Signature-256": WebhookSignature.header(for: body, secret: channel.appSecret)], body: body)
            #expect(hook.status == 200)
            let paused = try await server.request("GET", "/api/v1/templates?status=PAUSED", token: token)
            #expect(paused.body["items"]?.array?.map { $0["name"]?.string } == ["order_update"])
        }
    }

    @Test("the business profile is read by members and changed only with Edit Business Profile")
    func profile() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, agent) = try await server.member(.standard)
            let (_, admin) = try await server.member(.admin)
            let id = server.channel!.id
            let read = try await server.request("GET", "/api/v1/channels/\(id)/profile", token: agent)
            #expect(read.status == 200)
            #expect(read.body["about"]?.string == "Simulated business")
            let denied = try await server.request("PUT", "/api/v1/channels/\(id)/profile", token: agent,
                                                  json: .object(["about": .string("Open 9–18")]))
            #expect(denied.status == 403)
            let changed = try await server.request("PUT", "/api/v1/channels/\(id)/profile", token: admin,
                                                   json: .object(["about": .string("Open 9–18")]))
            #expect(changed.status == 200)
            #expect(changed.body["about"]?.string == "Open 9–18")
            let tooLong = try await server.request("PUT", "/api/v1/channels/\(id)/profile", token: admin,
                                                   json: .object(["about": .string(String(repeating: "x", count: 140))]))
            #expect(tooLong.status == 422)
            let unknown = try await server.request("PUT", "/api/v1/channels/\(id)/profile", token: admin,
                                                   json: .object(["colour": .string("green")]))
            #expect(unknown.body["error"]?["code"]?.string == "unknown_field")
        }
    }

    @Test("opening a conversation marks the customer's message read; typing is shown while replying")
    func readReceipts() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            _ = try await server.customerWrites("anyone there?", from: "15550105050")
            let conversationID = try await server.conversationID(token: token, waID: "15550105050")
            #expect(try await server.request("POST", "/api/v1/conversations/\(conversationID)/read", token: token).status == 204)
            #expect(try await server.request("POST", "/api/v1/conversations/\(conversationID)/typing", token: token).status == 204)
            #expect(try await server.request("POST", "/api/v1/conversations/999999/read", token: token).status == 404)
        }
    }
}
