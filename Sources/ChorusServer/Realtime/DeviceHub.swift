import ChorusCore
import ChorusStore
import Foundation
import NIOCore
import Synchronization

/// The devices connected to this instance right now, each with its WebSocket channel. Events
/// from the store are filtered per device by the one permission decision; controllers tell the
/// hub when rights change or devices are signed out, and open sockets hear it at once.
final class DeviceHub: Sendable {
    private let connections = Mutex<[UUID: Connection]>([:])
    /// Rebuilds a connected device's actor from the store (rights, template, settings).
    private let reload: @Sendable (Actor) async throws -> Actor?

    init(reload: @escaping @Sendable (Actor) async throws -> Actor?) {
        self.reload = reload
    }

    /// Registers a device whose socket is `channel`. It catches up first: events wait until its
    /// task has replayed the rest from the store and calls `goLive`.
    func connect(_ actor: Actor, channel: any Channel) -> (Connection, AsyncStream<Connection.Control>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Connection.Control.self)
        let connection = Connection(actor: actor, channel: channel, control: continuation)
        connections.withLock { $0[connection.id] = connection }
        return (connection, stream)
    }

    func disconnect(_ connection: Connection) {
        connections.withLock { $0.removeValue(forKey: connection.id) }?.control.finish()
    }

    var count: Int { connections.withLock { $0.count } }

    private var all: [Connection] { connections.withLock { Array($0.values) } }

    /// Fans store events out to every device allowed to see them: each device gets one frame
    /// per drain of the event log (one event, or a batch), not one per event. Frames are built
    /// once per distinct set of events and shared; each event loop gets one job that writes
    /// to all of its devices, instead of a job per device.
    /// Returns how many devices it wrote to.
    @discardableResult
    func deliver(_ events: [FeedEvent]) -> Int {
        let connections = all
        guard !connections.isEmpty, !events.isEmpty else { return 0 }
        let items = events.map { (event: $0, item: EventFrames.Item(id: $0.id, text: EventFrames.text($0))) }
        var frames: [[Int64]: [ByteBuffer]] = [:]
        var perLoop: [ObjectIdentifier: (loop: any EventLoop, writes: [(any Channel, [ByteBuffer])])] = [:]
        for connection in connections {
            let visible = connection.visible(items)
            guard !visible.isEmpty else { continue }
            let key = visible.map(\.id)
            let bytes = frames[key] ?? EventFrames.frames(visible)
            frames[key] = bytes
            guard let now = connection.accept(visible, bytes) else { continue }
            let loop = connection.channel.eventLoop
            perLoop[ObjectIdentifier(loop), default: (loop, [])].writes.append((connection.channel, now))
        }
        var written = 0
        for (loop, writes) in perLoop.values {
            written += writes.count
            loop.execute {
                for (channel, frames) in writes { Connection.writeOnLoop(frames, to: channel) }
            }
        }
        return written
    }

    /// Sends a frame that is not in the event log (presence, typing, rights changes).
    func send(_ frame: JSONValue, where include: (Connection) -> Bool) {
        let bytes = ByteBuffer(string: frame.serialized)
        for connection in all where include(connection) { connection.send(bytes) }
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
        for connection in all where set.contains(connection.deviceID) { connection.control.yield(.close(reason)) }
    }
}
