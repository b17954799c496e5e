import AsyncHTTPClient
import ChorusCore
import ChorusServer
import ChorusSimulator
import ChorusStore
import ChorusWhatsApp
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A running Chorus (and, when asked, a running simulator configured as its channel), talking
/// real HTTP on 127.0.0.1 over a real database. Tests drive it exactly as clients do.
public struct TestServer: Sendable {
    public let baseURL: String
    public let simulatorURL: String?
    public let db: Database
    public let http: HTTPClient
    public let runtime: ChorusRuntime
    public let simulatorConfig: SimulatorConfig?
    public let channel: ChannelRecord?

    public static let password = "correct-horse-battery"

    /// Starts everything, runs `body`, then shuts down gracefully.
    public static func with(simulator: Bool = false, configure: @Sendable (inout ServerConfig) -> Void = { _ in },
                            configureSimulator: @Sendable (inout SimulatorConfig) -> Void = { _ in },
                            _ body: @Sendable (TestServer) async throws -> Void) async throws {
        let logger = TestDatabase.logger
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await TestDatabase.with { db in
                let port = try await freePort()
                let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("chorus-data-\(port)-\(UUID().uuidString)").path
                var config = ServerConfig(port: port, dataDirectory: dataDirectory, database: .sqlite(path: "", synchronous: .full))
                config.bcryptCost = 4
                configure(&config)
                let (router, runtime) = buildRouter(config: config, db: db, httpClient: http, logger: logger)
                let services = runtime.services(runSender: config.runSender, syncTemplates: false)
                let app = makeApplication(router: router, runtime: runtime, config: config, services: services, logger: logger)
                var all: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: app)]
                var simConfig: SimulatorConfig? = nil
                var channel: ChannelRecord? = nil
                if simulator {
                    var sim = SimulatorConfig(webhookURL: "http://127.0.0.1:\(port)/webhooks/whatsapp")
                    sim.port = try await freePort()
                    sim.sentDelay = 0.05
                    sim.deliveredDelay = 0.15
                    sim.readDelay = 0.3
                    configureSimulator(&sim)
                    channel = try await ChannelRepository(db).add(NewChannel(
                        phoneNumberID: sim.phoneNumberID, wabaID: sim.wabaID, displayNumber: sim.displayNumber,
                        accessToken: sim.accessToken, appSecret: sim.appSecret, verifyToken: sim.verifyToken,
                        graphURL: "http://127.0.0.1:\(sim.port)"))
                    all.append(.init(service: Simulator(config: sim, http: http, logger: logger).application()))
                    simConfig = sim
                }
                let group = ServiceGroup(configuration: .init(services: all, logger: logger))
                let server = TestServer(baseURL: "http://127.0.0.1:\(port)",
                                        simulatorURL: simConfig.map { "http://127.0.0.1:\($0.port)" },
                                        db: db, http: http, runtime: runtime, simulatorConfig: simConfig, channel: channel)
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await group.run() }
                    do {
                        try await server.waitUntilReady()
                        try await body(server)
                    } catch {
                        await group.triggerGracefulShutdown()
                        try? await tasks.waitForAll()
                        throw error
                    }
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                }
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    func waitUntilReady() async throws {
        for _ in 0..<200 {
            if let response = try? await request("GET", "/healthz"), response.status == 200 {
                if let sim = simulatorURL {
                    if (try? await raw("GET", sim + "/_sim/health"))?.status == 200 { return }
                } else {
                    return
                }
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestFailure("the test server did not start")
    }

    // MARK: HTTP

    public struct Reply: Sendable {
        public let status: Int
        public let body: JSONValue
        public let text: String
        public let headers: [String: String]
        public let data: Data
    }

    public func request(_ method: String, _ path: String, token: String? = nil, json: JSONValue? = nil,
                        headers: [String: String] = [:], body: Data? = nil) async throws -> Reply {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        var data = body
        if let json {
            data = try JSONEncoder().encode(json)
            headers["Content-Type"] = "application/json"
        }
        return try await raw(method, baseURL + path, headers: headers, body: data)
    }

    public func raw(_ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let text = String(buffer: bytes)
        let json = (try? JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))) ?? .null
        var responseHeaders: [String: String] = [:]
        for header in response.headers { responseHeaders[header.name.lowercased()] = header.value }
        return Reply(status: Int(response.status.code), body: json, text: text, headers: responseHeaders,
                     data: Data(bytes.readableBytesView))
    }

    // MARK: members

    /// Creates a member with `role` and signs them in; returns the bearer token.
    public func member(_ role: Role, email: String? = nil) async throws -> (member: MemberRecord, token: String) {
        let email = email ?? "\(role.rawValue)-\(UInt32.random(in: 0...UInt32.max))@test.chorus"
        let member = try await MemberAccounts(db: db, bcryptCost: 4).create(email: email, password: Self.password,
                                                                          name: "Test \(role.rawValue)", role: role)
        return (member, try await signIn(email))
    }

    public func signIn(_ email: String, deviceClass: String = "desktop") async throws -> String {
        let reply = try await request("POST", "/api/v1/sessions",
                                      json: .object(["email": .string(email), "password": .string(Self.password),
                                                     "deviceClass": .string(deviceClass)]))
        guard reply.status == 201, let token = reply.body["token"]?.string else {
            throw TestFailure("sign-in failed: \(reply.status) \(reply.text)")
        }
        return token
    }

    /// A customer writes through the simulator (signed webhook to Chorus over HTTP).
    public func customerWrites(_ text: String, from waID: String, name: String = "Customer") async throws -> String {
        guard let sim = simulatorURL else { throw TestFailure("no simulator") }
        let body = try JSONEncoder().encode(JSONValue.object(["from": .string(waID), "name": .string(name), "text": .string(text)]))
        let reply = try await raw("POST", sim + "/_sim/inject", headers: ["Content-Type": "application/json"], body: body)
        guard let id = reply.body["id"]?.string else { throw TestFailure("inject failed: \(reply.text)") }
        return id
    }

    /// Waits until the customer's conversation is listed for `token`, and returns its id.
    public func conversationID(token: String, waID: String) async throws -> Int64 {
        try await eventually(10, "the conversation of \(waID)") {
            let list = try await request("GET", "/api/v1/conversations", token: token)
            return list.body["items"]?.array?.contains { $0["contact"]?["waId"]?.string == waID } == true
        }
        let list = try await request("GET", "/api/v1/conversations", token: token)
        return list.body["items"]!.array!.first { $0["contact"]?["waId"]?.string == waID }!["id"]!.int!
    }

    /// Polls until `condition` holds (at most `seconds`).
    public func eventually(_ seconds: Double = 10, _ what: String,
                           _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestFailure("timed out waiting for: \(what)")
    }
}

