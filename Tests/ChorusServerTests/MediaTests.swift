import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
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
            let mediaID = try await GraphClient(http: server.http).uploadMedia(
                server.channel!.graphEndpoint, bytes: Array(bytes), mimeType: "image/jpeg", filename: "box.jpg")
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

    @Test("an agent sends a file: checked first, uploaded to Meta as multipart, sent by media id")
    func outboundFile() async throws {
        try await TestServer.with(simulator: true) { server in
            let (_, token) = try await server.member(.standard)
            _ = try await server.customerWrites("send me the invoice", from: "15550107070")
            let id = try await server.conversationID(token: token, waID: "15550107070")
            let pdf = Data("%PDF-1.4 invoice 4411 — total 12,00 €".utf8)
            let sent = try await server.request("POST", "/api/v1/conversations/\(id)/messages?caption=Your%20invoice&filename=invoice-4411.pdf",
                                                token: token, headers: ["Content-Type": "application/pdf"], body: pdf)
            #expect(sent.status == 202, "\(sent.text)")
            #expect(sent.body["type"]?.string == "document")
            try await server.eventually(10, "the simulator received the document") {
                let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
                return log.body["items"]?.array?.first?["body"]?["document"]?["id"]?.string != nil
            }
            let log = try await server.raw("GET", server.simulatorURL! + "/_sim/sent")
            let document = log.body["items"]!.array!.first!["body"]!["document"]!
            #expect(document["filename"]?.string == "invoice-4411.pdf")
            #expect(document["caption"]?.string == "Your invoice")
            let (bytes, mime) = try await GraphClient(http: server.http).downloadMedia(
                server.channel!.graphEndpoint, mediaID: document["id"]!.string!, limit: 1 << 20)
            #expect(Data(bytes) == pdf && mime == "application/pdf")

            let zip = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token,
                                               headers: ["Content-Type": "application/zip"], body: Data([1, 2, 3]))
            #expect(zip.status == 422 && zip.body["error"]?["code"]?.string == "unsupported_media_type")
            let huge = try await server.request("POST", "/api/v1/conversations/\(id)/messages", token: token,
                                                headers: ["Content-Type": "image/png"], body: Data(count: (5 << 20) + 1))
            #expect(huge.status == 413 && huge.body["error"]?["code"]?.string == "media_too_large")
        }
    }
}
