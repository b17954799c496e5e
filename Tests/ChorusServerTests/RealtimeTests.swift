import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import Testing

@Suite("Real time: the device WebSocket", .serialized)
struct RealtimeTests {
    @Test("a customer's message reaches every entitled device with its content, and none of a restricted member's")
    func messagesReachEntitledDevices() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, admin) = try await server.member(.admin)
            let (_, restricted) = try await server.member(.restricted)
            let adminSocket = try await TestSocket.connect(server, token: admin)
            let restrictedSocket = try await TestSocket.connect(server, token: restricted)
            _ = try await server.customerWrites("Where is my order #123?", from: "4915550002")
            try await adminSocket.waitFor(5, "the message frame") { frames in
                frames.contains { $0["type"]?.string == "message.created" && $0["message"]?["text"]?.string == "Where is my order #123?" }
            }
            let conversation = try await server.conversationID(token: admin, waID: "4915550002")
            // The restricted member sees it nowhere: not live, not by id, not in the list.
            try await Task.sleep(for: .milliseconds(300))
            #expect(restrictedSocket.events.isEmpty, "\(restrictedSocket.events)")
            #expect(try await server.request("GET", "/api/v1/conversations/\(conversation)", token: restricted).status == 404)
            #expect(try await server.request("GET", "/api/v1/conversations/\(conversation)/messages", token: restricted).status == 404)
            let list = try await server.request("GET", "/api/v1/conversations", token: restricted)
            #expect(list.body["items"]?.array?.isEmpty == true)
            // Reconnecting from 0 replays nothing hidden either.
            let replay = try await TestSocket.connect(server, token: restricted, lastEventID: 0)
            try await Task.sleep(for: .milliseconds(200))
            #expect(replay.events.isEmpty)
            await adminSocket.close()
            await restrictedSocket.close()
            await replay.close()
        }
    }

    @Test("the events endpoint refuses a last_event_id that is not an event id (400) and a plain GET (426)")
    func eventsEndpointRefusesWhatItCannotServe() async throws {
        try await TestServer.with { server in
            let (_, token) = try await server.member(.standard)
            let plain = try await server.request("GET", "/api/v1/events", token: token)
            #expect(plain.status == 426 && plain.body["error"]?["code"]?.string == "upgrade_required")
            for bad in ["abc", "-1", "9223372036854775808"] {
                let reply = try await server.request("GET", "/api/v1/events?last_event_id=\(bad)", token: token)
                #expect(reply.status == 400 && reply.body["error"]?["code"]?.string == "invalid_last_event_id", "\(bad)")
            }
        }
    }

    @Test("a device offline for 1,000 events receives all 1,000 in order on reconnect")
    func replayAfterReconnect() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            let lastSeen = try await Self.markBeforeGoingOffline(server, token: token)
            let phone = server.channel!.phoneNumberID
            let messages = (0..<1000).map { i in
                Fixtures.inbound("wamid.offline.\(i)", from: "49155500\(i % 7)", text: "message \(i)", phoneNumberID: phone,
                                 at: 1_800_000_000 + Int64(i))
            }
            _ = try await IngestRepository(server.db).store(Fixtures.batch(messages))
            let again = try await TestSocket.connect(server, token: token, lastEventID: lastSeen)
            try await again.waitFor(10, "1,000 replayed events") { $0.filter { $0["type"]?.string == "message.created" }.count >= 1000 }
            Self.expectEachOnceInOrder(again, texts: (0..<1000).map { "message \($0)" })
            await again.close()
        }
    }

    @Test("a device reconnecting while messages keep arriving gets each event once, in order, from replay then live")
    func reconnectDuringLiveTraffic() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            let lastSeen = try await Self.markBeforeGoingOffline(server, token: token)
            let channel = server.channel!
            // 2,000 to replay from the store, then 600 more through signed webhooks while the
            // device catches up and after: each commit wakes the event pump at once, so live
            // events arrive while the replay is still being written.
            let stored = (0..<2000).map { i in
                Fixtures.inbound("wamid.during.\(i)", from: "49155501\(i % 5)", text: "during \(i)",
                                 phoneNumberID: channel.phoneNumberID, at: 1_800_000_000 + Int64(i))
            }
            _ = try await IngestRepository(server.db).store(Fixtures.batch(stored))
            let writer = Task {
                for start in stride(from: 2000, to: 2600, by: 6) {
                    let messages = (start..<start + 6).map { WebhookTests.message("wamid.during.\($0)", from: "491555019", text: "during \($0)") }
                    let body = try ASCIIJSON.encode(WebhookTests.envelope([[WebhookTests.change(messages, phoneNumberID: channel.phoneNumberID)]]))
                    let reply = try await server.request("POST", "/webhooks/whatsapp", headers: [
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": WebhookSignature.header(for: body, secret: channel.appSecret)], body: body)
                    guard reply.status == 200 else { throw TestFailure("webhook answered \(reply.status)") }
                }
            }
            let again = try await TestSocket.connect(server, token: token, lastEventID: lastSeen)
            try await writer.value
            try await again.waitFor(20, "2,600 events") { $0.filter { $0["type"]?.string == "message.created" }.count >= 2600 }
            try await Task.sleep(for: .milliseconds(300))
            Self.expectEachOnceInOrder(again, texts: (0..<2600).map { "during \($0)" })
            await again.close()
        }
    }

    @Test("a device that stops reading is closed once 8 MiB of frames wait for it; the others get everything")
    func stalledDeviceIsClosed() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            let stalled = try StalledSocket(baseURL: server.baseURL, token: token)
            let healthy = try await TestSocket.connect(server, token: token)
            // About 24 MB of frames: more than the kernel's buffers and the 8 MiB limit together.
            let body = String(repeating: "x", count: 4000)
            let phone = server.channel!.phoneNumberID
            for chunk in 0..<6 {
                _ = try await IngestRepository(server.db).store(Fixtures.batch((0..<1000).map { i in
                    Fixtures.inbound("wamid.stall.\(chunk).\(i)", from: "49155502\(i % 5)", text: "\(chunk).\(i) \(body)",
                                     phoneNumberID: phone, at: 1_800_000_000 + Int64(chunk * 1000 + i))
                }))
            }
            try await healthy.waitFor(60, "6,000 events") { $0.filter { $0["type"]?.string == "message.created" }.count >= 6000 }
            #expect(stalled.drainFindsClosed(within: 10), "the stalled device's connection was closed by the server")
            await healthy.close()
        }
    }

    /// Connects once and leaves: the event id a device would reconnect from.
    static func markBeforeGoingOffline(_ server: TestServer, token: String) async throws -> Int64 {
        let first = try await TestSocket.connect(server, token: token)
        let lastSeen = first.frames.value.first { $0["type"]?.string == "hello" }!["lastEventId"]!.int!
        await first.close()
        return lastSeen
    }

    /// Every message event arrived once, in id order, and carried exactly these texts.
    static func expectEachOnceInOrder(_ socket: TestSocket, texts expected: [String]) {
        let ids = socket.events.compactMap { $0["id"]?.int }
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "in order, no duplicates")
        let texts = socket.events.compactMap { $0["message"]?["text"]?.string }
        #expect(texts.count == expected.count)
        #expect(Set(texts) == Set(expected))
    }

    @Test("a 5th login closes the 1st device's socket at once with device_evicted")
    func evictionClosesSocket() async throws {
        try await TestServer.with { server in
            let (member, first) = try await server.member(.standard)
            let socket = try await TestSocket.connect(server, token: first)
            for _ in 0..<4 { _ = try await server.signIn(member.email) }
            let closed = try await socket.waitForClose(2)
            #expect(closed.code == 4401)
            #expect(closed.reason == "device_evicted")
        }
    }

    @Test("a rights change reaches the member's open devices in under 100 ms and narrows what they receive")
    func rightsChangeIsPushed() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, admin) = try await server.member(.admin)
            try await server.stepUp(admin)
            let (agent, token) = try await server.member(.standard)
            let sockets = [try await TestSocket.connect(server, token: token), try await TestSocket.connect(server, token: server.signIn(agent.email))]
            let started = Date()
            let change = try await server.request("PATCH", "/api/v1/members/\(agent.id)", token: admin,
                                                  json: ["overrides": ["view_all_conversations": false]])
            #expect(change.status == 200)
            for socket in sockets {
                try await socket.waitFor(1, "permissions.changed") { $0.contains { $0["type"]?.string == "permissions.changed" } }
            }
            let elapsed = Date().timeIntervalSince(started)
            #expect(elapsed < 0.1 + 0.1, "pushed \(elapsed) s after the request was sent (the request itself included)")
            _ = try await server.customerWrites("Anyone?", from: "4915550003")
            _ = try await server.conversationID(token: admin, waID: "4915550003")
            try await Task.sleep(for: .milliseconds(300))
            for socket in sockets {
                #expect(!socket.events.contains { $0["type"]?.string == "message.created" }, "an unassigned conversation is no longer visible")
                await socket.close()
            }
        }
    }
}