extension ChannelRecord {
    /// How tests reach the channel's Graph API (the simulator) directly.
    public var graphEndpoint: GraphEndpoint {
        GraphEndpoint(baseURL: graphURL, apiVersion: apiVersion, phoneNumberID: phoneNumberID, wabaID: wabaID, accessToken: accessToken)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A port nobody listens on right now. Picked below Linux's ephemeral range (32768+), so the
/// outgoing connections of parallel tests cannot take it between this check and the bind.
public func freePort() async throws -> Int {
    for _ in 0..<100 {
        let candidate = Int.random(in: 20_000..<32_000)
        if let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: candidate).get() {
            try await channel.close()
            return candidate
        }
    }
    throw TestFailure("no free port found")
}

extension TestServer {
    public static let pin = "482915"

    /// Sets the member's step-up PIN and steps the device up with it.
    public func stepUp(_ token: String) async throws {
        let set = try await request("PUT", "/api/v1/me/pin", token: token, json: ["pin": .string(Self.pin)])
        guard set.status == 204 || set.status == 403 else { throw TestFailure("set PIN: \(set.status) \(set.text)") }
        let reply = try await request("POST", "/api/v1/me/step-up", token: token, json: ["pin": .string(Self.pin)])
        guard reply.status == 200 else { throw TestFailure("step-up: \(reply.status) \(reply.text)") }
    }

    /// Turns on two-step verification for the token's member; returns the TOTP secret.
    public func enrollTOTP(_ token: String, memberID: Int64) async throws -> String {
        let begin = try await request("POST", "/api/v1/me/two-factor/totp", token: token)
        guard begin.status == 201 else { throw TestFailure("begin TOTP: \(begin.status) \(begin.text)") }
        guard let secret = try await TwoFactorRepository(db).state(memberID: memberID).totpSecret else { throw TestFailure("no secret") }
        let confirm = try await request("POST", "/api/v1/me/two-factor/totp/confirm", token: token,
                                        json: ["code": .string(TOTPCode.current(secret: secret))])
        guard confirm.status == 200 else { throw TestFailure("confirm TOTP: \(confirm.status) \(confirm.text)") }
        return secret
    }
}
