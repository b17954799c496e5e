import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import ChorusServer

/// `WebhookFastPath` alone in a test channel, in front of a recorder standing for Hummingbird,
/// over a running server's committer and database: what it passes on, holds and answers.
@Suite("WebhookFastPath in a test channel")
struct WebhookFastPathHandlerTests {
    /// Stands for Hummingbird's side of the pipeline: records the stop it is told of.
    final class Recorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        var stops = 0
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent { stops += 1 }
            context.fireUserInboundEventTriggered(event)
        }
    }

    static func webhook(_ wamid: String, to number: String = "100000000000001") throws -> [HTTPServerRequestPart] {
        let change = WebhookTests.change([WebhookTests.message(wamid, from: "111", text: wamid)], phoneNumberID: number)
        let body = try ASCIIJSON.encode(WebhookTests.envelope([[change]]))
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/webhooks/whatsapp",
                                   headers: ["X-Hub-Signature-256": WebhookSignature.header(for: body, secret: WebhookTests.secret)])
        return [.head(head), .body(ByteBuffer(bytes: body)), .end(nil)]
    }

    @Test("a stored webhook holds later requests and the server's stop until its answer is written")
    func holdsUntilAnswered() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            // A committer of its own, not yet running: the commit comes when the test says.
            let committer = GroupCommitter(ingest: IngestRepository(server.db))
            let webhooks = WebhookController(channels: ChannelDirectory(channels: ChannelRepository(server.db)), committer: committer,
                                             metrics: Metrics(), maxBytes: 4 << 20)
            _ = try await webhooks.channels.signers()   // the channel list read, as the first webhook does
            let recorder = Recorder()
            let channel = NIOAsyncTestingChannel(loop: NIOAsyncTestingEventLoop())
            try await channel.testingEventLoop.executeInContext {
                try channel.pipeline.syncOperations.addHandlers([WebhookFastPath(webhooks: webhooks, logger: TestDatabase.logger), recorder])
            }

            for part in try Self.webhook("e.1") { try await channel.writeInbound(part) }
            let health = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/healthz")
            try await channel.writeInbound(HTTPServerRequestPart.head(health))
            try await channel.writeInbound(HTTPServerRequestPart.end(nil))
            // Told while the webhook waits for its commit.
            let heldBack = try await channel.testingEventLoop.executeInContext {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                return recorder.stops
            }
            #expect(heldBack == 0, "the stop must wait for the webhook's answer")
            #expect(try await channel.readInbound(as: HTTPServerRequestPart.self) == nil, "the next request must wait too")
            let committing = Task { try await committer.run() }
            defer { committing.cancel() }

            // The answer, written once the commit is done: 200 "OK" with the headers Hummingbird gives.
            let head = try #require(try await Self.answerHead(channel), "no response head first")
            #expect(head.status == .ok)
            #expect(head.headers["Content-Length"] == ["2"] && head.headers["Server"] == ["Chorus"])
            #expect(head.headers.first(name: "Date")?.hasSuffix(" GMT") == true)
            guard case .body(.byteBuffer(let body)) = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self) else {
                Issue.record("no body")
                return
            }
            #expect(String(buffer: body) == "OK")
            guard case .end = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self) else {
                Issue.record("no end")
                return
            }
            // Only then the request that came after it, and then the stop.
            guard case .head(let passed) = try await channel.waitForInboundWrite(as: HTTPServerRequestPart.self) else {
                Issue.record("the held request was not passed on")
                return
            }
            #expect(passed.uri == "/healthz")
            guard case .end = try await channel.waitForInboundWrite(as: HTTPServerRequestPart.self) else {
                Issue.record("the held request's end was not passed on")
                return
            }
            let stops = try await channel.testingEventLoop.executeInContext { recorder.stops }
            #expect(stops == 1)
            #expect(try await WebhookTests().messageCount(server.db) == 1)
            _ = try await channel.finish()
        }
    }

    /// The head of the next response part written, nil if the next part is not a head.
    static func answerHead(_ channel: NIOAsyncTestingChannel) async throws -> HTTPResponseHead? {
        guard case .head(let head) = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self) else { return nil }
        return head
    }

    /// Stands for the socket: counts the reads asked of it.
    final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = Any
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    @Test("reads pass while a webhook is stored, and are held once a request arrives behind it")
    func readsHeldOnlyBehindPipelinedRequest() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let committer = GroupCommitter(ingest: IngestRepository(server.db))   // commits when the test says
            let webhooks = WebhookController(channels: ChannelDirectory(channels: ChannelRepository(server.db)), committer: committer,
                                             metrics: Metrics(), maxBytes: 4 << 20)
            _ = try await webhooks.channels.signers()
            let counter = ReadCounter()
            let channel = NIOAsyncTestingChannel(loop: NIOAsyncTestingEventLoop())
            try await channel.testingEventLoop.executeInContext {
                try channel.pipeline.syncOperations.addHandlers([counter, WebhookFastPath(webhooks: webhooks, logger: TestDatabase.logger)])
            }
            let readNow = {
                try await channel.testingEventLoop.executeInContext { () -> Int in
                    let before = counter.reads
                    channel.pipeline.read()
                    return counter.reads - before
                }
            }
            for part in try Self.webhook("r.1") { try await channel.writeInbound(part) }
            #expect(try await readNow() == 1, "nothing behind the stored webhook: the socket is still read")
            let health = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/healthz")
            try await channel.writeInbound(HTTPServerRequestPart.head(health))
            #expect(try await readNow() == 0, "a request waits behind it: no more reading")
            let readsBefore = try await channel.testingEventLoop.executeInContext { counter.reads }
            let committing = Task { try await committer.run() }
            defer { committing.cancel() }
            let head = try #require(try await Self.answerHead(channel), "no answer")
            #expect(head.status == .ok)
            _ = try await channel.waitForInboundWrite(as: HTTPServerRequestPart.self)   // the held request, passed on
            let readsAfter = try await channel.testingEventLoop.executeInContext { counter.reads }
            #expect(readsAfter == readsBefore + 1, "the held read is made after the answer")
            _ = try await channel.finish()
        }
    }

    @Test("a stop held while a webhook is collected is passed on with the webhook when the router takes it")
    func stopFollowsPassedOnWebhook() async throws {
        try await TestServer.with { server in
            let webhooks = server.runtime.webhooks
            let recorder = Recorder()
            let channel = NIOAsyncTestingChannel(loop: NIOAsyncTestingEventLoop())
            try await channel.testingEventLoop.executeInContext {
                try channel.pipeline.syncOperations.addHandlers([WebhookFastPath(webhooks: webhooks, logger: TestDatabase.logger), recorder])
            }
            let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/webhooks/whatsapp")
            try await channel.writeInbound(HTTPServerRequestPart.head(head))
            try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "{")))
            let heldBack = try await channel.testingEventLoop.executeInContext {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                return recorder.stops
            }
            #expect(heldBack == 0, "half a webhook: the stop waits")
            // Over 256 kB: the router's handler takes the webhook, and with it the stop.
            try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(repeating: UInt8(ascii: " "), count: 300_000)))
            guard case .head = try await channel.readInbound(as: HTTPServerRequestPart.self) else {
                Issue.record("the webhook was not passed on")
                return
            }
            let stops = try await channel.testingEventLoop.executeInContext { recorder.stops }
            #expect(stops == 1)
            _ = try await channel.finish()
        }
    }

    @Test("the 200 answer written as bytes is what NIO's encoder writes for the answer's parts")
    func encodedOK() throws {
        let (head, body) = WebhookFastPath.answerParts(.success(IngestRepository.Outcome()), logger: TestDatabase.logger)
        let channel = EmbeddedChannel(handler: HTTPResponseEncoder())
        try channel.writeOutbound(HTTPServerResponsePart.head(head))
        try channel.writeOutbound(HTTPServerResponsePart.body(.byteBuffer(body)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        var written = ""
        while let part = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let bytes) = part else { continue }
            written += String(buffer: bytes)
        }
        let date = try #require(head.headers.first(name: "Date"))
        #expect(written == WebhookFastPath.encodedOKText(date: date))
        _ = try channel.finish()
    }

    @Test("the Date header is RFC 9110's IMF-fixdate")
    func httpDate() {
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")   // RFC 9110's own example
        #expect(HTTPDate.format(1_795_737_600) == "Fri, 27 Nov 2026 00:00:00 GMT")
    }

    @Test("a commit that fails is answered in the API's error shape")
    func failedCommitAnswer() async throws {
        try await TestServer.with { server in
            _ = try await ChannelRepository(server.db).add(Fixtures.channel())
            let webhooks = server.runtime.webhooks
            _ = try await webhooks.channels.signers()
            // What a webhook for an unknown number is kept in is gone: its group and its retry fail.
            try await server.db.transaction { sql in try await sql.raw("DROP TABLE webhook_unhandled").run() }
            let channel = NIOAsyncTestingChannel(loop: NIOAsyncTestingEventLoop())
            try await channel.testingEventLoop.executeInContext {
                try channel.pipeline.syncOperations.addHandler(WebhookFastPath(webhooks: webhooks, logger: TestDatabase.logger))
            }
            for part in try Self.webhook("f.1", to: "999999") { try await channel.writeInbound(part) }
            guard let head = try await Self.answerHead(channel),
                  case .body(.byteBuffer(let body)) = try await channel.waitForOutboundWrite(as: HTTPServerResponsePart.self) else {
                Issue.record("no answer")
                return
            }
            #expect(head.status.code == 500)
            #expect(head.headers["Content-Type"] == ["application/json; charset=utf-8"])
            let error = try JSONValue.parse(Array(body.readableBytesView))
            #expect(error["error"]?["code"]?.string == "internal_error")
            #expect(Int(head.headers.first(name: "Content-Length") ?? "") == body.readableBytes)
            _ = try await channel.finish()
        }
    }
}
