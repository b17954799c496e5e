import ArgumentParser
import Hummingbird
import Logging

/// The benchmark's baseline: a trivial Hummingbird handler that answers every webhook 200 and
/// stores nothing. `bench/webhook-ingest` measures Chorus against it in the same run.
struct BenchBaseline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-baseline", abstract: "Benchmark baseline: answer POST /webhooks/whatsapp with 200.",
        shouldDisplay: false)

    @Option var port = 8099

    func run() async throws {
        let router = Router()
        router.post("webhooks/whatsapp") { request, _ -> String in
            _ = try await request.body.collect(upTo: 4 << 20)
            return "OK"
        }
        var logger = Logger(label: "baseline")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await runUntilSignalled([app], logger: logger)
    }
}
