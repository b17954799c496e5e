import ChorusStore
import ChorusWhatsApp
import Logging
import ServiceLifecycle

/// Keeps the templates table in step with each number's WABA: once at start-up, and whenever a
/// member asks. Status webhooks update single templates in between (IngestRepository).
public struct TemplateSync: Service {
    let channels: ChannelRepository
    let templates: TemplateRepository
    let graph: GraphClient
    let logger: Logger

    /// Syncs every channel; returns how many templates are now stored.
    @discardableResult
    public func syncAll() async throws -> Int {
        var total = 0
        for channel in try await channels.list() {
            let listed = try await graph.listTemplates(channel.endpoint)
            total += try await templates.replace(channelID: channel.id, with: listed)
        }
        return total
    }

    /// At start-up, with a few retries: the Graph API (or the demo's simulator) may still be starting.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.syncWithRetries() }
        try? await gracefulShutdown()
    }

    private func syncWithRetries() async {
        for attempt in 1...5 {
            do {
                let count = try await syncAll()
                logger.info("synced \(count) message template(s)")
                break
            } catch {
                if attempt == 5 {
                    logger.warning("template sync at start-up failed (retry with POST /api/v1/templates/sync): \(error)")
                }
                try? await Task.sleep(for: .seconds(2 * attempt))
                if Task.isCancelled { return }
            }
        }
    }
}

extension ChannelRepository {
    /// Every channel's Graph endpoint, for background workers that serve all numbers.
    func endpointsByID() async throws -> [Int64: GraphEndpoint] {
        Dictionary(uniqueKeysWithValues: try await list().map { ($0.id, $0.endpoint) })
    }
}

extension ChannelRecord {
    /// How this number reaches the Graph API.
    var endpoint: GraphEndpoint {
        GraphEndpoint(baseURL: graphURL, apiVersion: apiVersion, phoneNumberID: phoneNumberID, wabaID: wabaID,
                      accessToken: accessToken)
    }
}
