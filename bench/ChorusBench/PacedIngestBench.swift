import AsyncHTTPClient
import ChorusCore
import ChorusStore
import Foundation
import Logging

/// `chorus-bench ingest-paced`: the ingest bench's load at a fixed rate instead of flat out —
/// issue #3's "p99 ≤ 50 ms at 5,000 messages/s". wrk (bench/webhook-ingest) sends as fast as it
/// is answered, so its p99 is the saturated server's; this sends `rate` webhooks a second on an
/// even schedule from 64 connections and 1,000 customers, into a real `chorus serve` on a new
/// SQLite file with `synchronous=FULL`, and times each 200 OK from its sending and from its due
/// time. A 2 s warm-up at the same rate first (the customers' first messages create them).
/// Afterwards the server is stopped and the stored messages counted: each acknowledged webhook
/// must be there. Results go into bench/results.json under "ingest_paced_sqlite".
///
///   chorus-bench ingest-paced [--rate 5000] [--seconds 10] [--results bench/results.json]
struct PacedIngestBench {
    var rate = 5_000
    var seconds = 10
    var results = "bench/results.json"
    static let secret = "bench-paced-secret"
    static let phone = "910000011"
    static let customers = 1_000
    static let senders = 64

    func log(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

    func run() async throws {
        let directory = NSTemporaryDirectory() + "chorus-bench-paced-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = DatabaseConfig.sqlite(path: directory + "/chorus.sqlite", synchronous: .full)
        let logger = Logger(label: "bench")
        try await Database.withDatabase(config, logger: logger) { db in
            _ = try await ChannelRepository(db).add(NewChannel(phoneNumberID: Self.phone, wabaID: "910000012", displayNumber: "+49 170 0011",
                                                               accessToken: "t", appSecret: Self.secret, verifyToken: "v",
                                                               graphURL: "http://127.0.0.1:9"))
        }
        log("== paced ingest on SQLite: \(rate) webhooks/s for \(seconds) s, \(Self.senders) connections, \(Self.customers) customers")
        let port = Int.random(in: 20_000..<32_000)
        let server = try startChorusServer(config: config, postgresURL: nil, directory: directory, port: port)
        var stopped = false
        defer { if !stopped { server.terminate(); server.waitUntilExit() } }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do { try await Client(http: http, base: "http://127.0.0.1:\(port)").waitUntilUp() } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()

        let sender = PacedWebhooks(port: port, secret: Self.secret, senders: Self.senders)
        let webhook: @Sendable (String, Int) -> JSONValue = { wamid, timestamp in
            let customer = Int.random(in: 0..<Self.customers)
            return InboxBench.webhook(wamid: wamid, from: "4915\(100_000_000 + customer)", name: "Customer \(customer)",
                                      timestamp: timestamp, phone: Self.phone)
        }
        let warm = try await sender.send(rate: rate, seconds: 2, tag: "warm", webhook: webhook)
        let cpuBefore = processCPUSeconds(pid: server.processIdentifier)
        let measured = try await sender.send(rate: rate, seconds: seconds, tag: "paced", webhook: webhook)
        let cpu = processCPUSeconds(pid: server.processIdentifier) - cpuBefore
        server.terminate()
        server.waitUntilExit()
        stopped = true

        // Durable: every acknowledged webhook's message is in the file the server left.
        let stored = try await Database.withDatabase(config, logger: logger, migrate: false) { db in
            try await db.read { sql in
                try await sql.raw("SELECT COUNT(*) AS n FROM messages").first()!.decode(column: "n", as: Int.self)
            }
        }
        let acknowledged = warm.sent.count + measured.sent.count
        let acks = Samples(values: measured.acks), fromDue = Samples(values: measured.acksFromDue)
        log("  sent \(Int(measured.sentPerSecond))/s (due \(rate)/s): 200 OK p50 \(fmt(acks.percentile(50))) ms, p99 \(fmt(acks.percentile(99))) ms (target ≤ 50), max \(fmt(acks.values.max() ?? .nan)) ms; from the due time p99 \(fmt(fromDue.percentile(99))) ms, max \(fmt(fromDue.values.max() ?? .nan)) ms")
        log("  server CPU \(fmt(cpu * 1_000_000 / Double(measured.sent.count))) µs per webhook; stored \(stored) messages of \(acknowledged) acknowledged")
        guard stored == acknowledged else { throw BenchError("\(acknowledged) webhooks acknowledged but \(stored) messages stored") }
        try mergeResults(["rate": Double(rate), "seconds": Double(seconds), "connections": Double(Self.senders),
                          "customers": Double(Self.customers), "sent_per_second": measured.sentPerSecond,
                          "ack": acks.summary, "ack_from_due": fromDue.summary, "stored": Double(stored),
                          "acknowledged": Double(acknowledged), "server_cpu_per_webhook_us": cpu * 1_000_000 / Double(measured.sent.count),
                          "command": "chorus-bench ingest-paced --rate \(rate) --seconds \(seconds)"],
                         key: "ingest_paced_sqlite", into: results)
        log("results merged into \(results) under ingest_paced_sqlite")
    }
}
