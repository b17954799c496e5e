import ChorusCore
import ChorusStore
import Foundation
import NIOCore
import Synchronization

/// The devices connected to this instance right now, each with an outbox of frames. Events
/// from the store are filtered per device by the one permission decision; controllers tell the
/// hub when rights change or devices are signed out, and open sockets hear it at once.
final class DeviceHub: Sendable {
    enum Outgoing: Sendable, Equatable {
        /// Events of the log for this device, in id order, and the frame carrying them (one
        /// event, or a `batch` of several). Frames are built once per distinct set of events and
        /// shared by every connection that receives that set; the ids let a device skip events
        /// it already has.
        case events([EventFrames.Item], [ByteBuffer])
        case frame(String)
        /// Close the socket with this reason code (device_evicted, member_deactivated …).
        case close(String)
    }

    final class Connection: Sendable {
        let id = UUID()
        let deviceID: Int64
        let outbox: AsyncStream<Outgoing>.Continuation
        /// The member's rights as of the last check; refreshed when they change.
        let actor: Mutex<Actor>

        init(actor: Actor, outbox: AsyncStream<Outgoing>.Continuation) {
            self.deviceID = actor.deviceID
            self.outbox = outbox
            self.actor = Mutex(actor)
        }

        var memberID: Int64 { actor.withLock { $0.memberID } }

        /// May this device see the event? The same decision as `GET /conversations/{id}`.
        func mayReceive(_ event: FeedEvent) -> Bool {
            let actor = self.actor.withLock { $0 }
            if let member = event.memberID, member != actor.memberID { return false }
            guard event.conversationID != nil else { return true }
            return AccessPolicy.decide(actor, .viewConversation(assigneeID: event.assigneeID)) == .allow
        }
    }

    private let connections = Mutex<[UUID: Connection]>([:])
    /// Rebuilds a connected device's actor from the store (rights, template, settings).
    private let reload: @Sendable (Actor) async throws -> Actor?

    init(reload: @escaping @Sendable (Actor) async throws -> Actor?) {
        self.reload = reload
    }

    func connect(_ actor: Actor) -> (Connection, AsyncStream<Outgoing>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .bufferingNewest(10_000))
        let connection = Connection(actor: actor, outbox: continuation)
        connections.withLock { $0[connection.id] = connection }
        return (connection, stream)
    }

    func disconnect(_ connection: Connection) {
        connections.withLock { $0.removeValue(forKey: connection.id) }?.outbox.finish()
    }

    var count: Int { connections.withLock { $0.count } }

    private var all: [Connection] { connections.withLock { Array($0.values) } }

    /// Fans store events out to every device allowed to see them: each device gets one frame
    /// per drain of the event log (one event, or a batch), not one per event.
    func deliver(_ events: [FeedEvent]) {
        let connections = all
        guard !connections.isEmpty, !events.isEmpty else { return }
        let items = events.map { (event: $0, item: EventFrames.Item(id: $0.id, text: EventFrames.text($0))) }
        var frames: [[Int64]: [ByteBuffer]] = [:]
        for connection in connections {
            let visible = items.filter { connection.mayReceive($0.event) }.map(\.item)
            guard !visible.isEmpty else { continue }
            let key = visible.map(\.id)
            let bytes = frames[key] ?? EventFrames.frames(visible)
            frames[key] = bytes
            connection.outbox.yield(.events(visible, bytes))
        }
    }

    /// Sends a frame that is not in the event log (presence, typing, rights changes).
    func send(_ frame: JSONValue, where include: (Connection) -> Bool) {
        let text = frame.serialized
        for connection in all where include(connection) { connection.outbox.yield(.frame(text)) }
    }

    /// Refreshes what the member's open devices may see (nil: everyone's, after a workspace
    /// setting changed), then tells them; clients refetch `/api/v1/me`.
    func rightsChanged(memberID: Int64?) async {
        for connection in all where memberID == nil || connection.memberID == memberID {
            let current = connection.actor.withLock { $0 }
            if let fresh = try? await reload(current) { connection.actor.withLock { $0 = fresh } }
        }
        var frame: [String: JSONValue] = ["type": "permissions.changed"]
        if let memberID { frame["memberId"] = .int(memberID) }
        send(.object(frame), where: { memberID == nil || $0.memberID == memberID })
    }

    /// Closes the sockets of signed-out devices, with the reason as close frame text.
    func close(devices: [Int64], reason: String) {
        let set = Set(devices)
        for connection in all where set.contains(connection.deviceID) { connection.outbox.yield(.close(reason)) }
    }
}

/// The JSON frames of the event socket: `{"id", "type", "at", "conversationId", "data", "message"}`,
/// or `{"type": "batch", "events": [those, in id order]}` when several arrive together.
enum EventFrames {
    struct Item: Sendable, Equatable {
        let id: Int64
        let text: String
    }

    /// Batches stay under this size, so clients with modest frame limits take them whole.
    static let maxBatchBytes = 60_000

    /// The frames carrying `items`: single events as themselves, runs of them as batches.
    static func frames(_ items: [Item]) -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        var run: [Item] = []
        var size = 0
        func flush() {
            guard !run.isEmpty else { return }
            if run.count == 1 {
                frames.append(ByteBuffer(string: run[0].text))
            } else {
                var buffer = ByteBuffer()
                buffer.writeString(#"{"type":"batch","events":["#)
                for (index, item) in run.enumerated() {
                    if index > 0 { buffer.writeString(",") }
                    buffer.writeString(item.text)
                }
                buffer.writeString("]}")
                frames.append(buffer)
            }
            run.removeAll()
            size = 0
        }
        for item in items {
            if size + item.text.utf8.count > maxBatchBytes { flush() }
            run.append(item)
            size += item.text.utf8.count + 1
        }
        flush()
        return frames
    }

    struct Frame: Encodable {
        var id: Int64
        var type: String
        var at: Int64
        var conversationId: Int64?
        var data: JSONValue
        var message: MessageRecord?
    }

    static func text(_ event: FeedEvent) -> String {
        let frame = Frame(id: event.id, type: event.kind, at: event.at, conversationId: event.conversationID,
                          data: event.payload, message: event.message)
        return (try? String(decoding: JSONBody.encoder.encode(frame), as: UTF8.self)) ?? "{}"
    }
}
