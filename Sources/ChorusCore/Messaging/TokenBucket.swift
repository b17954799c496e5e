/// A token bucket: `rate` tokens per second, holding at most `burst`. Used for Meta's
/// per-number throughput (80 msg/s) and per-customer pair rate (1 per 6 s after a burst).
public struct TokenBucket: Sendable, Equatable {
    public let rate: Double
    public let burst: Double
    private var tokens: Double
    private var updatedAt: Double

    public init(rate: Double, burst: Double, now: Double) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.updatedAt = now
    }

    /// Takes a token if there is one; otherwise returns how many seconds until there will be.
    public mutating func take(now: Double) -> Double? {
        tokens = min(burst, tokens + max(0, now - updatedAt) * rate)
        updatedAt = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }
}
