import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection that posts signed webhooks and times them on its event
/// loop: the clock starts as the request is written to the socket and stops as the response's
/// last byte is read. Why not the AsyncHTTPClient the rest of the bench uses: its timestamps
/// are taken in a task, before and after several hops through its own threads, and on the
/// same 2 cores as the server and 200 device sockets those hops waited for a thread too — time
/// that belongs to the load generator, not to Chorus (BENCHMARKS.md).
final class WebhookSender: Sendable {
    private let channel: any Channel
    private let timer: ResponseTimer
    private let host: String

    private init(channel: any Channel, timer: ResponseTimer, host: String) {
        self.channel = channel
        self.timer = timer
        self.host = host
    }

    static func connect(host: String, port: Int) async throws -> WebhookSender {
        let timer = ResponseTimer()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(timer)
                }
            }
            .connect(host: host, port: port).get()
        return WebhookSender(channel: channel, timer: timer, host: "\(host):\(port)")
    }

    /// Posts `body` and returns when it was written and when its answer was read (one request
    /// at a time per sender).
    func post(_ body: Data, signature: String) async throws -> (sent: ContinuousClock.Instant, answered: ContinuousClock.Instant) {
        let promise = channel.eventLoop.makePromise(of: (ContinuousClock.Instant, Int).self)
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "X-Hub-Signature-256", value: signature)
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/webhooks/whatsapp", headers: headers)
        let bytes = ByteBuffer(bytes: body)
        let channel = self.channel, timer = self.timer
        let sent = try await channel.eventLoop.submit { () -> ContinuousClock.Instant in
            timer.waiting = promise
            let now = ContinuousClock.now
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(bytes)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return now
        }.get()
        let (answered, status) = try await promise.futureResult.get()
        guard status == 200 else { throw BenchError("webhook answered \(status)") }
        return (sent, answered)
    }

    func close() { channel.close(promise: nil) }
}

/// Stamps the end of each response on the event loop and hands it to the waiting request.
private final class ResponseTimer: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used on its channel's event loop only.
    typealias InboundIn = HTTPClientResponsePart
    var waiting: EventLoopPromise<(ContinuousClock.Instant, Int)>?
    private var status = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body: break
        case .end:
            let promise = waiting
            waiting = nil
            promise?.succeed((.now, status))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        waiting?.fail(error)
        waiting = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        waiting?.fail(BenchError("the webhook connection closed"))
        waiting = nil
    }
}
