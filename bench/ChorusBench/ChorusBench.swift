import AsyncHTTPClient
import ChorusCore
import ChorusServer
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import Logging
import NIOCore

/// `chorus-bench inbox`: generated inbox data at scale, then, against a real `chorus serve`
/// (release build) over HTTP and WebSockets: conversation lists and search (p95, with /healthz
/// as the trivial baseline in the same run), webhook → WebSocket fan-out to 200 devices at
/// 1,000 messages/s (p99, memory), new-device sync (messages/s) and device-to-device sync of one
/// member's 4 devices (p99). Results are merged into bench/results.json under "inbox_<engine>".
///
///   chorus-bench inbox [--quick] [--postgres URL] [--results bench/results.json] [--fanout-seconds N]
///                      [--keep-data DIR]   (SQLite: the generated database is copied to DIR before
///                                           the server starts, for bench/webhook_rate.py and
///                                           bench/sqlite_pages_per_message.py; PostgreSQL: the
///                                           run's database is not dropped, its URL printed)
///   chorus-bench ingest-paced …            (PacedIngestBench: the ingest load at a fixed rate)
@main
struct ChorusBench {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let usage = """
            usage: chorus-bench inbox [--quick] [--postgres URL] [--results PATH] [--fanout-seconds N] [--keep-data DIR]
                   chorus-bench ingest-paced [--rate N] [--seconds N] [--results PATH]
            """
        if arguments.first == "ingest-paced" {
            var bench = PacedIngestBench()
            arguments.removeFirst()
            while let argument = arguments.first {
                arguments.removeFirst()
                switch argument {
                case "--rate": bench.rate = Int(arguments.first ?? "") ?? 0
                case "--seconds": bench.seconds = Int(arguments.first ?? "") ?? 0
                case "--results": bench.results = arguments.first ?? ""
                default: print(usage); exit(2)
                }
                if !arguments.isEmpty { arguments.removeFirst() }
            }
            // At least one webhook per sender and second, and somewhere to write.
            guard bench.rate >= PacedIngestBench.senders, bench.seconds > 0, !bench.results.isEmpty else { print(usage); exit(2) }
            return try await bench.run()
        }
        guard arguments.first == "inbox" else { print(usage); exit(2) }
        arguments.removeFirst()
        var options = Options()
        while let argument = arguments.first {
            arguments.removeFirst()
            switch argument {
            case "--quick": options.quick = true
            case "--postgres": options.postgres = arguments.removeFirst()
            case "--results": options.results = arguments.removeFirst()
            case "--fanout-seconds": options.fanoutOverride = Int(arguments.removeFirst())
            case "--keep-data": options.keepData = arguments.removeFirst()
            default: print(usage); exit(2)
            }
        }
        try await InboxBench(options: options).run()
    }
}

struct Options {
    var quick = false
    var postgres: String?
    var results = "bench/results.json"
    var conversations: Int { quick ? 5_000 : 100_000 }
    var messages: Int { quick ? 100_000 : 2_000_000 }
    /// A longer fan-out, to profile the server under it (`--fanout-seconds N`).
    var fanoutOverride: Int?
    /// Where to keep a copy of the generated SQLite database (`--keep-data DIR`).
    var keepData: String?
    var fanoutSeconds: Int { fanoutOverride ?? (quick ? 2 : 5) }
    var rounds: Int { quick ? 30 : 200 }
}

struct InboxBench {
    let options: Options
    let logger = Logger(label: "bench")
    static let secret = "bench-inbox-secret"
    static let phone = "910000001"

