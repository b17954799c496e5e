import ChorusCore
import Foundation

/// What the simulated Meta remembers: what the business sent, when each customer last wrote
/// (the 24 h window), rate-limit buckets, uploaded media, templates and the business profile.
actor SimulatorState {
    struct SentMessage: Codable, Sendable {
        var id: String
        var to: String
        var type: String
        var body: JSONValue
        var receivedAt: Double
    }

    struct Media: Sendable {
        var bytes: [UInt8]
        var mimeType: String
    }

    private(set) var sent: [SentMessage] = []
    private var lastInbound: [String: Double] = [:]
    private var throughput: TokenBucket
    private var pairs: [String: TokenBucket] = [:]
    private let config: SimulatorConfig
    var media: [String: Media] = [:]
    var templates: [JSONValue] = SimulatorState.defaultTemplates
    var profile: JSONValue = .object([
        "about": .string("Simulated business"), "address": .string("1 Demo Street"),
        "description": .string("A business simulated by Chorus."), "email": .string("hello@example.com"),
        "messaging_product": .string("whatsapp"), "vertical": .string("RETAIL"),
        "websites": .array([.string("https://example.com")]),
    ])
    private var counter = 0

    init(config: SimulatorConfig) {
        self.config = config
        self.throughput = TokenBucket(rate: config.messagesPerSecond, burst: config.messagesPerSecond,
                                      now: Date().timeIntervalSince1970)
    }

    func nextID(prefix: String) -> String {
        counter += 1
        return "\(prefix).SIM\(UInt64(Date().timeIntervalSince1970 * 1000))\(counter)"
    }

    func customerWrote(_ waID: String, at time: Double) { lastInbound[waID] = time }

    func windowOpen(for waID: String, now: Double) -> Bool {
        guard let last = lastInbound[waID] else { return false }
        return now - last < 24 * 3600
    }

    /// nil when allowed, else Meta's throttling error code.
    func admit(to recipient: String, now: Double) -> Int? {
        if throughput.take(now: now) != nil { return 130429 }
        var pair = pairs[recipient] ?? TokenBucket(rate: 1 / config.pairRateSeconds, burst: Double(config.pairRateBurst), now: now)
        defer { pairs[recipient] = pair }
        if pair.take(now: now) != nil { return 131056 }
        return nil
    }

    func record(_ message: SentMessage) { sent.append(message) }

    func storeMedia(_ bytes: [UInt8], mimeType: String) -> String {
        counter += 1
        let id = "\(9_000_000_000 + counter)"
        media[id] = Media(bytes: bytes, mimeType: mimeType)
        return id
    }

    func deleteMedia(_ id: String) -> Bool { media.removeValue(forKey: id) != nil }

    func addTemplate(_ template: JSONValue) { templates.append(template) }
    func setProfile(_ update: [String: JSONValue]) {
        var current = profile.object ?? [:]
        for (key, value) in update where key != "messaging_product" { current[key] = value }
        profile = .object(current)
    }

    static let defaultTemplates: [JSONValue] = [
        .object(["name": .string("order_update"), "language": .string("en_US"), "status": .string("APPROVED"),
                 "category": .string("UTILITY"), "id": .string("7000001"),
                 "components": .array([.object(["type": .string("BODY"),
                                                "text": .string("Hello {{1}}, your order {{2}} is on its way.")])])]),
        .object(["name": .string("welcome_back"), "language": .string("en_US"), "status": .string("APPROVED"),
                 "category": .string("MARKETING"), "id": .string("7000002"),
                 "components": .array([.object(["type": .string("BODY"),
                                                "text": .string("Hi {{1}}, we have missed you! Reply to chat with us.")])])]),
        .object(["name": .string("order_update"), "language": .string("zh_CN"), "status": .string("APPROVED"),
                 "category": .string("UTILITY"), "id": .string("7000003"),
                 "components": .array([.object(["type": .string("BODY"), "text": .string("{{1}}您好，您的订单{{2}}已发货。")])])]),
    ]
}
