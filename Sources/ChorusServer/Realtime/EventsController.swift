import ChorusCore
import ChorusStore
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle

/// `GET /api/v1/events`: the device's WebSocket. It first replays what the device missed since
/// `?last_event_id=N` from the store, in order, then streams live events — only those the
/// device may see. Frames are JSON objects; every event frame has a monotonically increasing id.
struct EventsController {
    let hub: DeviceHub
    let pump: EventPump
    let feed: EventFeed
    let presence: PresenceService

    /// Close code when the session ends (evicted, signed out, deactivated); the reason is the
    /// same stable code the REST API answers with.
    static let sessionEnded = WebSocketErrorCode(codeNumber: 4401)

    /// Refuses before the upgrade what the socket could not serve: a plain GET (426) and a
    /// `last_event_id` that is not an event id (400).
    @Sendable func shouldUpgrade(_ request: Request, _ context: ChorusRequestContext) async throws -> RouterShouldUpgrade {
        if let raw = request.uri.queryParameters.get("last_event_id"), (Int64(raw) ?? -1) < 0 {
            throw ChorusError.badRequest("invalid_last_event_id", "last_event_id must be a non-negative event id.")
        }
        guard request.headers[.upgrade]?.lowercased() == "websocket" else {
            throw ChorusError(status: 426, code: "upgrade_required", message: "This is a WebSocket endpoint: send an Upgrade: websocket request.")
        }
        return .upgrade([:])
    }

    func handle(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter,
                _ context: WebSocketRouterContext<ChorusRequestContext>) async throws {
        guard let actor = context.requestContext.actor else { return }
        let channel = context.requestContext.channel
        // Registered before the high-water mark is read, so no event falls between: those up
        // to the mark are replayed from the store, later ones wait while this device catches up.
        let (connection, control) = hub.connect(actor, channel: channel)
        let highWater = pump.highWater
        defer { hub.disconnect(connection) }
        // However the connection ends, this handler ends with it: frames go straight to the
        // channel, so the loop below writes nothing and would not notice a dead socket itself.
        channel.closeFuture.whenComplete { [hub] _ in hub.disconnect(connection) }
        let presence = self.presence
        let hello: JSONValue = ["type": "hello", "lastEventId": .int(highWater), "deviceId": .int(actor.deviceID)]
        try await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: hello.serialized)))
        var cursor = highWater
        if let raw = context.request.uri.queryParameters.get("last_event_id"), let since = Int64(raw), since < highWater {
            cursor = max(0, since)
        }
        var upTo = highWater
        while true {
            try await replay(after: cursor, upTo: upTo, to: connection)
            if connection.goLive(replayed: upTo) { break }
            // More arrived while replaying than it is worth holding: replay those from the store too.
            cursor = upTo
            upTo = pump.highWater
        }
        do {
            // On shutdown the server closes the socket itself rather than wait for the client to
            // end it: a device that does not answer (asleep, half-open TCP) kept `chorus serve`
            // from stopping for a minute or more (ShutdownTests).
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // Client frames: presence (viewing, typing). The end of the stream is the client leaving.
                        for try await message in inbound.messages(maxSize: 64 << 10) {
                            if case .text(let text) = message, let frame = try? JSONValue.parse(text.utf8) {
                                await presence.received(frame, from: connection)
                            }
                        }
                        hub.disconnect(connection)
                    }
                    for await item in control {
                        switch item {
                        case .close(let reason):
                            try await outbound.close(Self.sessionEnded, reason: reason)
                        case .goingAway:
                            try await outbound.close(.goingAway, reason: "server_stopping")
                        }
                        group.cancelAll()
                        return
                    }
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                connection.control.yield(.goingAway)
            }
        } catch {
            await presence.disconnected(connection)
            throw error
        }
        // However the socket ended, this device no longer views or types anywhere.
        await presence.disconnected(connection)
    }

    /// Writes the events in (`cursor`, `upTo`] this device may see, page by page from the
    /// store; each page is flushed before the next is read, so a slow device slows only itself.
    private func replay(after cursor: Int64, upTo: Int64, to connection: DeviceHub.Connection) async throws {
        var cursor = cursor
        while cursor < upTo {
            let page = try await feed.events(after: cursor, upTo: upTo, limit: 500)
            guard let last = page.last else { break }
            let visible = page.filter { connection.mayReceive($0) }.map { EventFrames.Item(id: $0.id, text: EventFrames.text($0)) }
            let frames = EventFrames.frames(visible)
            for (index, frame) in frames.enumerated() {
                let webSocketFrame = WebSocketFrame(fin: true, opcode: .text, data: frame)
                if index == frames.count - 1 {
                    try await connection.channel.writeAndFlush(webSocketFrame)
                } else {
                    connection.channel.write(webSocketFrame, promise: nil)
                }
            }
            cursor = last.id
        }
    }
}
