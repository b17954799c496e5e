import ChorusStore

/// Everything `chorus serve` can be told, by environment variable or flag (README).
public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int
    public var dataDirectory: String
    public var database: DatabaseConfig
    /// bcrypt work factor; 12 in production, lower only in tests.
    public var bcryptCost: UInt8 = 12
    /// Devices a member may have signed in at once (seed: 4).
    public var deviceCap: Int = 4
    /// Largest webhook body accepted (Meta sends at most 3 MB).
    public var maxWebhookBytes: Int = 4 << 20
    /// Outbound pacing per number (Meta's default throughput: 80 msg/s).
    public var messagesPerSecond: Double = 80
    /// Meta's pair rate: one message per this many seconds to one customer, after a burst.
    public var pairRateSeconds: Double = 6
    public var pairRateBurst: Int = 45
    /// The largest file a member may send (seed: 16 MB); Meta's per-type limits apply on top.
    public var mediaCapBytes: Int = 16 << 20
    /// Whether the outbound sender runs in this process.
    public var runSender: Bool = true
    /// Marks the session cookie `Secure` (browsers then send it over HTTPS only). On by
    /// default; the demo on plain http://127.0.0.1 turns it off.
    public var secureCookies: Bool = true
    /// How long a connection still busy when the server starts stopping may go on (a slow
    /// client's stream, a half-sent request) before it is closed.
    public var stopGrace: Duration = .seconds(10)
    /// Signed webhooks served in the connection's pipeline (`WebhookFastPath`); off, every
    /// webhook goes through the router (`CHORUS_WEBHOOK_FAST_PATH=off`: for comparison).
    public var webhookFastPath: Bool = true

    public init(host: String = "127.0.0.1", port: Int = 8080, dataDirectory: String = "./chorus-data",
                database: DatabaseConfig) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.database = database
    }
}
