import ChorusCore
import Foundation
import Synchronization

/// The devices connected to this instance right now, each with an outbox of frames. Controllers
/// tell it when a member's rights change or devices are signed out, and the open sockets hear
/// it at once (the seed's app takes 12–25 s).
final class DeviceHub: Sendable {
    enum Outgoing: Sendable, Equatable {
        case frame(String)
        /// Close the socket with this reason code (device_evicted, member_deactivated …).
        case close(String)
    }

    struct Connection: Sendable {
        let id: UUID
        let memberID: Int64
        let deviceID: Int64
        let outbox: AsyncStream<Outgoing>.Continuation
    }

    private let connections = Mutex<[UUID: Connection]>([:])

    func connect(memberID: Int64, deviceID: Int64) -> (UUID, AsyncStream<Outgoing>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Outgoing.self, bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        connections.withLock { $0[id] = Connection(id: id, memberID: memberID, deviceID: deviceID, outbox: continuation) }
        return (id, stream)
    }

    func disconnect(_ id: UUID) {
        connections.withLock { $0.removeValue(forKey: id) }?.outbox.finish()
    }

    var count: Int { connections.withLock { $0.count } }

    /// Sends a frame to every open device of a member.
    func send(toMember memberID: Int64, _ frame: JSONValue) {
        let text = frame.serialized
        for connection in connections.withLock({ Array($0.values) }) where connection.memberID == memberID {
            connection.outbox.yield(.frame(text))
        }
    }

    /// Sends a frame to the connections `include` accepts.
    func broadcast(_ frame: JSONValue, include: (Connection) -> Bool) {
        let text = frame.serialized
        for connection in connections.withLock({ Array($0.values) }) where include(connection) {
            connection.outbox.yield(.frame(text))
        }
    }

    /// Tells the member's devices their rights changed: clients refetch `/api/v1/me`.
    func rightsChanged(memberID: Int64) {
        send(toMember: memberID, .object(["type": .string("permissions.changed"), "memberId": .int(memberID)]))
    }

    /// Closes the sockets of signed-out devices, with the reason as close frame text.
    func close(devices: [Int64], reason: String) {
        let set = Set(devices)
        for connection in connections.withLock({ Array($0.values) }) where set.contains(connection.deviceID) {
            connection.outbox.yield(.close(reason))
        }
    }
}
