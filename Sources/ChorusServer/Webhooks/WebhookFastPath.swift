import ChorusCore
import ChorusStore
import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Serves a signed `POST /webhooks/whatsapp` in the connection's channel pipeline, between
/// NIO's HTTP/1 decoder and Hummingbird: the body is collected, checked and parsed on the event
/// loop, handed to the group committer with a callback, and answered from the event loop.
/// Through Hummingbird each webhook also cost a Swift task's wake-ups, the router and the
/// middleware, a request context and a response writer — work of the same size as storing
/// the message (BENCHMARKS.md, session 15). It sits before `HTTP1ToHTTPServerCodec` (see
/// `WebhookFastPath.Installer`), so a webhook's head is never converted to Swift HTTP Types
/// (3 % of the server's CPU under ingest, session 16); what it passes on is converted there.
///
/// Only the plain case is taken here: a keep-alive POST to the exact path, while no request
/// of this connection is with Hummingbird (responses must leave in request order), with the
/// channel list fresh in `ChannelDirectory`, correctly signed and parsed. Anything else —
/// a bad signature, malformed JSON, a body over 256 kB, `Connection: close`, `Expect` — is
/// passed on untouched to `WebhookController.receive`, which answers it as before. Once a
/// batch is handed to the committer, its answer (200, or the error the commit ended with in
/// the API's shape) is written here.
final class WebhookFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    static let path = "/webhooks/whatsapp"
    /// A 200's metric labels, the same as the router's for this route.
    static let okLabels = Metrics.RequestLabels(route: path, method: "POST", status: 200)
    /// The largest body checked and parsed here. Meta's webhooks are a few kB; a larger one
    /// would hold up every other connection of this event loop while it is parsed.
    static let largestBody = 256 << 10

    private let webhooks: WebhookController
    private let logger: Logger
    /// Requests passed on to Hummingbird whose responses have not ended yet.
    private var withHummingbird = 0
    /// The webhook being collected: its head, body so far and arrival.
    private var collecting: (head: HTTPRequestHead, body: ByteBuffer, since: ContinuousClock.Instant)?
    /// A webhook of ours waits for its commit: later parts are held (HTTP/1.1 pipelining).
    private var storing = false
    private var held: [HTTPServerRequestPart] = []
    /// The server's stop, held while a webhook of ours is in progress: passed on after its
    /// answer (Hummingbird's connection handler, not knowing of it, would close at once).
    private var heldQuiesce: Any?
    /// A read asked for while reads were held, made after the answer.
    private var readWanted = false
    /// Reads wait while a request waits behind a webhook of ours (`read(context:)` says why).
    private var holdsReads: Bool { storing && !held.isEmpty }

    /// The response encoder's context: a 200 is written from there, already encoded (nil in a
    /// pipeline without NIO's encoder, as in tests: answers then go as parts).
    private var encoder: ChannelHandlerContext?
    /// The whole 200 answer as bytes, for the `Date` it carries: rebuilt once a second.
    private var encodedOK: (date: String, bytes: ByteBuffer)?

    init(webhooks: WebhookController, logger: Logger) {
        self.webhooks = webhooks
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        encoder = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if storing {
            held.append(part)
            return
        }
        switch part {
        case .head(let head):
            if withHummingbird == 0, takes(head) {
                collecting = (head, context.channel.allocator.buffer(capacity: 2048), .now)
            } else {
                withHummingbird += 1
                context.fireChannelRead(data)
            }
        case .body(let chunk):
            guard var webhook = collecting else { return context.fireChannelRead(data) }
            if webhook.body.readableBytes + chunk.readableBytes > Self.largestBody {
                // Large: parsed off the event loop by the router's handler (which answers 413,
                // and counts it, past `maxBytes`), from the parts so far and the rest.
                passOn(context, head: webhook.head, body: webhook.body)
                context.fireChannelRead(data)
                return
            }
            collecting = nil   // the buffer stays uniquely referenced while it grows
            webhook.body.writeImmutableBuffer(chunk)
            collecting = webhook
        case .end(let trailers):
            guard let webhook = collecting else { return context.fireChannelRead(data) }
            collecting = nil
            store(context, webhook, trailers: trailers)
        }
    }

    /// A POST to the path that keeps the connection open and expects no interim answer.
    private func takes(_ head: HTTPRequestHead) -> Bool {
        head.method == .POST && head.uri == Self.path && head.isKeepAlive && !head.headers.contains(name: "expect")
    }

    /// Hands a webhook collected so far to Hummingbird, as if it had never been looked at;
    /// `end` when the request has ended (with its trailers, if any).
    private func passOn(_ context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer, end: HTTPHeaders?? = nil) {
        collecting = nil
        withHummingbird += 1
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if body.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(.body(body))) }
        if let end { context.fireChannelRead(wrapInboundOut(.end(end))) }
        passOnHeldStop(context)
    }

    /// The server's stop, held while a webhook of ours was in progress, passed on once none is.
    private func passOnHeldStop(_ context: ChannelHandlerContext) {
        guard !storing, collecting == nil, let event = heldQuiesce else { return }
        heldQuiesce = nil
        context.fireUserInboundEventTriggered(event)
    }

    private func store(_ context: ChannelHandlerContext,
                       _ webhook: (head: HTTPRequestHead, body: ByteBuffer, since: ContinuousClock.Instant), trailers: HTTPHeaders?) {
        guard let signers = webhooks.channels.freshSigners(),
              case .store(let batch) = WebhookController.judge(
                  body: Data(webhook.body.readableBytesView),
                  signature: webhook.head.headers.first(name: WebhookController.signatureHeader.rawName), signers: signers) else {
            passOn(context, head: webhook.head, body: webhook.body, end: .some(trailers))
            return
        }
        storing = true
        let eventLoop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        let webhooks = self.webhooks
        webhooks.committer.enqueue(batch) { result in
            if case .success(let outcome) = result { webhooks.record(outcome) }
            eventLoop.execute {
                bound.value.handler.answer(bound.value.context, result, since: webhook.since)
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ result: Result<IngestRepository.Outcome, any Error>,
                        since: ContinuousClock.Instant) {
        let status: HTTPResponseStatus
        if case .success = result, let encoder {
            // Bytes written past the encoder, which keeps no state between responses; every
            // response of Hummingbird's on this connection has ended (`withHummingbird` is 0).
            status = .ok
            encoder.writeAndFlush(NIOAny(okBytes()), promise: nil)
        } else {
            let (head, body) = Self.answerParts(result, logger: logger)
            status = head.status
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        let labels = status == .ok ? Self.okLabels : Metrics.RequestLabels(route: Self.path, method: "POST", status: Int(status.code))
        webhooks.metrics.recordRequest(labels, took: ContinuousClock.now - since)
        webhooks.metrics.increment("chorus_webhook_fast_path_total")
        storing = false
        // What arrived meanwhile, in order (a part may start another webhook of ours and be held
        // again); outside a read, so the read's end is signalled for Hummingbird's side to take them.
        let parts = held
        held = []
        for (index, part) in parts.enumerated() {
            if storing {
                held.append(contentsOf: parts[index...])
                break
            }
            channelRead(context: context, data: wrapInboundOut(part))
        }
        if !parts.isEmpty { context.fireChannelReadComplete() }
        passOnHeldStop(context)
        if readWanted, !holdsReads {
            readWanted = false
            context.read()
        }
    }

    /// A webhook's answer as HTTP parts: 200 "OK", or the error its commit ended with in the
    /// API's shape; the same headers as Hummingbird's answers.
    static func answerParts(_ result: Result<IngestRepository.Outcome, any Error>, logger: Logger) -> (HTTPResponseHead, ByteBuffer) {
        var status = HTTPResponseStatus.ok
        var headers = HTTPHeaders()
        let body: ByteBuffer
        switch result {
        case .success:
            headers.add(name: "Content-Type", value: "text/plain")
            body = ByteBuffer(string: "OK")
        case .failure(let error):
            let answer = ErrorAnswer.chorusError(for: error, on: "POST \(Self.path)", logger: logger)
            status = HTTPResponseStatus(statusCode: answer.status)
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            if let seconds = ErrorAnswer.retryAfter(answer) { headers.add(name: "Retry-After", value: seconds) }
            body = ErrorAnswer.body(answer)
        }
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Date", value: HTTPDate.now())
        headers.add(name: "Server", value: "Chorus")
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), body)
    }

    /// The 200 answer's bytes, as `answerParts` would have NIO's encoder write them.
    private func okBytes() -> ByteBuffer {
        let date = HTTPDate.now()
        if let cached = encodedOK, cached.date == date { return cached.bytes }
        let bytes = ByteBuffer(string: Self.encodedOKText(date: date))
        encodedOK = (date, bytes)
        return bytes
    }

    static func encodedOKText(date: String) -> String {
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nDate: \(date)\r\nServer: Chorus\r\n\r\nOK"
    }

    /// No more reading from the socket once a request arrived behind a webhook of ours that is
    /// being stored: a client sending request after request meets TCP's backpressure instead of
    /// growing `held` (by more than one read's parts). Until then reads pass: a client that waits
    /// for each answer, as Meta does, sends nothing meanwhile, and holding its reads cost two
    /// `epoll_ctl` calls per webhook (NIO stops watching a socket no read is pending on).
    func read(context: ChannelHandlerContext) {
        if holdsReads {
            readWanted = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird's responses: each one's end frees the way for webhooks of ours.
        if case .end = unwrapOutboundIn(data) { withHummingbird = max(0, withHummingbird - 1) }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, storing || collecting != nil {
            heldQuiesce = event
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension WebhookFastPath {
    /// Puts a `WebhookFastPath` just before `HTTP1ToHTTPServerCodec` and takes itself out.
    /// Hummingbird adds its `additionalChannelHandlers` after that codec, where requests are
    /// already Swift HTTP Types; the fast path wants NIO's own parts, unconverted.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny   // passes everything on, for the moment it is there
        private let fastPath: WebhookFastPath
        private let logger: Logger

        init(webhooks: WebhookController, logger: Logger) {
            self.fastPath = WebhookFastPath(webhooks: webhooks, logger: logger)
            self.logger = logger
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            do {
                let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
                try pipeline.addHandler(fastPath, position: .before(codec))
            } catch {
                // Every webhook of this connection then goes through the router, as before.
                logger.warning("webhook fast path not installed on a connection: \(error)")
            }
            pipeline.removeHandler(context: context, promise: nil)
        }
    }
}
