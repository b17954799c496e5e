import ChorusStore
import ChorusWhatsApp
import Logging
import ServiceLifecycle

/// Fetches inbound media after the webhook was acknowledged (never on the webhook's path):
/// Graph media URL → download → content-addressed file → message linked to it.
public struct MediaFetcher: Service {
    let media: MediaRepository
    let channels: ChannelRepository
    let graph: GraphClient
    let files: MediaFiles
    let logger: Logger
    /// Meta's largest inbound media (documents) is 100 MB.
    let limit = 100 << 20

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let fetched = (try? await self.fetchPending()) ?? 0
                if fetched == 0 { try? await Task.sleep(for: .milliseconds(250)) }
            }
        }
    }

    func fetchPending() async throws -> Int {
        let pending = try await media.pending(limit: 8)
        guard !pending.isEmpty else { return 0 }
        let endpoints = try await channels.endpointsByID()
        await withTaskGroup(of: Void.self) { group in
            for item in pending {
                group.addTask { await self.fetch(item, endpoint: endpoints[item.channelID]) }
            }
        }
        return pending.count
    }

    func fetch(_ item: MediaRepository.PendingFetch, endpoint: GraphEndpoint?) async {
        do {
            guard let endpoint else { throw GraphError(httpStatus: nil, code: nil, message: "The channel was removed", details: nil) }
            let (bytes, mime) = try await graph.downloadMedia(endpoint, mediaID: item.mediaID, limit: limit)
            let sha = try files.store(bytes)
            _ = try await media.stored(messageID: item.messageID, sha256: sha, mimeType: mime, size: Int64(bytes.count))
        } catch {
            logger.warning("media \(item.mediaID) of message \(item.messageID) could not be fetched: \(error)")
            try? await media.failed(messageID: item.messageID, reason: "The media could not be downloaded from WhatsApp: \(error)")
        }
    }
}
