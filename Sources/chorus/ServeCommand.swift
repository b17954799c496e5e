import ArgumentParser
import AsyncHTTPClient
import ChorusServer
import ChorusStore
import Hummingbird
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Chorus server.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to listen on (env CHORUS_HOST; default 127.0.0.1)")
    var host: String?

    @Option(help: "Port to listen on (env CHORUS_PORT; default 8080)")
    var port: Int?

    func run() async throws {
        let logger = store.logger()
        var settings = ServerConfig(host: host ?? env("CHORUS_HOST") ?? "127.0.0.1",
                                  port: port ?? env("CHORUS_PORT").flatMap(Int.init) ?? 8080,
                                  dataDirectory: store.resolvedDataDirectory,
                                  database: try store.databaseConfig())
        if let rate = env("CHORUS_MESSAGES_PER_SECOND").flatMap(Double.init) { settings.messagesPerSecond = rate }
        if let cap = env("CHORUS_DEVICE_CAP").flatMap(Int.init) { settings.deviceCap = cap }
        if env("CHORUS_SECURE_COOKIES") == "false" { settings.secureCookies = false }
        if env("CHORUS_WEBHOOK_FAST_PATH") == "off" { settings.webhookFastPath = false }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let config = settings
        do {
            try await Database.withDatabase(config.database, logger: logger) { db in
                let (app, _) = buildApplication(config: config, db: db, httpClient: http, logger: logger)
                logger.info("Chorus listening on http://\(config.host):\(config.port) (\(db.dialect.rawValue))")
                // SIGTERM/SIGINT: stop accepting, finish in-flight requests, then close the store.
                try await runUntilSignalled([app], logger: logger)
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        logger.info("Chorus stopped cleanly")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let applied = try await Database.withDatabase(try store.databaseConfig(), logger: store.logger(), migrate: false) { db in
            try await Migrator(db).migrate()
        }
        print(applied.isEmpty ? "The database is up to date." : "Applied migrations: \(applied.map(String.init).joined(separator: ", "))")
    }
}
