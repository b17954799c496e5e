import ChorusStore
import ChorusWhatsApp
import Foundation
import Synchronization

/// The channels, read from the store at most once a second. Webhooks need every channel's
/// app secret on every request; this keeps that read off the hot path. A channel added or
/// changed by `chorus channel add` in another process is seen within a second. While the
/// database does not answer, the last list read is used (channels rarely change), so a webhook
/// goes on to the group committer, which answers 503 in bounded time.
final class ChannelDirectory: Sendable {
    /// A channel with its app secret ready for checking webhook signatures.
    struct Signer: Sendable {
        let channel: ChannelRecord
        let key: WebhookSignature.Key
    }

    private let channels: ChannelRepository
    private let cache = Mutex<(at: Double, signers: [Signer])?>(nil)
    private let maximumAge: Double

    init(channels: ChannelRepository, maximumAge: Double = 1) {
        self.channels = channels
        self.maximumAge = maximumAge
    }

    /// The signers when the last read is under `maximumAge` old, without waiting; else nil.
    func freshSigners() -> [Signer]? {
        let now = Date().timeIntervalSince1970
        return cache.withLock { cached in cached.flatMap { now - $0.at < maximumAge ? $0.signers : nil } }
    }

    func list() async throws -> [ChannelRecord] {
        try await signers().map(\.channel)
    }

    /// Every channel with its signing key (derived when the list is read, not per webhook).
    func signers() async throws -> [Signer] {
        if let fresh = freshSigners() { return fresh }
        let now = Date().timeIntervalSince1970
        let stale = cache.withLock { $0?.signers }
        let channels = self.channels
        do {
            if let fresh = try await awaitAtMost(.seconds(1), { try await channels.list() }) {
                let signers = fresh.map { Signer(channel: $0, key: WebhookSignature.Key(secret: $0.appSecret)) }
                cache.withLock { $0 = (now, signers) }
                return signers
            }
        } catch {
            if stale == nil { throw error }
        }
        guard let stale else { throw StoreError.unavailable("the channel list could not be read") }
        return stale
    }
}
