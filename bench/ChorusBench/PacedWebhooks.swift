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
/// of 19 ms under the fan-out on a slow machine held the rate near 420/s). `PacedSender` writes
/// and times them, from one thread with plain sockets (LoopbackSockets.swift says why).
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
        let senders = self.senders, secret = self.secret, port = self.port
        // One evenly spaced schedule, dealt round the senders: webhook n is due at n / rate s
        // (in bursts of one per sender instead, 50 arrived together every 50 ms). Every webhook
        // is encoded and signed before the schedule starts: done on the way, that took a fifth
        // of this process's CPU, on the cores the server under test shares (BENCHMARKS.md).
        let interval = 1_000_000 / rate   // µs
        let count = rate * seconds
        let wallStart = Date().timeIntervalSince1970
        let prepared = try await withThrowingTaskGroup(of: (Int, [(wamid: String, bytes: [UInt8])]).self) { group in
            for worker in 0..<senders {
                group.addTask {
                    let webhooks = try stride(from: worker, to: count, by: senders).map { n in
                        let wamid = "wamid.\(tag).\(n)"
                        let body = try ASCIIJSON.encode(webhook(wamid, Int(wallStart) + n * interval / 1_000_000))
                        let head = "POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                            + "Content-Length: \(body.count)\r\nX-Hub-Signature-256: \(WebhookSignature.header(for: body, secret: secret))\r\n\r\n"
                        return (wamid, Array(head.utf8) + body)
                    }
                    return (worker, webhooks)
                }
            }
            var byWorker: [Int: [(wamid: String, bytes: [UInt8])]] = [:]
            for try await (worker, webhooks) in group { byWorker[worker] = webhooks }
            return (0..<count).map { n in byWorker[n % senders]![n / senders] }
        }
        let sender = try PacedSender(port: port, connections: senders)
        let began = ContinuousClock.now + .milliseconds(10)
        let requests = prepared.indices.map { n in PacedSender.Request(due: began + .microseconds(n * interval), bytes: prepared[n].bytes) }
        let (posted, answered) = try await sender.run(requests)
        var sent: [String: Sent] = [:]
        for n in requests.indices { sent[prepared[n].wamid] = Sent(due: requests[n].due, posted: posted[n]) }
        let acks = requests.indices.map { milliseconds(from: posted[$0], to: answered[$0]) }
        let acksFromDue = requests.indices.map { milliseconds(from: requests[$0].due, to: answered[$0]) }
        let sentPerSecond = Double(count) / (milliseconds(from: began, to: answered.max() ?? began) / 1000)
        return (sent, acks, acksFromDue, sentPerSecond)
    }
}
