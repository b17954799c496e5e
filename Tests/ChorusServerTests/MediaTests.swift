import ChorusCore
import ChorusStore
import ChorusTestSupport
import Foundation
import SQLKit
import Testing

@Suite("Inbound media")
struct MediaTests {
    @Test("an inbound image is fetched from the Graph API, stored once, and served only to members who may see it")
    func fetchAndServe() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, agent) = try await server.member(.standard)
            let (_, restricted) = try await server.member(.restricted)
            let sim = server.simulatorURL!
            // Upload a file to the simulated Meta, then have a customer send it.
            let bytes = Data((0..<5000).map { UInt8($0 % 251) })
            let upload = try await server.raw("POST", "\(sim)/v23.0/\(server.simulatorConfig!.phoneNumberID)/media",
                                              headers: ["Authorization": "Bearer \(server.simulatorConfig!.accessToken)",
                                                        "Content-Type": "image/jpeg"], body: bytes)
            let mediaID = upload.body["id"]!.string!
            let inject = try JSONEncoder().encode(JSONValue.object([
                "from": .string("15550106060"), "type": .string("image"),
                "content": .object(["id": .string(mediaID), "mime_type": .string("image/jpeg"), "caption": .string("the box")]),
            ]))
            _ = try await server.raw("POST", sim + "/_sim/inject", headers: ["Content-Type": "application/json"], body: inject)
            let id = try await server.conversationID(token: agent, waID: "15550106060")
            try await server.eventually(10, "the media was stored") {
                let page = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: agent)
                return page.body["items"]?.array?.first?["mediaStatus"]?.string == "stored"
            }
            let page = try await server.request("GET", "/api/v1/conversations/\(id)/messages", token: agent)
            let ref = page.body["items"]!.array!.first!["mediaRef"]!.int!
            let file = try await server.request("GET", "/api/v1/media/\(ref)", token: agent)
            #expect(file.status == 200)
            #expect(file.headers["content-type"] == "image/jpeg")
            #expect(file.data == bytes)
            // The restricted member is not assigned this conversation: the file does not exist for them.
            #expect(try await server.request("GET", "/api/v1/media/\(ref)", token: restricted).status == 404)
            #expect(try await server.request("GET", "/api/v1/media/\(ref)").status == 401)
        }
    }
}
