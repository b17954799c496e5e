import ChorusCore
import ChorusStore
import Foundation
import Logging
import ServiceLifecycle

/// Presence and collision signals: devices say which conversation they view and when they
/// type; everyone else who may see that conversation is told, on every instance.
struct PresenceService: Service {
    let board: PresenceBoard
    let hub: DeviceHub
    let inbox: InboxRepository
    let db: Database
    let logger: Logger

    static let channel = "chorus_presence"

    /// A frame from a device: `{"type": "viewing", "conversationId": 5}` (null: viewing none),
    /// `{"type": "typing", "conversationId": 5}`. Conversations the device may not see are
    /// ignored, so presence cannot be used to probe for them.
    func received(_ frame: JSONValue, from connection: DeviceHub.Connection) async {
        guard let type = frame["type"]?.string, type == "viewing" || type == "typing" else { return }
        let conversationID = frame["conversationId"]?.int
        if let conversationID {
            let actor = connection.actor.withLock { $0 }
            guard let conversation = try? await inbox.conversation(id: conversationID, scope: AccessPolicy.scope(for: actor)),
                  AccessPolicy.decide(actor, .viewConversation(assigneeID: conversation.assigneeId)) == .allow else { return }
        }
        let (entry, changed) = board.setLocal(memberID: connection.memberID, deviceID: connection.deviceID,
                                              conversationID: conversationID, typing: type == "typing" && conversationID != nil)
        await publish(entry)
        await broadcast(changed)
    }

    func disconnected(_ connection: DeviceHub.Connection) async {
        let changed = board.removeLocal(deviceID: connection.deviceID)
        guard !changed.isEmpty else { return }
        await publish(PresenceBoard.Entry(instance: board.instance, memberID: connection.memberID, deviceID: connection.deviceID,
                                          conversationID: nil, typingUntil: nil, seenAt: Clock.nowMillis()))
        await broadcast(changed)
    }

    /// An entry announced by another instance.
    func remote(_ payload: String) async {
        guard let entry = try? JSONDecoder().decode(PresenceBoard.Entry.self, from: Data(payload.utf8)),
              entry.instance != board.instance else { return }
        await broadcast(board.apply(entry))
    }

    func publish(_ entry: PresenceBoard.Entry) async {
        guard db.dialect == .postgres, let data = try? JSONEncoder().encode(entry) else { return }
        await db.notify(Self.channel, String(decoding: data, as: UTF8.self))
    }

    /// Tells every local device that may see each conversation who is there now.
    func broadcast(_ conversations: Set<Int64>) async {
        for id in conversations {
            guard let conversation = try? await inbox.conversation(id: id, scope: .all) else { continue }
            let (viewing, typing) = board.snapshot(conversationID: id)
            let frame: JSONValue = ["type": "presence", "conversationId": .int(id),
                                    "viewing": .array(viewing.map { .int($0) }), "typing": .array(typing.map { .int($0) })]
            hub.send(frame) { connection in
                AccessPolicy.decide(connection.actor.withLock { $0 }, .viewConversation(assigneeID: conversation.assigneeId)) == .allow
            }
        }
    }

    /// Lapses typing every second; re-announces local entries to other instances every 20 s.
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await broadcast(board.sweep())
                ticks += 1
                if ticks % 20 == 0 { for entry in board.localEntries { await publish(entry) } }
            }
        }
    }
}
