import Foundation
import ArgumentParser
import AsyncHTTPClient
import ChorusCore
import ChorusServer
import ChorusSimulator
import ChorusStore
import Hummingbird
import Logging
import ServiceLifecycle

/// The newcomer's first command: Chorus on SQLite in ./chorus-demo, the simulator in-process as
/// its channel, demo members, and customers writing at a gentle rate. Running it again reuses
/// the data.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a ready-to-try demo with simulated customers.")

    @Option(name: .customLong("data-dir"), help: "Where the demo keeps its data") var dataDirectory = "./chorus-demo"
    @Option(help: "Port for Chorus") var port = 8080
    @Option(name: .customLong("sim-port"), help: "Port for the Cloud API simulator") var simPort = 8090
    @Option(help: "Simulated customers") var customers = 12
    @Option(name: .customLong("customer-rate"), help: "Customer messages per second") var customerRate = 0.3
    @Option(name: .customLong("log-level")) var logLevel = "notice"

    static let demoPassword = "chorus-demo-2026"
    static let people: [(email: String, name: String, role: Role)] = [
        ("admin@demo.chorus", "Alex Admin", .admin),
        ("sam@demo.chorus", "Sam Supervisor", .supervisor),
        ("ana@demo.chorus", "Ana Standard", .standard),
        ("rita@demo.chorus", "Rita Restricted", .restricted),
    ]

    func run() async throws {
        let logger = DeferredMetadataLogHandler.logger(label: "chorus", level: Logger.Level(rawValue: logLevel) ?? .notice)
        var simConfig = SimulatorConfig(webhookURL: "http://127.0.0.1:\(port)/webhooks/whatsapp")
        simConfig.port = simPort
        simConfig.customers = customers
        simConfig.customerRate = customerRate
        var config = ServerConfig(port: port, dataDirectory: dataDirectory,
                                  database: .sqlite(path: dataDirectory + "/chorus.sqlite", synchronous: .full))
        config.bcryptCost = 10
        let (serverConfig, sim) = (config, simConfig)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        try await Database.withDatabase(serverConfig.database, logger: logger) { db in
            try await Self.prepare(db: db, sim: sim, bcryptCost: serverConfig.bcryptCost)
            let (chorus, _) = buildApplication(config: serverConfig, db: db, httpClient: http, logger: logger)
            let simulator = Simulator(config: sim, http: http, logger: logger).application()
            Self.printWelcome(port: serverConfig.port, simPort: sim.port, dataDirectory: serverConfig.dataDirectory)
            try await runUntilSignalled([chorus, simulator], logger: logger)
        }
        try await http.shutdown()
        print("\nChorus demo stopped. Run `swift run chorus demo` again to continue where you left off.")
    }

    /// Idempotent: creates what is missing, points the channel at this run's simulator.
    static func prepare(db: Database, sim: SimulatorConfig, bcryptCost: UInt8) async throws {
        let channels = ChannelRepository(db)
        let graphURL = "http://127.0.0.1:\(sim.port)"
        if let existing = try await channels.list().first(where: { $0.phoneNumberID == sim.phoneNumberID }) {
            try await channels.updateEndpoint(id: existing.id, graphURL: graphURL, accessToken: sim.accessToken,
                                              appSecret: sim.appSecret, verifyToken: sim.verifyToken)
        } else {
            _ = try await channels.add(NewChannel(phoneNumberID: sim.phoneNumberID, wabaID: sim.wabaID,
                                                  displayNumber: sim.displayNumber, name: "Demo Shop",
                                                  accessToken: sim.accessToken, appSecret: sim.appSecret,
                                                  verifyToken: sim.verifyToken, graphURL: graphURL, apiVersion: "v23.0"))
        }
        let accounts = MemberAccounts(db: db, bcryptCost: bcryptCost)
        let members = MemberRepository(db)
        for person in people where try await members.credentials(email: person.email) == nil {
            _ = try await accounts.create(email: person.email, password: demoPassword, name: person.name, role: person.role)
        }
    }

    static func printWelcome(port: Int, simPort: Int, dataDirectory: String) {
        var text = """

        ┌─ Chorus demo ─────────────────────────────────────────────────────────
        │ Chorus      http://127.0.0.1:\(port)   (health: /healthz, metrics: /metrics)
        │ API         http://127.0.0.1:\(port)/api/v1   (OpenAPI: /openapi.json)
        │ Simulator   http://127.0.0.1:\(simPort)   (Meta's Graph API, simulated)
        │ Data        \(dataDirectory)
        │
        │ Sign in (password for everyone: \(demoPassword)):

        """
        for person in people {
            text += "│   \(person.role.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(person.email)\n"
        }
        text += """
        │
        │ Try:  curl -s -X POST localhost:\(port)/api/v1/sessions \\
        │         -d '{"email":"admin@demo.chorus","password":"\(demoPassword)"}'
        │       curl -s localhost:\(port)/api/v1/conversations -H "Authorization: Bearer TOKEN"
        │
        │ Simulated customers are writing. Press Ctrl-C to stop.
        └───────────────────────────────────────────────────────────────────────

        """
        // Written unbuffered, so it shows at once even when stdout is a pipe.
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