@Suite("Real time: presence and typing", .serialized)
struct PresenceTests {
    @Test("who is viewing and typing is shown to everyone else who may see the conversation, and to nobody else")
    func presence() async throws {
        try await TestServer.with(simulator: true) { server in
            let (a, aToken) = try await server.member(.standard)
            let (_, bToken) = try await server.member(.standard)
            let (_, rToken) = try await server.member(.restricted)
            _ = try await server.customerWrites("is anyone there?", from: "4915550060")
            let id = try await server.conversationID(token: aToken, waID: "4915550060")
            let sa = try await TestSocket.connect(server, token: aToken)
            let sb = try await TestSocket.connect(server, token: bToken)
            let sr = try await TestSocket.connect(server, token: rToken)
            try await sa.send(["type": "viewing", "conversationId": .int(id)])
            try await sb.waitFor(2, "A viewing") { $0.contains { $0["type"]?.string == "presence" && $0["viewing"] == [.int(a.id)] } }
            try await sa.send(["type": "typing", "conversationId": .int(id)])
            try await sb.waitFor(2, "A typing") { $0.contains { $0["type"]?.string == "presence" && $0["typing"] == [.int(a.id)] } }
            // The restricted member may not see the conversation: no presence for it, and her own
            // probe of it is ignored.
            try await sr.send(["type": "viewing", "conversationId": .int(id)])
            try await Task.sleep(for: .milliseconds(200))
            #expect(!sr.frames.value.contains { $0["type"]?.string == "presence" })
            #expect(!sb.frames.value.contains { $0["type"]?.string == "presence" && $0["viewing"]?.array?.count == 2 })
            // A leaves: B sees the conversation empty again.
            await sa.close()
            try await sb.waitFor(2, "A gone") { $0.last { $0["type"]?.string == "presence" }?["viewing"] == [] }
            await sb.close()
            await sr.close()
        }
    }
}
