import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import SQLKit
import Testing

/// Webhooks served in the connection's pipeline (`WebhookFastPath`) beside requests the
/// router answers, on one connection: answers leave in request order whichever side serves them.
@Suite("Webhooks in the connection's pipeline")
struct WebhookFastPathTests {
    static func signedPost(_ wamid: String, secret: String = WebhookTests.secret) throws -> String {
        let payload = WebhookTests.envelope([[WebhookTests.change([WebhookTests.message(wamid, from: "111", text: wamid)])]])
        let body = try ASCIIJSON.encode(payload)
        return "POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "X-Hub-Signature-256: \(WebhookSignature.header(for: body, secret: secret))\r\n"
            + "Content-Length: \(body.count)\r\n\r\n" + String(decoding: body, as: UTF8.self)
    }

    static let healthz = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    static func fastPathCount(_ server: TestServer) async throws -> Int? {
        let metrics = try await server.request("GET", "/metrics").text
        return metrics.split(separator: "\n").first { $0.hasPrefix("chorus_webhook_fast_path_total ") }
            .flatMap { Int($0.split(separator: " ")[1]) }
    }

    @Test("pipelined webhooks, a refused one and other requests on one connection are answered in order", arguments: [true, false])
    func pipelinedInOrder(fastPath: Bool) async throws {
        try await TestServer.with(configure: { $0.webhookFastPath = fastPath }) { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            // A webhook first, alone: it reads the channel list that later ones find ready.
            let first = try RawConnection(baseURL: server.baseURL)
            first.send(try Self.signedPost("p.0"))
            #expect(try first.readAnswer().status == 200)

            // Then, sent at once: each kind after each other kind.
            let connection = try RawConnection(baseURL: server.baseURL)
            let requests = [try Self.signedPost("p.1"), try Self.signedPost("p.2"), Self.healthz, try Self.signedPost("p.3"),
                            try Self.signedPost("p.bad", secret: "wrong"), try Self.signedPost("p.4"), Self.healthz,
                            try Self.signedPost("p.5")]
            connection.send(requests.joined())
            var answers: [(status: Int, headers: [String: String], body: String)] = []
            for _ in requests { answers.append(try connection.readAnswer()) }
            #expect(answers.map(\.status) == [200, 200, 200, 200, 401, 200, 200, 200])
            for answer in answers where answer.body == "OK" {   // the same headers whichever path answered
                #expect(answer.headers["content-type"] == "text/plain" && answer.headers["server"] == "Chorus")
                #expect(answer.headers["date"]?.hasSuffix(" GMT") == true && answer.headers["content-length"] == "2")
            }
            #expect(answers.map(\.body)[0...1] == ["OK", "OK"])
            #expect(answers[2].body.contains("\"status\""), "the health check's own answer, in its place: \(answers[2].body)")
            #expect(answers[4].body.contains("invalid_signature"))

            let stored = try await server.db.read { sql in
                try await sql.raw("SELECT wamid FROM messages ORDER BY id").all().map { try $0.decode(column: "wamid", as: String.self) }
            }
            #expect(stored == ["p.0", "p.1", "p.2", "p.3", "p.4", "p.5"])
            // Counted alike whichever path answered.
            let metrics = try await server.request("GET", "/metrics").text
            #expect(metrics.contains(#"chorus_http_requests_total{method="POST",route="/webhooks/whatsapp",status="200"} 6"#))
            #expect(metrics.contains(#"chorus_http_requests_total{method="POST",route="/webhooks/whatsapp",status="401"} 1"#))
            let served = try await Self.fastPathCount(server)
            if fastPath {
                // At least the webhooks sent with nothing else open before them on the connection.
                #expect((served ?? 0) >= 2, "served in the pipeline: \(served ?? 0)")
            } else {
                #expect(served == nil)
            }
        }
    }

    @Test("a webhook over 256 kB is stored through the router, off the event loop")
    func largeBodyThroughRouter() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let small = WebhookTests.envelope([[WebhookTests.change([WebhookTests.message("l.1", from: "111", text: "small")])]])
            #expect(try await WebhookTests().post(server, small).status == 200)
            #expect(try await WebhookTests().post(server, small).status == 200)   // the list is read now: in the pipeline
            let before = try await Self.fastPathCount(server) ?? 0
            #expect(before >= 1)
            let text = String(repeating: "long message ", count: 25_000)   // 325 kB
            let large = WebhookTests.envelope([[WebhookTests.change([WebhookTests.message("l.2", from: "111", text: text)])]])
            #expect(try await WebhookTests().post(server, large).status == 200)
            #expect(try await Self.fastPathCount(server) == before)
            let stored = try await server.db.read { sql in
                try await sql.raw("SELECT text FROM messages WHERE wamid = 'l.2'").first()?.decode(column: "text", as: String.self)
            }
            #expect(stored == text)
        }
    }

    @Test("a webhook that asks to close the connection is answered and the connection closed")
    func connectionClose() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let connection = try RawConnection(baseURL: server.baseURL)
            connection.send(try Self.signedPost("c.1").replacingOccurrences(of: "Host: 127.0.0.1\r\n", with: "Host: 127.0.0.1\r\nConnection: close\r\n"))
            #expect(try connection.readAnswer().status == 200)
            #expect(connection.drainFindsClosed(within: 5))
        }
    }
}
