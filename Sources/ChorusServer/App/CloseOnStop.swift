import HummingbirdCore
import Logging
import NIOCore

/// Makes every connection end when the server stops. Hummingbird closes idle keep-alive
/// connections then, but not one that has not yet sent a whole first request — browsers open
/// spare connections ahead of need — because with WebSocket upgrades enabled its task waits on
/// the upgrade negotiation, which neither the stop nor task cancellation ends: `chorus serve`
/// and the demo never stopped while such a connection was open. The handler goes first in
/// each connection's pipeline.
struct CloseOnStop<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner
    /// How long a connection that is still busy (a slow client's stream, a half-sent request)
    /// may take after the stop begins; well inside the service group's own limit.
    let grace: Duration

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(Handler(grace: TimeAmount(grace)), position: .first)
        }.flatMap { inner.setup(channel: channel, logger: logger) }
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        private let grace: TimeAmount
        private var hasSentBytes = false

        init(grace: TimeAmount) { self.grace = grace }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            hasSentBytes = true
            context.fireChannelRead(data)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent {
                guard hasSentBytes else { context.close(promise: nil); return }
                let channel = context.channel
                channel.eventLoop.scheduleTask(in: grace) { channel.close(promise: nil) }
            }
            context.fireUserInboundEventTriggered(event)
        }
    }
}
