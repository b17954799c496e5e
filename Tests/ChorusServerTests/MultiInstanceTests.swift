import AsyncHTTPClient
import ChorusCore
import ChorusStore
import ChorusTestSupport
import ChorusWhatsApp
import Foundation
import NIOCore
import Testing

/// Two `chorus serve` processes on one PostgreSQL database, behind a real nginx on 127.0.0.1.
/// Runs in the PostgreSQL pass of scripts/test (which installs nginx); SQLite is one process.
@Suite("Several instances behind a load balancer", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["CHORUS_TEST_POSTGRES_URL"] != nil, "needs PostgreSQL (the PostgreSQL pass)"))
struct MultiInstanceTests {
    static var nginx: String? {
        ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test("a device on instance 1 receives the event of a webhook handled by instance 2, and presence crosses instances")
    func eventsCrossInstances() async throws {
        let nginx = try #require(Self.nginx, "nginx is not installed (scripts/test installs it)")
        let (config, cleanup) = try await TestDatabase.config()
        defer { Task { await cleanup() } }
        let directory = NSTemporaryDirectory() + "chorus-multi-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let env = CommandLineTests.environment(config, dataDirectory: directory)
        _ = try await CommandLineTests.run(["migrate"], env: env)
        let add = try await CommandLineTests.run(["channel", "add", "--phone-number-id", "777000", "--waba-id", "777001",
                                                  "--display-number", "+1 555 0777", "--access-token", "t", "--app-secret", "multi-secret",
                                                  "--verify-token", "v", "--graph-url", "http://127.0.0.1:9"], env: env)
        #expect(add.status == 0, "\(add.output)")
        for (email, role) in [("ana@multi.chorus", "standard"), ("sam@multi.chorus", "standard")] {
            let created = try await CommandLineTests.run(["admin", "create", "--email", email, "--name", email, "--role", role,
                                                          "--password", TestServer.password], env: env)
            #expect(created.status == 0, "\(created.output)")
        }
        let ports = [try await freePort(), try await freePort(), try await freePort()]
        let one = try await CommandLineTests.startServe(env: env, port: ports[0])
        let two = try await CommandLineTests.startServe(env: env, port: ports[1])
        let balancer = try Self.startNginx(nginx, directory: directory, listen: ports[2], upstreams: [ports[0], ports[1]])
        defer {
            for process in [one, two, balancer] { process.terminate() }
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await Self.exercise(http: http, ports: ports)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    static func exercise(http: HTTPClient, ports: [Int]) async throws {
        let balancer = "http://127.0.0.1:\(ports[2])"
        func post(_ url: String, json: JSONValue, headers: [String: String] = [:]) async throws -> (Int, JSONValue) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            let body = try ASCIIJSON.encode(json)
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await http.execute(request, timeout: .seconds(10))
            let data = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), (try? JSONValue.parse(data.readableBytesView)) ?? .null)
        }
        // Sign in through the load balancer.
        let (s1, ana) = try await post(balancer + "/api/v1/sessions", json: ["email": "ana@multi.chorus", "password": .string(TestServer.password)])
        let (s2, sam) = try await post(balancer + "/api/v1/sessions", json: ["email": "sam@multi.chorus", "password": .string(TestServer.password)])
        #expect(s1 == 201 && s2 == 201)
        let anaToken = ana["token"]!.string!, samToken = sam["token"]!.string!
        // Ana's device is on instance 1, Sam's on instance 2.
        let anaSocket = try await TestSocket.connect(baseURL: "http://127.0.0.1:\(ports[0])", token: anaToken)
        let samSocket = try await TestSocket.connect(baseURL: "http://127.0.0.1:\(ports[1])", token: samToken)
        // The webhook reaches instance 2.
        let payload = CrashSafetyTests.payload(wamid: "wamid.multi.1", from: "4917700001")
        let body = try ASCIIJSON.encode(payload)
        let started = Date()
        let (status, _) = try await post("http://127.0.0.1:\(ports[1])/webhooks/whatsapp", json: payload,
                                         headers: ["X-Hub-Signature-256": WebhookSignature.header(for: body, secret: "multi-secret")])
        #expect(status == 200)
        try await anaSocket.waitFor(3, "the message on instance 1") { $0.contains { $0["message"]?["wamid"]?.string == "wamid.multi.1" } }
        print("multi-instance: webhook on instance 2 → frame on instance 1 in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        // Webhooks through the balancer (alternating instances) all reach both devices.
        for i in 2...6 {
            let p = CrashSafetyTests.payload(wamid: "wamid.multi.\(i)", from: "4917700001")
            let b = try ASCIIJSON.encode(p)
            let (code, _) = try await post(balancer + "/webhooks/whatsapp", json: p,
                                           headers: ["X-Hub-Signature-256": WebhookSignature.header(for: b, secret: "multi-secret")])
            #expect(code == 200)
        }
        for socket in [anaSocket, samSocket] {
            try await socket.waitFor(3, "all six messages") { frames in
                Set(frames.compactMap { $0["message"]?["wamid"]?.string }).count == 6
            }
        }
        // Presence: Ana (instance 1) views the conversation; Sam (instance 2) sees it.
        let conversation = anaSocket.events.first { $0["type"]?.string == "message.created" }!["conversationId"]!.int!
        try await anaSocket.send(["type": "viewing", "conversationId": .int(conversation)])
        let anaID = ana["member"]!["id"]!.int!
        try await samSocket.waitFor(3, "Ana's presence from the other instance") { frames in
            frames.contains { $0["type"]?.string == "presence" && $0["viewing"]?.array?.contains(.int(anaID)) == true }
        }
        await anaSocket.close()
        await samSocket.close()
    }

    static func startNginx(_ nginx: String, directory: String, listen: Int, upstreams: [Int]) throws -> Process {
        let conf = """
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/nginx-error.log;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body; proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi; uwsgi_temp_path \(directory)/uwsgi; scgi_temp_path \(directory)/scgi;
                upstream chorus { \(upstreams.map { "server 127.0.0.1:\($0);" }.joined(separator: " ")) }
                map $http_upgrade $connection_upgrade { default upgrade; '' close; }
                server {
                    listen 127.0.0.1:\(listen);
                    location / {
                        proxy_pass http://chorus;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_read_timeout 3600s;
                    }
                }
            }
            """
        try conf.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-c", directory + "/nginx.conf", "-p", directory]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.3)
        return process
    }
}
