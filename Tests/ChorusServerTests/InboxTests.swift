import ChorusCore
@testable import ChorusStore
import ChorusTestSupport
import Foundation
import SQLKit
import Testing
@testable import ChorusServer

@Suite("The shared inbox", .serialized)
struct InboxTests {
    @Test("two members on two devices each: all four see the message; A takes it; B sees that; B's stale reply is refused")
    func collaboration() async throws {
        try await TestServer.with(simulator: true) { server in
            let (a, a1) = try await server.member(.standard)
            let (b, b1) = try await server.member(.standard)
            let a2 = try await server.signIn(a.email, deviceClass: "mobile")
            let b2 = try await server.signIn(b.email, deviceClass: "tablet")
            var sockets: [TestSocket] = []
            for token in [a1, a2, b1, b2] { sockets.append(try await TestSocket.connect(server, token: token)) }
            _ = try await server.customerWrites("Hi, my parcel is late", from: "4915550010")
            for socket in sockets {
                try await socket.waitFor(5, "the customer's message") { $0.contains { $0["message"]?["text"]?.string == "Hi, my parcel is late" } }
            }
            let id = try await server.conversationID(token: a1, waID: "4915550010")
            let seen = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: b1).body["items"]!.array![0]["id"]!.int!
            // A takes it.
            let taken = try await server.request("POST", "/api/v1/conversations/\(id)/assignment", token: a1, json: ["memberId": .int(a.id)])
            #expect(taken.body["assigneeId"]?.int == a.id, "\(taken.text)")
            for socket in sockets[2...] {
                try await socket.waitFor(2, "the assignment") { $0.contains { $0["type"]?.string == "conversation.assigned" && $0["data"]?["assigneeId"]?.int == a.id } }
            }
            // A answers; B, still looking at the old view, tries to answer too.
            let replyA = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: a1,
                                                  json: ["text": "Sorry! Checking now.", "lastSeenMessageId": .int(seen)])
            #expect(replyA.status == 202)
            let replyB = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: b1,
                                                  json: ["text": "Hello, how can I help?", "lastSeenMessageId": .int(seen)])
            #expect(replyB.status == 409)
            #expect(replyB.body["error"]?["code"]?.string == "conversation_changed")
            #expect(replyB.body["messages"]?.array?.contains { $0["text"]?.string == "Sorry! Checking now." } == true)
            let confirmed = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: b1,
                                                     json: ["text": "Adding: tracking link follows.", "lastSeenMessageId": .int(seen), "confirm": true])
            #expect(confirmed.status == 202)
            let history = try await server.request("GET", "/api/v1/conversations/\(id)/assignments", token: b1)
            #expect(history.body["items"]?.array?.first?["byMemberId"]?.int == a.id)
            _ = b
            for socket in sockets { await socket.close() }
        }
    }

    @Test("views, filters, unread counts and read markers are per member and inside their scope")
    func viewsAndUnread() async throws {
        try await TestServer.with(simulator: true) { server in
            let (admin, token) = try await server.member(.admin)
            for i in 0..<3 { _ = try await server.customerWrites("hello \(i)", from: "49155500\(20 + i)") }
            let first = try await server.conversationID(token: token, waID: "4915550020")
            try await server.eventually(5, "three conversations") {
                try await server.request("GET", "/api/v1/conversations", token: token).body["items"]?.array?.count == 3
            }
            _ = try await server.request("POST", "/api/v1/conversations/\(first)/assignment", token: token, json: ["memberId": .int(admin.id)])
            let mine = try await server.request("GET", "/api/v1/conversations?view=mine", token: token)
            #expect(mine.body["items"]?.array?.map { $0["id"]!.int! } == [first])
            let unassigned = try await server.request("GET", "/api/v1/conversations?view=unassigned", token: token)
            #expect(unassigned.body["items"]?.array?.count == 2)
            var counts = try await server.request("GET", "/api/v1/inbox/counts", token: token)
            #expect(counts.body["all"]?.int == 3 && counts.body["mine"]?.int == 1 && counts.body["unassigned"]?.int == 2)
            #expect(try await server.request("POST", "/api/v1/conversations/\(first)/read", token: token).status == 204)
            counts = try await server.request("GET", "/api/v1/inbox/counts", token: token)
            #expect(counts.body["all"]?.int == 2 && counts.body["mine"]?.int == 0)
            let waiting = try await server.request("GET", "/api/v1/conversations?sort=waiting&limit=2", token: token)
            #expect(waiting.body["items"]?.array?.count == 2)
            #expect(waiting.body["nextCursor"]?.string != nil)
            let bad = try await server.request("GET", "/api/v1/conversations?view=everything", token: token)
            #expect(bad.body["error"]?["code"]?.string == "invalid_view")
            // Pages are bounded: one request cannot ask for the whole store.
            for limit in ["0", "201", "1000000", "-5"] {
                let tooMany = try await server.request("GET", "/api/v1/conversations?limit=\(limit)", token: token)
                #expect(tooMany.status == 400 && tooMany.body["error"]?["code"]?.string == "invalid_limit", "limit=\(limit)")
            }
            // Labels filter.
            let label = try await server.request("POST", "/api/v1/labels", token: token, json: ["name": "VIP", "color": "#aa3300"])
            let labelID = label.body["id"]!.int!
            _ = try await server.request("PUT", "/api/v1/conversations/\(first)/labels", token: token, json: ["labelIds": [.int(labelID)]])
            let vip = try await server.request("GET", "/api/v1/conversations?label=\(labelID)", token: token)
            #expect(vip.body["items"]?.array?.map { $0["id"]!.int! } == [first])
            #expect(vip.body["items"]?.array?.first?["labelIds"] == [.int(labelID)])
            #expect(vip.body["items"]?.array?.first?["windowOpenUntil"]?.int != nil)
        }
    }

    @Test("notes: at most 2 mentions, a 3rd is a 422; the mentioned member finds it under mentions and is told")
    func notesAndMentions() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.admin)
            let (sam, samToken) = try await server.member(.standard)
            let (ana, _) = try await server.member(.standard)
            let (lea, _) = try await server.member(.supervisor)
            let (rita, _) = try await server.member(.restricted)
            _ = try await server.customerWrites("Can I change my address?", from: "4915550030")
            let id = try await server.conversationID(token: token, waID: "4915550030")
            let socket = try await TestSocket.connect(server, token: samToken)
            let three = try await server.request("POST", "/api/v1/conversations/\(id)/notes", token: token,
                                                 json: ["body": "@Sam @Ana @Lea look", "mentions": [.int(sam.id), .int(ana.id), .int(lea.id)]])
            #expect(three.status == 422)
            #expect(three.body["error"]?["code"]?.string == "too_many_mentions")
            let hidden = try await server.request("POST", "/api/v1/conversations/\(id)/notes", token: token,
                                                  json: ["body": "@Rita", "mentions": [.int(rita.id)]])
            #expect(hidden.body["error"]?["code"]?.string == "mention_cannot_see")
            let note = try await server.request("POST", "/api/v1/conversations/\(id)/notes", token: token,
                                                json: ["body": "@Sam @Ana please check the address rules", "mentions": [.int(sam.id), .int(ana.id)]])
            #expect(note.status == 201)
            try await socket.waitFor(2, "the mention") { $0.contains { $0["type"]?.string == "mention" } }
            let mentions = try await server.request("GET", "/api/v1/conversations?view=mentions", token: samToken)
            #expect(mentions.body["items"]?.array?.map { $0["id"]!.int! } == [id])
            let notes = try await server.request("GET", "/api/v1/conversations/\(id)/notes", token: samToken)
            #expect(notes.body["items"]?.array?.first?["mentions"]?.array?.compactMap(\.int) == [sam.id, ana.id].sorted())
            await socket.close()
        }
    }

    @Test("search finds messages and customers the member may see, and nothing else")
    func search() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, admin) = try await server.member(.admin)
            let (rita, restricted) = try await server.member(.restricted)
            _ = try await server.customerWrites("The blender arrived broken", from: "4915550040", name: "Zoë Fischer")
            let id = try await server.conversationID(token: admin, waID: "4915550040")
            let found = try await server.request("GET", "/api/v1/search?q=blend", token: admin)
            #expect(found.body["messages"]?.array?.first?["conversationId"]?.int == id, "\(found.text)")
            let byName = try await server.request("GET", "/api/v1/search?q=fisch", token: admin)
            #expect(byName.body["conversations"]?.array?.first?["id"]?.int == id)
            let injected = try await server.request("GET", "/api/v1/search?q=%22%29%20OR%201%3D1%20--", token: admin)
            #expect(injected.status == 200)
            // Rita may not see it: not by search either.
            let nothing = try await server.request("GET", "/api/v1/search?q=blender", token: restricted)
            #expect(nothing.body["messages"]?.array?.isEmpty == true && nothing.body["conversations"]?.array?.isEmpty == true)
            let contact = try await server.request("GET", "/api/v1/conversations/\(id)", token: admin).body["contact"]!["id"]!.int!
            #expect(try await server.request("GET", "/api/v1/contacts/\(contact)", token: restricted).status == 404)
            // Assigned to her, it appears.
            _ = try await server.request("POST", "/api/v1/conversations/\(id)/assignment", token: admin, json: ["memberId": .int(rita.id)])
            let now = try await server.request("GET", "/api/v1/search?q=blender", token: restricted)
            #expect(now.body["messages"]?.array?.count == 1)
            let profile = try await server.request("GET", "/api/v1/contacts/\(contact)", token: restricted)
            #expect(profile.body["contact"]?["name"]?.string == "Zoë Fischer")
            #expect(profile.body["conversations"]?.array?.count == 1)
        }
    }

    @Test("snoozed conversations wake at their time; a resolved one reopens when the customer writes")
    func statuses() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            _ = try await server.customerWrites("thanks!", from: "4915550050")
            let id = try await server.conversationID(token: token, waID: "4915550050")
            let past = try await server.request("POST", "/api/v1/conversations/\(id)/status", token: token,
                                                json: ["status": "snoozed", "snoozedUntil": .int(Clock.nowMillis() - 5)])
            #expect(past.body["error"]?["code"]?.string == "invalid_snooze")
            let snoozed = try await server.request("POST", "/api/v1/conversations/\(id)/status", token: token,
                                                   json: ["status": "snoozed", "snoozedUntil": .int(Clock.nowMillis() + 300)])
            #expect(snoozed.body["status"]?.string == "snoozed")
            try await Task.sleep(for: .milliseconds(400))
            await server.runtime.teamJobs.tick()
            #expect(try await server.request("GET", "/api/v1/conversations/\(id)", token: token).body["status"]?.string == "open")
            _ = try await server.request("POST", "/api/v1/conversations/\(id)/status", token: token, json: ["status": "resolved"])
            _ = try await server.customerWrites("one more question", from: "4915550050")
            try await server.eventually(5, "reopened") {
                try await server.request("GET", "/api/v1/conversations/\(id)", token: token).body["status"]?.string == "open"
            }
        }
    }

    @Test("quick replies and labels are managed only by members with the right; everyone can use them")
    func catalogue() async throws {
        try await TestServer.with { server in
            let (_, admin) = try await server.member(.admin)
            let (_, standard) = try await server.member(.standard)
            let (_, restricted) = try await server.member(.restricted)
            let created = try await server.request("POST", "/api/v1/quick-replies", token: admin,
                                                   json: ["shortcut": "/hours", "title": "Opening hours", "body": "We are open 9–18, Mon–Sat."])
            #expect(created.status == 201)
            #expect(try await server.request("POST", "/api/v1/quick-replies", token: standard, json: ["shortcut": "x", "body": "y"]).status == 403)
            let taken = try await server.request("POST", "/api/v1/quick-replies", token: admin, json: ["shortcut": "hours", "body": "y"])
            #expect(taken.body["error"]?["code"]?.string == "shortcut_taken")
            #expect(try await server.request("GET", "/api/v1/quick-replies", token: restricted).body["items"]?.array?.first?["shortcut"]?.string == "hours")
            #expect(try await server.request("POST", "/api/v1/labels", token: standard, json: ["name": "Urgent"]).status == 201)
            #expect(try await server.request("POST", "/api/v1/labels", token: restricted, json: ["name": "Nope"]).status == 403)
        }
    }

    @Test("a new device syncs 7 days (10,000+ messages) as a stream with progress, only what it may see")
    func newDeviceSync() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            let (_, restricted) = try await server.member(.restricted)
            let phone = server.channel!.phoneNumberID
            let now = Int64(Date().timeIntervalSince1970)
            // Newer messages get lower ids (the stream goes by time), three share each second
            // (pages end inside a second), and some are older than the window.
            for chunk in 0..<5 {
                let messages = (0..<2100).map { i in
                    Fixtures.inbound("wamid.sync.\(chunk).\(i)", from: "4916\(String(format: "%06d", (chunk * 2100 + i) % 300))",
                                     text: "sync \(chunk)-\(i)", phoneNumberID: phone, at: now - Int64(chunk * 2100 + i) / 3)
                }
                _ = try await IngestRepository(server.db).store(Fixtures.batch(messages))
            }
            _ = try await IngestRepository(server.db).store(Fixtures.batch((0..<40).map { i in
                Fixtures.inbound("wamid.sync.old.\(i)", from: "4916\(String(format: "%06d", i))", text: "old \(i)",
                                 phoneNumberID: phone, at: now - 8 * 86_400 - Int64(i))
            }))
            let started = Date()
            let reply = try await server.request("GET", "/api/v1/sync?days=7", token: token)
            let seconds = Date().timeIntervalSince(started)
            let lines = reply.text.split(separator: "\n").map { try! JSONValue.parse($0.utf8) }
            #expect(lines.first?["type"]?.string == "start")
            #expect(lines.first?["messages"]?.int == 10_500)
            let items = lines.filter { $0["type"]?.string == "messages" }.flatMap { $0["items"]?.array ?? [] }
            let synced = items.count
            #expect(synced == 10_500)
            // Each message of the window once, none older, in the order of time.
            let wamids = Set(items.compactMap { $0["wamid"]?.string })
            #expect(wamids.count == 10_500 && !wamids.contains { $0.hasPrefix("wamid.sync.old") })
            let times = items.compactMap { $0["timestamp"]?.int }
            #expect(times.count == 10_500 && zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(lines.contains { $0["type"]?.string == "progress" })
            #expect(lines.last?["type"]?.string == "end")
            print("new-device sync: \(synced) messages in \(String(format: "%.3f", seconds)) s = \(Int(Double(synced) / seconds)) msg/s (debug build)")
            let none = try await server.request("GET", "/api/v1/sync?days=7", token: restricted)
            #expect(none.text.split(separator: "\n").first.map { try! JSONValue.parse($0.utf8) }?["messages"]?.int == 0)
        }
    }
}

