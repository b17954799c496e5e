import ChorusCore
import ChorusStore
import ChorusTestSupport
import Foundation
import SQLKit
import Testing

/// Chorus and the simulator talking real HTTP both ways: signed webhooks in, Graph API calls out.
@Suite("Outbound through the simulator")
struct OutboundTests {
    @Test("a customer writes, an agent replies, the simulator receives it, and the ticks move to read")
    func replyRoundTrip() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            _ = try await server.customerWrites("Where is my order? 我的订单在哪里？", from: "15550101010", name: "Mei")
            let id = try await server.conversationID(token: token, waID: "15550101010")
            let inbound = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: token)
            #expect(inbound.body["items"]?.array?.first?["text"]?.string == "Where is my order? 我的订单在哪里？")

            let sent = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token,
                                                json: .object(["text": .string("It ships today 🚚")]))
            #expect(sent.status == 202)
            #expect(sent.body["status"]?.string == "queued")
            let messageID = sent.body["id"]!.int!
            try await server.eventually(10, "the simulator received the reply") {
                let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
                return log.body["items"]?.array?.contains { $0["body"]?["text"]?["body"]?.string == "It ships today 🚚" } == true
            }
            try await server.eventually(10, "status read") {
                let page = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: token)
                return page.body["items"]?.array?.first { $0["id"]?.int == messageID }?["status"]?.string == "read"
            }
            let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
            #expect(log.body["items"]?.array?.count == 1, "sent exactly once")
        }
    }

    @Test("statuses delivered out of order and twice still end at read, and the reply was sent once")
    func reorderedAndDuplicatedStatuses() async throws {
        try await TestServer.with(simulator: true, configureSimulator: { sim in
            sim.reorderChance = 1
            sim.duplicateChance = 1
        }, Self.replyAmidReorderedStatuses)
    }

    /// (A function rather than a closure: Swift 6.3.1's region checker crashed on the closure.)
    @Sendable static func replyAmidReorderedStatuses(_ server: TestServer) async throws {
        let (_, token) = try await server.member(.standard)
        _ = try await server.customerWrites("hello", from: "15550108080")
        let id = try await server.conversationID(token: token, waID: "15550108080")
        let sent = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token,
                                            json: .object(["text": .string("hi there")]))
        let messageID = sent.body["id"]!.int!
        try await server.eventually(10, "status read") {
            let page = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: token)
            return page.body["items"]?.array?.first { $0["id"]?.int == messageID }?["status"]?.string == "read"
        }
        try await Task.sleep(for: .milliseconds(800))  // let the late `delivered` and the duplicates arrive
        let page = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: token)
        #expect(page.body["items"]?.array?.first { $0["id"]?.int == messageID }?["status"]?.string == "read")
        let inbound = page.body["items"]?.array?.filter { $0["direction"]?.string == "inbound" }.count
        #expect(inbound == 1, "the duplicated customer webhook stored one message")
        let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
        #expect(log.body["items"]?.array?.count == 1)
    }

    @Test("Meta's throughput limit (130429) is retried with backoff until every reply is sent, each exactly once")
    func throttledRetries() async throws {
        try await TestServer.with(simulator: true, configureSimulator: { sim in
            sim.messagesPerSecond = 1  // Meta lets one message a second through
        }, Self.repliesThroughThrottling)
    }

    @Sendable static func repliesThroughThrottling(_ server: TestServer) async throws {
        let (_, token) = try await server.member(.standard)
        var conversations: [Int64] = []
        for index in 0..<3 {
            let waID = "1555010909\(index)"
            _ = try await server.customerWrites("hello \(index)", from: waID)
            conversations.append(try await server.conversationID(token: token, waID: waID))
        }
        for id in conversations {
            let sent = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token,
                                                json: .object(["text": .string("reply to \(id)")]))
            #expect(sent.status == 202)
        }
        try await server.eventually(20, "all three replies reached the simulator") {
            let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
            return log.body["items"]?.array?.count == 3
        }
        try await Task.sleep(for: .milliseconds(500))
        let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
        let texts = log.body["items"]?.array?.compactMap { $0["body"]?["text"]?["body"]?.string } ?? []
        #expect(Set(texts).count == 3 && texts.count == 3, "each reply sent exactly once")
        let metrics = try await server.request("GET", "/metrics")
        #expect(metrics.text.contains(#"chorus_outbound_total{outcome="retry"}"#), "the sender met 130429 and retried")
    }

    @Test("free text outside the 24 h window is refused before calling Meta, with window_closed")
    func windowClosed() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            _ = try await server.customerWrites("hello", from: "15550102020")
            let id = try await server.conversationID(token: token, waID: "15550102020")
            try await server.db.transaction { sql in
                try await sql.raw("UPDATE conversations SET last_inbound_at = \(bind: Clock.nowMillis() - 25 * 3600 * 1000) WHERE id = \(bind: id)").run()
            }
            let refused = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token,
                                                   json: .object(["text": .string("are you there?")]))
            #expect(refused.status == 422)
            #expect(refused.body["error"]?["code"]?.string == "window_closed")
            #expect(refused.body["error"]?["message"]?.string?.contains("template") == true)
            let template = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token, json: .object([
                "type": .string("template"),
                "template": .object(["name": .string("welcome_back"), "language": .object(["code": .string("en_US")]),
                                     "components": .array([])]),
            ]))
            #expect(template.status == 202)
            try await server.eventually(10, "the template was sent") {
                let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
                return log.body["items"]?.array?.count == 1
            }
        }
    }

    @Test("Meta's 131047 failure reaches the message with an explanation for the agent")
    func failedWithExplanation() async throws {
        // The simulator believes the window is closed (it never saw the customer write);
        // Chorus believes it is open, sends, and learns otherwise from the failed status.
        try await TestServer.with(simulator: true) { server in
            _ = try await IngestRepository(server.db).store(Fixtures.batch([
                Fixtures.inbound("x.1", from: "15550103030", phoneNumberID: server.simulatorConfig!.phoneNumberID,
                                 at: Int64(Date().timeIntervalSince1970))]))
            let (_, token) = try await server.member(.standard)
            let id = try await server.conversationID(token: token, waID: "15550103030")
            let sent = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token,
                                                json: .object(["text": .string("hello?")]))
            let messageID = sent.body["id"]!.int!
            try await server.eventually(10, "status failed") {
                let page = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: token)
                return page.body["items"]?.array?.first { $0["id"]?.int == messageID }?["status"]?.string == "failed"
            }
            let page = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: token)
            let failed = page.body["items"]!.array!.first { $0["id"]?.int == messageID }!
            #expect(failed["error"]?["code"]?.int == 131047)
            #expect(failed["error"]?["hint"]?.string?.contains("template") == true)
        }
    }

    @Test("bad replies get clear errors: empty text, too long, unknown type")
    func badReplies() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            _ = try await server.customerWrites("hi", from: "15550104040")
            let id = try await server.conversationID(token: token, waID: "15550104040")
            let cases: [(JSONValue, String)] = [
                (.object(["text": .string("   ")]), "empty_message"),
                (.object(["text": .string(String(repeating: "a", count: 4097))]), "text_too_long"),
                (.object(["type": .string("hologram")]), "unsupported_type"),
                (.object(["text": .int(5)]), "invalid_body"),
            ]
            for (body, code) in cases {
                let reply = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token, json: body)
                #expect(reply.body["error"]?["code"]?.string == code)
                #expect(reply.status == 422 || reply.status == 400)
            }
        }
    }
}
