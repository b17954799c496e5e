import ChorusStore
import Foundation
import Synchronization

/// The channels, read from the store at most once a second. Webhooks need every channel's
/// app secret on every request; this keeps that read off the hot path. A channel added or
/// changed by `chorus channel add` in another process is seen within a second.
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
        let fresh = try await channels.list()
        cache.withLock { $0 = (now, fresh) }
        return fresh
    }
}
