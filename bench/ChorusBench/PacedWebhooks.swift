import ChorusCore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation

/// Posts signed single-message webhooks on an even schedule — `rate` a second for `seconds`,
/// dealt round `senders` keep-alive connections — and times each one's 200 OK from its sending
/// and from its due time. Each sender waits for one answer before its next request, so a
/// stalled server also delays the requests due meanwhile: timed from their sending, a stall
/// shows only in the few samples in flight (coordinated omission); timed from their due time,
/// in every webhook it held up, as Meta's deliveries would be. Senders keep to the schedule
/// while answers take less than `senders / rate` seconds (with session 11's 10 senders, answers
/// of 19 ms under the fan-out on a slow machine held the rate near 420/s).
struct PacedWebhooks {
    /// When a webhook was due by the schedule and when it was written to the socket.
    struct Sent: Sendable {
        var due: ContinuousClock.Instant
        var posted: ContinuousClock.Instant
    }

    /// Each webhook's times by wamid, each one's 200 OK in ms from its sending and from its due
    /// time, and the rate actually sent.
    typealias Outcome = (sent: [String: Sent], acks: [Double], acksFromDue: [Double], sentPerSecond: Double)

    let port: Int
    let secret: String
    let senders: Int

    /// `webhook(wamid, timestamp)` builds each payload; the timestamp is the second it is due.
    func send(rate: Int, seconds: Int, tag: String,
              webhook: @escaping @Sendable (String, Int) -> JSONValue) async throws -> Outcome {
        let sent = Locked<[String: Sent]>([:])
        let acks = Locked<[(Double, Double)]>([])
        let senders = self.senders, secret = self.secret
        // Timed on each connection's event loop: from the request's write to its answer's last
        // byte (WebhookSender says why). All connected before the schedule starts.
        var connections: [WebhookSender] = []
        for _ in 0..<senders { connections.append(try await WebhookSender.connect(host: "127.0.0.1", port: port)) }
        defer { for sender in connections { sender.close() } }
        // One evenly spaced schedule, dealt round the senders: webhook n is due at n / rate s
        // (in bursts of one per sender instead, 50 arrived together every 50 ms). Every webhook
        // is encoded and signed before the schedule starts: done on the way, that took a fifth
        // of this process's CPU, on the cores the server under test shares (BENCHMARKS.md).
        let interval = 1_000_000 / rate   // µs
        let perSender = rate * seconds / senders
        let wallStart = Date().timeIntervalSince1970
        let prepared = try await withThrowingTaskGroup(of: (Int, [(wamid: String, body: Data, signature: String)]).self) { group in
            for worker in 0..<senders {
                group.addTask {
                    let webhooks = try (0..<perSender).map { i in
                        let wamid = "wamid.\(tag).\(worker).\(i)"
                        let timestamp = Int(wallStart) + (i * senders + worker) * interval / 1_000_000
                        let body = try ASCIIJSON.encode(webhook(wamid, timestamp))
                        return (wamid, body, WebhookSignature.header(for: body, secret: secret))
                    }
                    return (worker, webhooks)
                }
            }
            var byWorker: [Int: [(wamid: String, body: Data, signature: String)]] = [:]
            for try await (worker, webhooks) in group { byWorker[worker] = webhooks }
            return byWorker
        }
        let began = ContinuousClock.now + .milliseconds(10)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (worker, sender) in connections.enumerated() {
                let webhooks = prepared[worker] ?? []
                group.addTask {
                    for (i, webhook) in webhooks.enumerated() {
                        let due = began + .microseconds((i * senders + worker) * interval)
                        if due > .now { try await Task.sleep(until: due) }
                        let (postedAt, answeredAt) = try await sender.post(webhook.body, signature: webhook.signature)
                        sent.withLock { $0[webhook.wamid] = Sent(due: due, posted: postedAt) }
                        acks.withLock { $0.append((milliseconds(from: postedAt, to: answeredAt), milliseconds(from: due, to: answeredAt))) }
                    }
                }
            }
            try await group.waitForAll()
        }
        let sentPerSecond = Double(sent.value.count) / (milliseconds(since: began) / 1000)
        return (sent.value, acks.value.map(\.0), acks.value.map(\.1), sentPerSecond)
    }
}