    func log(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

    /// PostgreSQL: in a database of its own on the server given, dropped at the end, so runs can
    /// follow one another on one server (alternated builds) without meeting the last one's data.
    func run() async throws {
        guard let url = options.postgres else { return try await run(postgresURL: nil) }
        let database = try await TestDatabase.createPostgresDatabase(on: url, prefix: "chorus_bench")
        do {
            try await run(postgresURL: database.url)
        } catch {
            await database.drop()
            throw error
        }
        // --keep-data on PostgreSQL: the database stays on the server, for another look.
        if options.keepData != nil { log("  data kept in \(database.url)") } else { await database.drop() }
    }

    func run(postgresURL: String?) async throws {
        let directory = NSTemporaryDirectory() + "chorus-bench-inbox-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config: DatabaseConfig = try postgresURL.map { .postgres(try PostgresURL($0)) }
            ?? .sqlite(path: directory + "/chorus.sqlite", synchronous: .normal)
        let engine = options.postgres == nil ? "sqlite" : "postgres"
        log("== inbox benchmark on \(engine): \(options.conversations) conversations, \(options.messages) messages, 50 members")
        let started = ContinuousClock.now
        let members = try await Database.withDatabase(config, logger: logger) { db in
            _ = try await ChannelRepository(db).add(NewChannel(phoneNumberID: Self.phone, wabaID: "910000002", displayNumber: "+49 170 0000",
                                                               accessToken: "t", appSecret: Self.secret, verifyToken: "v",
                                                               graphURL: "http://127.0.0.1:9"))
            let accounts = MemberAccounts(db: db, bcryptCost: 4)
            var members: [(MemberRecord, Role)] = []
            for i in 0..<50 {
                let role: Role = i == 0 ? .admin : (i < 41 ? .standard : .restricted)
                members.append((try await accounts.create(email: "m\(i)@bench.chorus", password: "bench-password-1", name: "Member \(i)", role: role), role))
            }
            let channelID = try await ChannelRepository(db).list()[0].id
            try await DataGenerator(db: db, channelID: channelID, conversations: options.conversations, messages: options.messages,
                                    memberIDs: members.map(\.0.id)).run(log: log)
            return members
        }
        log("  generated in \(Int(milliseconds(since: started) / 1000)) s")
        if let keep = options.keepData, postgresURL == nil {
            // Closed above, so the file is whole (its WAL checkpointed into it).
            try FileManager.default.createDirectory(atPath: keep, withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: keep + "/chorus.sqlite")
            try FileManager.default.copyItem(atPath: directory + "/chorus.sqlite", toPath: keep + "/chorus.sqlite")
            log("  data kept in \(keep)/chorus.sqlite")
        }

        let port = Int.random(in: 20_000..<32_000)
        let server = try startChorusServer(config: config, postgresURL: postgresURL, directory: directory, port: port)
        // Wait for its exit: the script stops PostgreSQL next, and a server still shutting down
        // would log the lost connection as an error.
        defer { server.terminate(); server.waitUntilExit() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        var results: [String: Any] = ["engine": engine, "conversations": options.conversations, "messages": options.messages,
                                      "members": 50, "quick": options.quick,
                                      "command": "bench/inbox" + (options.quick ? " --quick" : "") + (engine == "postgres" ? " (PostgreSQL)" : "")]
        do {
            let client = Client(http: http, base: "http://127.0.0.1:\(port)")
            try await client.waitUntilUp()
            results["memory_idle_mb"] = residentMB(pid: server.processIdentifier)
            try await measure(client: client, members: members, server: server, port: port, into: &results)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        try mergeResults(results, key: "inbox_\(engine)", into: options.results)
        log("results merged into \(options.results) under inbox_\(engine)")
    }

    /// The fan-out's webhooks: 50 senders, each from a random customer of the generated data
    /// (PacedWebhooks says how they are timed).
    func sendWebhooks(port: Int, rate: Int, seconds: Int, tag: String) async throws -> PacedWebhooks.Outcome {
        try await PacedWebhooks(port: port, secret: Self.secret, senders: 50).send(rate: rate, seconds: seconds, tag: tag) { wamid, timestamp in
            let customer = Int.random(in: 0..<options.conversations)
            return Self.webhook(wamid: wamid, from: DataGenerator.contactWaID(customer), name: DataGenerator.contactName(customer), timestamp: timestamp)
        }
    }

    func measure(client: Client, members: [(MemberRecord, Role)], server: Process, port: Int, into results: inout [String: Any]) async throws {
        // Four devices for every member: 200 sessions.
        var tokens: [Int64: [String]] = [:]
        for (member, _) in members {
            for _ in 0..<4 { tokens[member.id, default: []].append(try await client.signIn(member.email)) }
        }
        let admin = members[0].0, standard = members[1].0, restricted = members[45].0
        let views = ["view=all", "view=mine", "view=unassigned", "view=mentions", "sort=waiting", "view=all&status=open"]
        var lists = Samples(), baseline = Samples(), search = Samples()
        // Warm-up rounds, not measured: the first queries after generation read from disk.
        for round in 0..<10 {
            for member in [admin, standard, restricted] {
                let token = tokens[member.id]![0]
                _ = try await client.get("/api/v1/conversations?limit=50&" + views[round % views.count], token: token)
                _ = try await client.get("/api/v1/search?limit=20&q=" + DataGenerator.words[round], token: token)
            }
        }
        for round in 0..<options.rounds {
            for (index, member) in [admin, standard, restricted].enumerated() {
                let token = tokens[member.id]![0]
                let path = "/api/v1/conversations?limit=50&" + views[(round + index) % views.count]
                let t0 = ContinuousClock.now
                let page = try await client.get(path, token: token)
                lists.add(milliseconds(since: t0))
                if let cursor = page["nextCursor"]?.string, round % 3 == 0 {
                    let t1 = ContinuousClock.now
                    _ = try await client.get(path + "&cursor=" + cursor, token: token)
                    lists.add(milliseconds(since: t1))
                }
                let t2 = ContinuousClock.now
                _ = try await client.get("/healthz", token: nil)
                baseline.add(milliseconds(since: t2))
                let words = (0..<(1 + round % 2)).map { _ in DataGenerator.words.randomElement()! }.joined(separator: "%20")
                let t3 = ContinuousClock.now
                _ = try await client.get("/api/v1/search?limit=20&q=" + words, token: token)
                search.add(milliseconds(since: t3))
            }
        }
        results["list"] = lists.summary
        results["search"] = search.summary
        results["baseline_healthz"] = baseline.summary
        log("  conversation list: p50 \(fmt(lists.percentile(50))) ms, p95 \(fmt(lists.percentile(95))) ms (target < 20); /healthz p95 \(fmt(baseline.percentile(95))) ms")
        log("  search: p50 \(fmt(search.percentile(50))) ms, p95 \(fmt(search.percentile(95))) ms (target < 100)")

        // Fan-out: 200 devices connected; 1,000 webhooks/s. First the same webhooks with no
        // device connected: the same run's baseline for the webhook's own part of the latency.
        let (_, quietAcks, quietAcksFromDue, quietRate) = try await sendWebhooks(port: port, rate: 1000, seconds: options.fanoutSeconds, tag: "quiet")
        let quiet = Samples(values: quietAcks), quietFromDue = Samples(values: quietAcksFromDue)
        results["fanout_baseline_webhook_ack"] = quiet.summary
        results["fanout_baseline_webhook_ack_from_due"] = quietFromDue.summary
        results["fanout_baseline_sent_per_second"] = quietRate
        log("  baseline: webhook → 200 OK at 1,000/s (\(Int(quietRate))/s sent) with no device connected: p50 \(fmt(quiet.percentile(50))) ms, p99 \(fmt(quiet.percentile(99))) ms; from the schedule p99 \(fmt(quietFromDue.percentile(99))) ms, max \(fmt(quietFromDue.values.max() ?? .nan)) ms")
        var sockets: [(Int64, RecordingSocket)] = []
        for (member, _) in members {
            for token in tokens[member.id]! {
                // Frames are kept raw and parsed after the run, so the load generator's own
                // parsing (on the same 2 cores) stays out of the measured window.
                sockets.append((member.id, try await RecordingSocket.connect(host: "127.0.0.1", port: port, token: token)))
            }
        }
        results["memory_200_sockets_mb"] = residentMB(pid: server.processIdentifier)
        let rate = 1000, seconds = options.fanoutSeconds
        let (sent, acks, acksFromDue, sentRate) = try await sendWebhooks(port: port, rate: rate, seconds: seconds, tag: "fan")
        results["memory_fanout_mb"] = residentMB(pid: server.processIdentifier)
        try await Task.sleep(for: .seconds(1))
        var fanout = Samples(), fanoutFromDue = Samples()
        var frames = 0
        var framesByType: [String: Int] = [:]   // what the devices were sent, for the log
        let sentAt = sent
        for (_, socket) in sockets {
            frames += socket.rawFrames.count
            for (text, at) in socket.rawFrames {
                guard let value = try? JSONValue.parse(text.utf8) else { continue }
                framesByType[value["type"]?.string ?? "?", default: 0] += 1
                for frame in value["type"]?.string == "batch" ? (value["events"]?.array ?? []) : [value] {
                    guard frame["type"]?.string == "message.created", let wamid = frame["message"]?["wamid"]?.string,
                          let t = sentAt[wamid] else { continue }
                    fanout.add(milliseconds(from: t.posted, to: at))
                    fanoutFromDue.add(milliseconds(from: t.due, to: at))
                }
            }
        }
        results["fanout"] = fanout.summary.merging(["devices": Double(sockets.count), "messages_per_second": Double(rate),
                                                    "seconds": Double(seconds), "webhooks": Double(sentAt.count),
                                                    "frames_per_device_per_second": Double(frames) / Double(sockets.count * seconds)]) { a, _ in a }
        log("  frames per device by type (whole session, connecting included): " + framesByType.sorted { $0.value > $1.value }
            .map { "\($0.key) \($0.value / sockets.count)" }.joined(separator: ", "))
        let ackSamples = Samples(values: acks), acksFromDueSamples = Samples(values: acksFromDue)
        results["fanout_webhook_ack"] = ackSamples.summary
        results["fanout_from_due"] = fanoutFromDue.summary
        results["fanout_sent_per_second"] = sentRate
        results["fanout_webhook_ack_from_due"] = acksFromDueSamples.summary
        log("  webhook → socket: \(fanout.values.count) deliveries to \(sockets.count) devices, p50 \(fmt(fanout.percentile(50))) ms, p99 \(fmt(fanout.percentile(99))) ms (target < 25), \(frames / (sockets.count * seconds)) frames per device per second; RSS \(fmt(results["memory_fanout_mb"] as! Double)) MB; webhook → 200 OK p50 \(fmt(ackSamples.percentile(50))) ms, p99 \(fmt(ackSamples.percentile(99))) ms")
        log("  webhooks sent: \(Int(sentRate))/s (due: \(rate)/s); the same from each webhook's due time: webhook → socket p50 \(fmt(fanoutFromDue.percentile(50))) ms, p99 \(fmt(fanoutFromDue.percentile(99))) ms, max \(fmt(fanoutFromDue.values.max() ?? .nan)) ms; webhook → 200 OK p99 \(fmt(acksFromDueSamples.percentile(99))) ms, max \(fmt(acksFromDueSamples.values.max() ?? .nan)) ms")

        // Device-to-device: one member's 4 devices; device 1 replies, devices 2–4 receive it.
        let me = standard
        let mine = sockets.filter { $0.0 == me.id }.map(\.1)
        let recent = try await client.get("/api/v1/conversations?limit=1", token: tokens[me.id]![0])
        let conversation = recent["items"]!.array![0]["id"]!.int!
        var deviceSync = Samples()
        for i in 0..<(options.quick ? 20 : 100) {
            let text = "device sync \(i) \(UUID().uuidString.prefix(8))"
            // Only frames arriving after the send are searched, so the check stays cheap.
            let starts = mine.map(\.frameCount)
            let t0 = ContinuousClock.now
            _ = try await client.post("/api/v1/conversations/\(conversation)/messages", token: tokens[me.id]![0], json: ["text": .string(text)])
            for (index, socket) in mine.enumerated().dropFirst() {
                let start = starts[index]
                while !socket.hasFrame(containing: text, after: start) {
                    if milliseconds(since: t0) > 5000 { break }
                    try await Task.sleep(for: .microseconds(200))
                }
                deviceSync.add(milliseconds(since: t0))
            }
        }
        results["device_to_device"] = deviceSync.summary
        log("  device-to-device (4 devices of one member): p50 \(fmt(deviceSync.percentile(50))) ms, p99 \(fmt(deviceSync.percentile(99))) ms (target < 50)")
        // Memory with 1,000 sockets: four more on each of the 200 devices (a device may keep
        // several tabs open), idle, then all closed.
        var extra: [TestSocket] = []
        for (member, _) in members {
            for token in tokens[member.id]! {
                for _ in 0..<4 { extra.append(try await TestSocket.connect(baseURL: client.base, token: token, parse: false)) }
            }
        }
        try await Task.sleep(for: .seconds(2))
        results["memory_1000_sockets_mb"] = residentMB(pid: server.processIdentifier)
        log("  memory: idle \(fmt(results["memory_idle_mb"] as! Double)) MB, \(sockets.count + extra.count) sockets \(fmt(results["memory_1000_sockets_mb"] as! Double)) MB")
        for socket in extra { await socket.close() }
        for (_, socket) in sockets { socket.close() }

        // New-device sync of 7 days.
        // Three runs each: the median is the figure, min and max show the spread.
        for (name, member) in [("standard", standard), ("restricted", restricted)] {
            var rates: [Double] = [], count = 0, ms = 0.0
            for _ in 0..<3 {
                let t0 = ContinuousClock.now
                count = try await client.syncCount(token: tokens[member.id]![1])
                ms = milliseconds(since: t0)
                rates.append(Double(count) / (ms / 1000))
            }
            rates.sort()
            results["sync_\(name)"] = ["messages": Double(count), "ms": ms, "messages_per_second": rates[1],
                                       "min_messages_per_second": rates[0], "max_messages_per_second": rates[2], "runs": 3]
            log("  new-device sync (\(name)): \(count) messages, median of 3 runs \(Int(rates[1])) msg/s (min \(Int(rates[0])), max \(Int(rates[2]))) (target ≥ 30,000)")
        }
    }

    /// A customer's message as Meta delivers it, with the customer's current profile name —
    /// the one stored, so it renames nobody. (Until session 13 every one said "Bench", so
    /// nearly every webhook of the fan-out renamed its customer, a write to the contact, its
    /// name index and its search index that real traffic, whose names rarely change, does not
    /// cause: on SQLite with the full run's data, 10.7 pages written per message against 7.3 before
    /// migration 10 — `bench/sqlite_pages_per_message.py`.)
    static func webhook(wamid: String, from: String, name: String, timestamp: Int, phone: String = InboxBench.phone) -> JSONValue {
        ["object": "whatsapp_business_account", "entry": [["id": "910000002", "changes": [["field": "messages", "value": [
            "messaging_product": "whatsapp",
            "metadata": ["display_phone_number": "49170", "phone_number_id": .string(phone)],
            "contacts": [["profile": ["name": .string(name)], "wa_id": .string(from)]],
            "messages": [["from": .string(from), "id": .string(wamid), "timestamp": .string(String(timestamp)),
                          "type": "text", "text": ["body": .string("fan-out \(wamid)")]]],
        ]]]]]]
    }
}

func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
