/// How the simulated Meta behaves. Every knob is a `chorus sim` flag.
public struct SimulatorConfig: Sendable {
    public var host = "127.0.0.1"
    public var port = 8090
    /// Chorus's webhook endpoint, e.g. http://127.0.0.1:8080/webhooks/whatsapp
    public var webhookURL: String
    public var appSecret = "sim-app-secret"
    public var verifyToken = "sim-verify-token"
    public var accessToken = "sim-access-token"
    public var phoneNumberID = "100000000000001"
    public var wabaID = "200000000000001"
    public var displayNumber = "+1 555 010 0001"

    /// Simulated customers writing on their own; 0 turns them off.
    public var customers = 0
    /// Customer messages per second, across all customers.
    public var customerRate = 0.2
    /// Delays of the statuses after an accepted send (seconds).
    public var sentDelay = 0.2
    public var deliveredDelay = 0.8
    public var readDelay = 2.0
    /// Chance (0…1) of skipping `delivered` (Meta implies it by `read`), and of delivering a
    /// webhook twice (Meta's retries).
    public var skipDeliveredChance = 0.0
    /// Chance (0…1) that `read` arrives before `delivered`, as Meta does not guarantee order.
    public var reorderChance = 0.0
    public var duplicateChance = 0.0
    /// Deliver every webhook this many times in all (1: once), each copy at a random moment
    /// within `redeliverySpread` seconds, so copies and different webhooks arrive out of order.
    public var redeliveries = 1
    public var redeliverySpread = 2.0
    /// Send pacing Meta enforces: throughput per number, and the per-customer pair rate.
    public var messagesPerSecond = 80.0
    public var pairRateSeconds = 6.0
    public var pairRateBurst = 45

    public init(webhookURL: String) { self.webhookURL = webhookURL }
}
