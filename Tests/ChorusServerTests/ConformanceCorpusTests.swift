import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import SQLKit
import Testing

/// Every real-format payload of the pywa corpus (MIT, see Fixtures/pywa-updates/LICENSE.pywa)
/// is posted, signed, to a running Chorus, and each of its items is looked up in the store:
/// messages and echoes as messages, statuses as statuses, everything else kept for diagnostics.
@Suite("Conformance corpus (pywa)")
struct ConformanceCorpusTests {
    static let directory = Bundle.module.url(forResource: "pywa-updates", withExtension: nil, subdirectory: "Fixtures")!

    static let payloads: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".json") }.sorted().flatMap { file -> [String] in
            guard let payload = try? load(file) else { return [] }
            return (payload.object ?? [:]).keys.sorted().map { "\(file)/\($0)" }
        }
    }()

    static func load(_ file: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: directory.appendingPathComponent(file)))
    }

    @Test("the corpus holds all 74 payloads")
    func corpusSize() {
        #expect(Self.payloads.count == 74)
    }

    @Test("every payload is accepted and every item in it is stored", arguments: payloads)
    func payload(_ name: String) async throws {
        let parts = name.split(separator: "/")
        let payload = try Self.load(String(parts[0]))[String(parts[1])]!
        let expected = Expected(payload)
        try await TestServer.with { server in
            for phoneNumberID in expected.phoneNumberIDs {
                _ = try await ChannelRepository(server.db).add(Fixtures.channel(phoneNumberID, wabaID: "waba-\(phoneNumberID)"))
            }
            if expected.phoneNumberIDs.isEmpty { _ = try await ChannelRepository(server.db).add(Fixtures.channel()) }
            let body = try ASCIIJSON.encode(payload)
            let reply = try await server.request("POST", "/webhooks/whatsapp", headers: [
                "Content-Type": "application/json", "X-Hub-Signature-256": WebhookSignature.header(for: body, secret: "test-secret")],
                body: body)
            #expect(reply.status == 200, "\(name): \(reply.text)")

            let stored = try await server.db.read { sql in
                try await sql.raw("SELECT wamid, type, direction FROM messages").all().map {
                    "\(try $0.decode(column: "direction", as: String.self)) \(try $0.decode(column: "wamid", as: String.self)) \(try $0.decode(column: "type", as: String.self))"
                }
            }
            #expect(stored.sorted() == expected.messages.sorted(), "\(name): messages")
            let statuses = try await server.db.read { sql in
                try await sql.raw("SELECT wamid, status FROM message_statuses").all().map {
                    "\(try $0.decode(column: "wamid", as: String.self)) \(try $0.decode(column: "status", as: String.self))"
                }
            }
            #expect(statuses.sorted() == expected.statuses.sorted(), "\(name): statuses")
            let kept = try await server.db.read { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM webhook_unhandled").first()!.decode(column: "n", as: Int.self)
            }
            #expect(kept == expected.otherItems, "\(name): items kept for diagnostics")
        }
    }

    /// What the payload holds, counted independently of Chorus's parser.
    struct Expected {
        var phoneNumberIDs = Set<String>()
        var messages: [String] = []
        var statuses: [String] = []
        var otherItems = 0

        init(_ payload: JSONValue) {
            for entry in payload["entry"]?.array ?? [] {
                for change in entry["changes"]?.array ?? [] {
                    let value = change["value"] ?? .null
                    let field = change["field"]?.string ?? ""
                    if let id = value["metadata"]?["phone_number_id"]?.string { phoneNumberIDs.insert(id) }
                    guard field == "messages" || field == "smb_message_echoes", value["metadata"] != nil else {
                        otherItems += 1
                        continue
                    }
                    var understood = false
                    for message in value["messages"]?.array ?? [] {
                        understood = true
                        messages.append("inbound \(message["id"]!.string!) \(message["type"]!.string!)")
                    }
                    for echo in value["message_echoes"]?.array ?? [] {
                        understood = true
                        messages.append("outbound \(echo["id"]!.string!) \(echo["type"]!.string!)")
                    }
                    for status in value["statuses"]?.array ?? [] {
                        understood = true
                        let name = status["status"]?.string?.lowercased() ?? ""
                        if ["sent", "delivered", "read", "played", "failed"].contains(name), status["type"] == nil {
                            statuses.append("\(status["id"]!.string!) \(name)")
                        } else {
                            otherItems += 1
                        }
                    }
                    if value["errors"] != nil { understood = true; otherItems += 1 }
                    if !understood { otherItems += 1 }
                }
            }
        }
    }
}
