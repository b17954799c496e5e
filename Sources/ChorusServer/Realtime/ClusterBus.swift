import ChorusStore
import Logging
import ServiceLifecycle

/// Connects the instances that share one PostgreSQL database: an event written anywhere wakes
/// every instance's pump (NOTIFY chorus_events), and presence travels on chorus_presence.
/// Silent on SQLite, where there is one instance.
struct ClusterBus: Service {
    let db: Database
    let pump: EventPump
    let presence: PresenceService
    let logger: Logger

    static let eventsChannel = "chorus_events"

    func run() async throws {
        // A service that returns early would stop the whole service group: wait for shutdown instead.
        guard db.dialect == .postgres else { try? await gracefulShutdown(); return }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await self.keepListening(Self.eventsChannel) { sender in
                        if sender != self.pump.instance { self.pump.signal() }
                    }
                }
                group.addTask {
                    await self.keepListening(PresenceService.channel) { payload in
                        Task { await self.presence.remote(payload) }
                    }
                }
                await group.waitForAll()
            }
        }
    }

    /// Listens, and listens again after a dropped connection (a database restart, say).
    private func keepListening(_ channel: String, _ handle: @escaping @Sendable (String) -> Void) async {
        while !Task.isCancelled {
            do {
                try await db.listen(channel, handle)
            } catch {
                if Task.isCancelled { return }
                logger.warning("cluster bus lost \(channel), reconnecting: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
