import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import SQLKit
import Testing

@Suite("Webhooks over HTTP")
struct WebhookTests {
    static let secret = "test-secret"

    func post(_ server: TestServer, _ payload: JSONValue, secret: String = secret) async throws -> TestServer.Reply {
        let body = try ASCIIJSON.encode(payload)
        return try await server.request("POST", "/webhooks/whatsapp", headers: [
            "Content-Type": "application/json",
            "X-Hub-Signature-256": WebhookSignature.header(for: body, secret: secret),
        ], body: body)
    }

    static func message(_ wamid: String, from: String, text: String, phoneNumberID: String = "100000000000001") -> JSONValue {
        .object(["from": .string(from), "id": .string(wamid), "timestamp": .string("1700000000"), "type": .string("text"),
                 "text": .object(["body": .string(text)])])
    }

    static func change(_ messages: [JSONValue], phoneNumberID: String = "100000000000001") -> JSONValue {
        .object(["field": .string("messages"), "value": .object([
            "messaging_product": .string("whatsapp"),
            "metadata": .object(["display_phone_number": .string("15550100"), "phone_number_id": .string(phoneNumberID)]),
            "contacts": .array([.object(["profile": .object(["name": .string("Zoë")]), "wa_id": .string("111")])]),
            "messages": .array(messages),
        ])])
    }

    static func envelope(_ entries: [[JSONValue]]) -> JSONValue {
        .object(["object": .string("whatsapp_business_account"),
                 "entry": .array(entries.map { .object(["id": .string("200000000000001"), "changes": .array($0)]) })])
    }

    func messageCount(_ db: Database) async throws -> Int {
        try await db.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM messages").first()!.decode(column: "n", as: Int.self) }
    }

