import ChorusStore
import Foundation
import Synchronization

/// The channels, read from the store at most once a second. Webhooks need every channel's
/// app secret on every request; this keeps that read off the hot path. A channel added or
/// changed by `chorus channel add` in another process is seen within a second. While the
/// database does not answer, the last list read is used (channels rarely change), so a webhook
/// goes on to the group committer, which answers 503 in bounded time.
final class ChannelDirectory: Sendable {
    private let channels: ChannelRepository
    private let cache = Mutex<(at: Double, list: [ChannelRecord])?>(nil)
    private let maximumAge: Double

    init(channels: ChannelRepository, maximumAge: Double = 1) {
        self.channels = channels
        self.maximumAge = maximumAge
    }

    func list() async throws -> [ChannelRecord] {
        let now = Date().timeIntervalSince1970
        if let cached = cache.withLock({ $0 }), now - cached.at < maximumAge { return cached.list }
        let stale = cache.withLock { $0?.list }
        let channels = self.channels
        do {
            if let fresh = try await awaitAtMost(.seconds(1), { try await channels.list() }) {
                cache.withLock { $0 = (now, fresh) }
                return fresh
            }
        } catch {
            if stale == nil { throw error }
        }
        guard let stale else { throw StoreError.unavailable("the channel list could not be read") }
        return stale
    }
}
