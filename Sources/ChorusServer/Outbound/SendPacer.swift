import ChorusCore
import Foundation

/// Keeps each number under Meta's limits before Meta has to say so.
actor SendPacer {
    private let messagesPerSecond: Double
    private let pairInterval: Double
    private let pairBurst: Double
    private var numbers: [Int64: TokenBucket] = [:]
    private var pairs: [String: TokenBucket] = [:]

    init(messagesPerSecond: Double, pairRateSeconds: Double, pairBurst: Int) {
        self.messagesPerSecond = messagesPerSecond
        self.pairInterval = pairRateSeconds
        self.pairBurst = Double(pairBurst)
    }

    /// Seconds to wait before this customer may get another message (nil: now).
    func pairDelay(channelID: Int64, recipient: String) -> Double? {
        let now = Date().timeIntervalSince1970
        let key = "\(channelID)|\(recipient)"
        var bucket = pairs[key] ?? TokenBucket(rate: 1 / pairInterval, burst: pairBurst, now: now)
        let delay = bucket.take(now: now)
        pairs[key] = bucket
        return delay
    }

    /// Seconds to wait before the number may send again (nil: now).
    func numberDelay(channelID: Int64) -> Double? {
        let now = Date().timeIntervalSince1970
        var bucket = numbers[channelID] ?? TokenBucket(rate: messagesPerSecond, burst: max(1, messagesPerSecond), now: now)
        let delay = bucket.take(now: now)
        numbers[channelID] = bucket
        return delay
    }
}
