import AsyncHTTPClient
import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import NIOCore
import SQLKit
import Synchronization
import Testing

/// Acknowledged means durable: SIGKILL `chorus serve` in the middle of webhook load, restart,
/// and every message that got a 200 is there exactly once.
@Suite("Crash safety")
struct CrashSafetyTests {
    @Test("SIGKILL during webhook load loses no acknowledged message (3 rounds)")
    func sigkillUnderLoad() async throws {
        let (config, cleanup) = try await TestDatabase.config()
        defer { Task { await cleanup() } }
        let env = CommandLineTests.environment(config, dataDirectory: NSTemporaryDirectory())
        let add = try await CommandLineTests.run(["channel", "add", "--phone-number-id", "777000", "--waba-id", "777001",
                                                  "--display-number", "+1 555 0777", "--access-token", "t", "--app-secret", "kill-secret",
                                                  "--verify-token", "v", "--graph-url", "http://127.0.0.1:9"], env: env)
        #expect(add.status == 0, "\(add.output)")
        let acknowledged = Locked<[String]>([])
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        for round in 0..<3 {
            let port = try await freePort()
            let process = try await CommandLineTests.startServe(env: env, port: port)

            let stop = Locked(false)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var index = 0
                        while !stop.value {
                            let wamid = "wamid.kill.\(round).\(worker).\(index)"
                            index += 1
                            let body = try ASCIIJSON.encode(Self.payload(wamid: wamid, from: "1555\(worker)\(index % 50)"))
                            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/webhooks/whatsapp")
                            request.method = .POST
                            request.headers.add(name: "X-Hub-Signature-256", value: WebhookSignature.header(for: body, secret: "kill-secret"))
                            request.body = .bytes(ByteBuffer(bytes: body))
                            guard let response = try? await http.execute(request, timeout: .seconds(3)) else { return }
                            _ = try? await response.body.collect(upTo: 1024)
                            if response.status.code == 200 { acknowledged.withLock { $0.append(wamid) } }
                        }
                    }
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 400...900)))
                kill(process.processIdentifier, SIGKILL)
                try await Task.sleep(for: .milliseconds(300))
                stop.withLock { $0 = true }
                try await group.waitForAll()
            }
            await CommandLineTests.waitForExit(process)
            #expect(process.terminationReason == .uncaughtSignal)
        }
        try await http.shutdown()

        let acked = acknowledged.value
        #expect(acked.count > 50, "the load generator got \(acked.count) acknowledgements")
        let (stored, integrity) = try await Database.withDatabase(config, logger: TestDatabase.logger) { db in
            let ids = try await db.read { sql in
                try await sql.raw("SELECT wamid FROM messages").all().map { try $0.decode(column: "wamid", as: String.self) }
            }
            let integrity = db.dialect == .sqlite
                ? try await db.read { sql in try await sql.raw("PRAGMA integrity_check").first()!.decode(column: "integrity_check", as: String.self) }
                : "ok"
            return (ids, integrity)
        }
        print("crash safety: \(acked.count) webhooks acknowledged over 3 SIGKILLs, \(stored.count) messages stored")
        let counts = Dictionary(stored.map { ($0, 1) }, uniquingKeysWith: +)
        let missing = acked.filter { counts[$0] == nil }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")
        #expect(counts.values.allSatisfy { $0 == 1 })
        #expect(integrity == "ok")
    }

    static func payload(wamid: String, from: String) -> JSONValue {
        .object(["object": .string("whatsapp_business_account"), "entry": .array([.object([
            "id": .string("777001"),
            "changes": .array([.object(["field": .string("messages"), "value": .object([
                "messaging_product": .string("whatsapp"),
                "metadata": .object(["display_phone_number": .string("15550777"), "phone_number_id": .string("777000")]),
                "contacts": .array([.object(["profile": .object(["name": .string("Load")]), "wa_id": .string(from)])]),
                "messages": .array([.object(["from": .string(from), "id": .string(wamid), "timestamp": .string("1700000000"),
                                             "type": .string("text"), "text": .object(["body": .string("load \(wamid)")])])]),
            ])])]),
        ])])])
    }
}
