import AsyncHTTPClient
import ChorusCore
import ChorusWhatsApp
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Delivers webhooks as Meta does: ASCII-escaped JSON, signed with the app secret, retried
/// with growing delays until Chorus answers 200, optionally delivered twice or several times
/// out of order (the reliability suite's duplicate storm).
public final class WebhookDeliverer: Service, Sendable {
    struct Delivery: Sendable {
        var body: Data
        var dueAt: Double
        var attempts: Int
    }

    private let config: SimulatorConfig
    private let http: HTTPClient
    private let logger: Logger
    private let queue = Mutex<[Delivery]>([])
    private let counters = Mutex((delivered: 0, failedAttempts: 0))

    init(config: SimulatorConfig, http: HTTPClient, logger: Logger) {
        self.config = config
        self.http = http
        self.logger = logger
    }

    func enqueue(_ payload: JSONValue, after delay: Double = 0) {
        guard let body = try? ASCIIJSON.encode(payload) else { return }
        let due = Date().timeIntervalSince1970 + delay
        queue.withLock { queue in
            if config.redeliveries > 1 {
                for _ in 0..<config.redeliveries {
                    queue.append(Delivery(body: body, dueAt: due + Double.random(in: 0...config.redeliverySpread), attempts: 0))
                }
                return
            }
            queue.append(Delivery(body: body, dueAt: due, attempts: 0))
            if Double.random(in: 0..<1) < config.duplicateChance {
                queue.append(Delivery(body: body, dueAt: due + Double.random(in: 0.05...1.5), attempts: 0))
            }
        }
    }

    var stats: (delivered: Int, failedAttempts: Int) { counters.withLock { $0 } }
    var pending: Int { queue.withLock { $0.count } }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let now = Date().timeIntervalSince1970
                let due: [Delivery] = self.queue.withLock { queue in
                    let ready = queue.filter { $0.dueAt <= now }
                    queue.removeAll { $0.dueAt <= now }
                    return ready
                }
                if due.isEmpty {
                    try? await Task.sleep(for: .milliseconds(20))
                    continue
                }
                await withTaskGroup(of: Void.self) { group in
                    for delivery in due.prefix(64) {
                        group.addTask { await self.deliver(delivery) }
                    }
                }
                // Anything beyond the first 64 goes back for the next round.
                if due.count > 64 { self.queue.withLock { $0.append(contentsOf: due.dropFirst(64)) } }
            }
        }
    }

    private func deliver(_ delivery: Delivery) async {
        var request = HTTPClientRequest(url: config.webhookURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Hub-Signature-256", value: WebhookSignature.header(for: delivery.body, secret: config.appSecret))
        request.body = .bytes(ByteBuffer(bytes: delivery.body))
        var ok = false
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            ok = response.status.code == 200
            _ = try? await response.body.collect(upTo: 1 << 16)
        } catch {
            logger.debug("webhook delivery failed: \(error)")
        }
        if ok {
            counters.withLock { $0.delivered += 1 }
            return
        }
        counters.withLock { $0.failedAttempts += 1 }
        // Meta retries "immediately, then with decreasing frequency" for 7 days; compressed here.
        let retry = Delivery(body: delivery.body,
                             dueAt: Date().timeIntervalSince1970 + min(60, 0.25 * pow(2, Double(delivery.attempts))),
                             attempts: delivery.attempts + 1)
        queue.withLock { $0.append(retry) }
    }
}
