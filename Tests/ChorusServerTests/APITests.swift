import ChorusCore
import ChorusServer
import ChorusStore
import ChorusTestSupport
import Foundation
import SQLKit
import Testing

@Suite("API basics")
struct APITests {
    @Test("healthz reports the database; errors have one JSON shape")
    func healthAndErrors() async throws {
        try await TestServer.with { server in
            let health = try await server.request("GET", "/healthz")
            #expect(health.status == 200)
            #expect(health.body["database"]?.string == "reachable")
            #expect(health.body["engine"]?.string == TestDatabase.engineName)
            let missing = try await server.request("GET", "/api/v1/nothing-here")
            #expect(missing.status == 401 || missing.status == 404)
            #expect(missing.body["error"]?["code"]?.string != nil)
            let unknown = try await server.request("GET", "/nothing-here")
            #expect(unknown.status == 404)
            #expect(unknown.body["error"]?["code"]?.string == "not_found")
            let metrics = try await server.request("GET", "/metrics")
            #expect(metrics.text.contains(#"chorus_http_requests_total{method="GET",route="/healthz",status="200"} "#))
            #expect(metrics.text.contains("# TYPE chorus_http_request_duration_seconds histogram"))
            let unauthenticated = try await server.request("GET", "/api/v1/conversations")
            #expect(unauthenticated.status == 401)
            #expect(unauthenticated.body["error"]?["code"]?.string == "unauthenticated")
        }
    }

    @Test("sign-in gives a token; a wrong password and an unknown email get the same answer")
    func signIn() async throws {
        try await TestServer.with { server in
            let (member, token) = try await server.member(.standard, email: "sam@test.chorus")
            let me = try await server.request("GET", "/api/v1/me", token: token)
            #expect(me.status == 200)
            #expect(me.body["member"]?["id"]?.int == member.id)
            let wrong = try await server.request("POST", "/api/v1/sessions",
                                                 json: .object(["email": .string("sam@test.chorus"), "password": .string("nope-nope-nope")]))
            let unknown = try await server.request("POST", "/api/v1/sessions",
                                                   json: .object(["email": .string("who@test.chorus"), "password": .string("nope-nope-nope")]))
            #expect(wrong.status == 401 && unknown.status == 401)
            #expect(wrong.body == unknown.body)
            let bad = try await server.request("POST", "/api/v1/sessions", json: .object(["email": .string("x")]))
            #expect(bad.status == 400)
            #expect(bad.body["error"]?["code"]?.string == "invalid_body")
            let out = try await server.request("DELETE", "/api/v1/sessions/current", token: token)
            #expect(out.status == 204)
            #expect(try await server.request("GET", "/api/v1/me", token: token).status == 401)
        }
    }

    @Test("a 5th login evicts the 1st device, whose next request gets 401 device_evicted")
    func deviceEviction() async throws {
        try await TestServer.with { server in
            let (member, first) = try await server.member(.standard)
            var others: [String] = []
            for _ in 0..<4 { others.append(try await server.signIn(member.email)) }
            let evicted = try await server.request("GET", "/api/v1/me", token: first)
            #expect(evicted.status == 401)
            #expect(evicted.body["error"]?["code"]?.string == "device_evicted")
            for token in others { #expect(try await server.request("GET", "/api/v1/me", token: token).status == 200) }
            let devices = try await server.request("GET", "/api/v1/devices", token: others[0])
            #expect(devices.body["items"]?.array?.count == 4)
        }
    }

    @Test("a restricted member gets 404 for an unassigned conversation and does not find it in the list")
    func restrictedVisibility() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            _ = try await IngestRepository(server.db).store(Fixtures.batch([Fixtures.inbound("a.1", from: "1"), Fixtures.inbound("b.1", from: "2")]))
            let (rita, ritaToken) = try await server.member(.restricted)
            let (_, anaToken) = try await server.member(.standard)
            let all = try await server.request("GET", "/api/v1/conversations", token: anaToken).body["items"]!.array!
            #expect(all.count == 2)
            let mineID = all[0]["id"]!.int!
            let otherID = all[1]["id"]!.int!
            try await server.db.transaction { sql in
                try await sql.raw("UPDATE conversations SET assignee_id = \(bind: rita.id) WHERE id = \(bind: mineID)").run()
            }
            let list = try await server.request("GET", "/api/v1/conversations", token: ritaToken).body["items"]!.array!
            #expect(list.map { $0["id"]!.int! } == [mineID])
            for path in ["/api/v1/conversations/\(otherID)", "/api/v1/conversations/\(otherID)/messages"] {
                let hidden = try await server.request("GET", path, token: ritaToken)
                #expect(hidden.status == 404, "\(path)")
            }
            let reply = try await server.request("POST", "/api/v1/conversations/\(otherID)/messages", token: ritaToken,
                                                 json: .object(["text": .string("hi")]))
            #expect(reply.status == 404)
            #expect(try await server.request("GET", "/api/v1/conversations/\(mineID)", token: ritaToken).status == 200)
        }
    }

    @Test("conversations and messages paginate as {items, nextCursor}; bad parameters are 400s")
    func pagination() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            _ = try await IngestRepository(server.db).store(Fixtures.batch((0..<7).map { Fixtures.inbound("p.\($0)", from: "1", at: 1_700_000_000 + Int64($0)) }
                                                                            + (0..<4).map { Fixtures.inbound("q.\($0)", from: "2\($0)") }))
            let (_, token) = try await server.member(.standard)
            let first = try await server.request("GET", "/api/v1/conversations?limit=3", token: token)
            #expect(first.body["items"]?.array?.count == 3)
            let cursor = first.body["nextCursor"]!.string!
            let second = try await server.request("GET", "/api/v1/conversations?limit=3&cursor=\(cursor)", token: token)
            #expect(second.body["items"]?.array?.count == 2)
            #expect(second.body["nextCursor"] == .null)
            let id = first.body["items"]!.array!.first { $0["contact"]?["waId"]?.string == "1" }!["id"]!.int!
            let messages = try await server.request("GET", "/api/v1/conversations/\(id)/messages?limit=5", token: token)
            #expect(messages.body["items"]?.array?.first?["wamid"]?.string == "p.6")
            #expect(messages.body["nextCursor"]?.string != nil)
            for query in ["limit=0", "limit=abc", "cursor=zzz", "status=weird"] {
                let bad = try await server.request("GET", "/api/v1/conversations?\(query)", token: token)
                #expect(bad.status == 400, "\(query)")
            }
        }
    }

    @Test("the OpenAPI document lists exactly the routes the server has")
    func openAPIParity() async throws {
        try await TestServer.with { server in
            let document = try await server.request("GET", "/openapi.json")
            #expect(document.body["openapi"]?.string == "3.1.0")
            var documented = Set<String>()
            for (path, item) in document.body["paths"]?.object ?? [:] {
                for method in (item.object ?? [:]).keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let (router, _) = buildRouter(config: ServerConfig(database: .sqlite(path: "", synchronous: .full)),
                                          db: server.db, httpClient: server.http, logger: TestDatabase.logger)
            let routed = Set(router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                return "\(route.method.rawValue) /" + path.joined(separator: "/")
            })
            #expect(routed.subtracting(documented).isEmpty, "routes missing from openapi.json: \(routed.subtracting(documented).sorted())")
            #expect(documented.subtracting(routed).isEmpty, "documented routes that do not exist: \(documented.subtracting(routed).sorted())")
        }
    }
}