@Suite("Message JSON")
struct MessageJSONTests {
    @Test("the sync stream's direct writer produces the same JSON as the API's Codable form, keys sorted")
    func sameAsCodable() throws {
        let full = #"{"id":7,"conversationId":3,"wamid":"wamid.X","direction":"outbound","type":"text","status":"failed","text":"Hi \"there\" 👋\n","content":{"text":{"body":"Hi"}},"replyToWamid":"wamid.Q","senderMemberId":2,"timestamp":1700000000000,"error":{"code":131047,"title":"Re-engagement","details":"d","hint":"Send a template"},"mediaRef":4,"mediaStatus":"stored"}"#
        let bare = #"{"id":8,"conversationId":3,"direction":"inbound","type":"sticker","status":"received","content":{},"timestamp":1700000000001}"#
        try expectSameAsCodable([full, bare], MessageJSON.text)
        let line = SyncBatchLine.make("messages", [try JSONDecoder().decode(MessageRecord.self, from: Data(bare.utf8))],
                                      bytesPerItem: 400, MessageJSON.write)
        #expect(line.hasSuffix("\n"))
        let parsed = try JSONValue.parse(line.dropLast().utf8)
        #expect(parsed["items"]?.array?.count == 1 && parsed["type"] == .string("messages"))
    }