    @Test("the GET handshake echoes the challenge only for the right verify token")
    func handshake() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let ok = try await server.request("GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444")
            #expect(ok.status == 200 && ok.text == "1158201444")
            let wrong = try await server.request("GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1")
            #expect(wrong.status == 403)
        }
    }

    @Test("every entry, change and message of a batch is stored; a redelivered batch stores nothing new", arguments: [true, false])
    func wholeBatch(fastPath: Bool) async throws {
        try await TestServer.with(configure: { $0.webhookFastPath = fastPath }) { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let payload = Self.envelope([
                [Self.change([Self.message("w.1", from: "111", text: "one"), Self.message("w.2", from: "111", text: "two")]),
                 Self.change([Self.message("w.3", from: "111", text: "three")])],
                [Self.change([Self.message("w.4", from: "111", text: "四 — ✓")])],
            ])
            #expect(try await post(server, payload).status == 200)
            #expect(try await messageCount(server.db) == 4)
            #expect(try await post(server, payload).status == 200)
            #expect(try await messageCount(server.db) == 4)
            let texts = try await server.db.read { sql in
                try await sql.raw("SELECT text FROM messages ORDER BY id").all().map { try $0.decode(column: "text", as: String.self) }
            }
            #expect(texts == ["one", "two", "three", "四 — ✓"])
        }
    }

    @Test("webhook answers carry no browser security headers, the web app and the API do; each group commit is counted")
    func answerHeadersAndGroupMetrics() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let answer = try await post(server, Self.envelope([[Self.change([Self.message("h.1", from: "111", text: "x")])]]))
            #expect(answer.status == 200)
            #expect(answer.headers["content-security-policy"] == nil && answer.headers["x-content-type-options"] == nil)
            for path in ["/", "/healthz", "/api/v1/conversations"] {
                let reply = try await server.request("GET", path)
                #expect(reply.headers["content-security-policy"]?.contains("default-src 'self'") == true, "\(path)")
                #expect(reply.headers["x-content-type-options"] == "nosniff", "\(path)")
            }
            let metrics = try await server.request("GET", "/metrics").text
            #expect(metrics.contains("chorus_webhook_group_commits_total 1\n"))
            #expect(metrics.contains("chorus_webhook_group_batches_total 1\n"))
        }
    }

    @Test("missing or wrong signatures get 401 and store nothing", arguments: [true, false])
    func signatures(fastPath: Bool) async throws {
        try await TestServer.with(configure: { $0.webhookFastPath = fastPath }) { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let payload = Self.envelope([[Self.change([Self.message("s.1", from: "111", text: "x")])]])
            #expect(try await post(server, payload, secret: "wrong").status == 401)
            let unsigned = try await server.request("POST", "/webhooks/whatsapp", json: payload)
            #expect(unsigned.status == 401)
            #expect(unsigned.body["error"]?["code"]?.string == "invalid_signature")
            #expect(try await messageCount(server.db) == 0)
        }
    }

    @Test("a signature is checked byte for byte: any byte off, a short one, or a bad digit is refused")
    func signatureBytes() throws {
        let body = Array("{\"object\":\"whatsapp_business_account\"}".utf8)
        let key = WebhookSignature.Key(secret: Self.secret)
        let header = WebhookSignature.header(for: body, secret: Self.secret)
        let claimed = try #require(WebhookSignature.claimedMAC(header))
        #expect(WebhookSignature.isValid(claimed, body: body, key: key))
        #expect(WebhookSignature.claimedMAC(header.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256=")) == claimed)
        for index in [0, 15, 31] {
            var off = claimed
            off[index] ^= 0x01
            #expect(!WebhookSignature.isValid(off, body: body, key: key), "byte \(index)")
        }
        #expect(!WebhookSignature.isValid(Array(claimed.dropLast()), body: body, key: key))
        #expect(!WebhookSignature.isValid(claimed, body: body + [0x20], key: key))
        #expect(WebhookSignature.claimedMAC(String(header.dropLast())) == nil)
        #expect(WebhookSignature.claimedMAC(String(header.dropLast()) + "g") == nil)
        #expect(WebhookSignature.claimedMAC("sha1=" + header.dropFirst(7)) == nil)
    }

    @Test("a payload signed with one app's secret cannot write into another app's number", arguments: [true, false])
    func crossApp(fastPath: Bool) async throws {
        try await TestServer.with(configure: { $0.webhookFastPath = fastPath }) { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel("111000", wabaID: "w1", secret: "secret-a"))
            _ = try await ChannelRepository(server.db).add(Fixtures.channel("222000", wabaID: "w2", secret: "secret-b"))
            let intoB = Self.envelope([[Self.change([Self.message("x.1", from: "111", text: "x")], phoneNumberID: "222000")]])
            #expect(try await post(server, intoB, secret: "secret-a").status == 401)
            let both = Self.envelope([[Self.change([Self.message("x.2", from: "1", text: "a")], phoneNumberID: "111000"),
                                       Self.change([Self.message("x.3", from: "1", text: "b")], phoneNumberID: "222000")]])
            #expect(try await post(server, both, secret: "secret-a").status == 401)
            #expect(try await messageCount(server.db) == 0)
            #expect(try await post(server, intoB, secret: "secret-b").status == 200)
            #expect(try await messageCount(server.db) == 1)
        }
    }

    @Test("malformed JSON is a 400, an oversized body a 413, and neither stores anything", arguments: [true, false])
    func badInput(fastPath: Bool) async throws {
        try await TestServer.with(configure: { $0.webhookFastPath = fastPath }) { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let broken = Data("{\"object\": \"whatsapp_business_account\", \"entry\": [".utf8)
            let reply = try await server.request("POST", "/webhooks/whatsapp", headers: [
                "X-Hub-Signature-256": WebhookSignature.header(for: broken, secret: Self.secret)], body: broken)
            #expect(reply.status == 400)
            #expect(reply.body["error"]?["code"]?.string == "malformed_json")
            let huge = Data(repeating: UInt8(ascii: " "), count: 4 << 20 + 10)
            let tooBig = try await server.request("POST", "/webhooks/whatsapp", headers: [
                "X-Hub-Signature-256": WebhookSignature.header(for: huge, secret: Self.secret)], body: huge)
            #expect(tooBig.status == 413)
            #expect(try await messageCount(server.db) == 0)
        }
    }

    @Test("unknown numbers and unknown fields are answered 200 and kept for diagnostics")
    func unknowns() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let strange = Self.envelope([[
                .object(["field": .string("some_future_field"), "value": .object(["hello": .string("world")])]),
                Self.change([Self.message("u.1", from: "1", text: "x")], phoneNumberID: "999999"),
            ]])
            #expect(try await post(server, strange).status == 200)
            let kinds = try await server.db.read { sql in
                try await sql.raw("SELECT kind FROM webhook_unhandled ORDER BY kind").all().map { try $0.decode(column: "kind", as: String.self) }
            }
            #expect(kinds == ["field", "unknown_number"])
            let metrics = try await server.request("GET", "/metrics")
            #expect(metrics.text.contains("chorus_webhook_unhandled_total 2"))
            _ = try await post(server, strange, secret: "wrong")
            let (_, admin) = try await server.member(.admin)
            let (_, agent) = try await server.member(.standard)
            let diagnostics = try await server.request("GET", "/api/v1/diagnostics/webhooks", token: admin)
            #expect(diagnostics.body["health"]?["unhandledByKind"]?["unknown_number"]?.int == 1)
            #expect(diagnostics.body["health"]?["recentUnhandled"]?.array?.count == 2)
            #expect(diagnostics.body["rejectedSinceStart"]?["bad_signature"]?.int == 1)
            #expect(try await server.request("GET", "/api/v1/diagnostics/webhooks", token: agent).status == 403)
        }
    }
}