    @Test("the sync stream's conversation writer produces the same JSON as the API's Codable form, keys sorted")
    func conversationSameAsCodable() throws {
        let full = #"{"id":9,"channelId":1,"status":"snoozed","assigneeId":4,"teamId":2,"contact":{"id":5,"waId":"4917","userId":"DE.1","name":"Ana \"Q\" Ölz","username":"ana"},"lastMessageAt":1700000000000,"lastInboundAt":1699999999000,"lastMessagePreview":"Line\nbreak 👋","version":12,"snoozedUntil":1700000100000,"windowOpenUntil":1700086399000,"unread":false,"labelIds":[3,1]}"#
        let bare = #"{"id":10,"channelId":1,"status":"open","contact":{"id":6},"lastMessageAt":1,"lastMessagePreview":"","version":1,"labelIds":[]}"#
        try expectSameAsCodable([full, bare], ConversationJSON.text)
    }

    @Test("the event socket's frame writer produces the same JSON as the Codable form, keys sorted")
    func eventFrameSameAsCodable() throws {
        struct Frame: Codable {
            var id: Int64
            var type: String
            var at: Int64
            var conversationId: Int64?
            var data: JSONValue
            var message: MessageRecord?
        }
        let withMessage = #"{"id":41,"type":"message.created","at":1700000000123,"conversationId":3,"data":{"conversationId":3,"messageId":8,"note":"a \"q\" / ✓"},"message":{"id":8,"conversationId":3,"direction":"inbound","type":"text","status":"received","text":"Hi","content":{"text":{"body":"Hi"}},"timestamp":1700000000001}}"#
        let bare = #"{"id":42,"type":"presence","at":1,"data":{"memberIds":[1,2],"away":false}}"#
        try expectSameAsCodable([withMessage, bare]) { (frame: Frame) in
            EventFrames.text(FeedEvent(id: frame.id, at: frame.at, kind: frame.type, conversationID: frame.conversationId,
                                       assigneeID: nil, memberID: nil, payload: frame.data, message: frame.message))
        }
    }

    /// Each JSON decoded, then written by `direct`: the same document as JSONEncoder's, and
    /// the same text as `JSONValue.serialized` makes of it.
    func expectSameAsCodable<Value: Codable>(_ jsons: [String], _ direct: (Value) -> String) throws {
        for json in jsons {
            let value = try JSONDecoder().decode(Value.self, from: Data(json.utf8))
            let text = direct(value)
            let codable = try JSONValue.parse(JSONBody.encoder.encode(value))
            #expect(try JSONValue.parse(text.utf8) == codable)
            #expect(text == codable.serialized)
        }
    }
}
