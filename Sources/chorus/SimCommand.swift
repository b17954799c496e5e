import ArgumentParser
import AsyncHTTPClient
import ChorusServer
import ChorusSimulator
import Hummingbird
import Logging
import ServiceLifecycle

/// Flags of the simulator, shared by `chorus sim` (and reused by `chorus demo`'s defaults).
struct SimulatorOptions: ParsableArguments {
    @Option(help: "Address the simulator listens on") var host = "127.0.0.1"
    @Option(help: "Port the simulator listens on") var port = 8090
    @Option(name: .customLong("webhook-url"), help: "Where to deliver webhooks (Chorus's /webhooks/whatsapp)")
    var webhookURL = "http://127.0.0.1:8080/webhooks/whatsapp"
    @Option(name: .customLong("app-secret")) var appSecret = "sim-app-secret"
    @Option(name: .customLong("verify-token")) var verifyToken = "sim-verify-token"
    @Option(name: .customLong("access-token")) var accessToken = "sim-access-token"
    @Option(name: .customLong("phone-number-id")) var phoneNumberID = "100000000000001"
    @Option(name: .customLong("waba-id")) var wabaID = "200000000000001"
    @Option(name: .customLong("display-number")) var displayNumber = "+1 555 010 0001"
    @Option(help: "How many simulated customers write on their own (0: none)") var customers = 0
    @Option(name: .customLong("customer-rate"), help: "Customer messages per second, all customers together") var customerRate = 0.2
    @Option(name: .customLong("messages-per-second"), help: "Meta's throughput limit per number") var messagesPerSecond = 80.0
    @Option(name: .customLong("pair-rate-seconds"), help: "One message per this many seconds per customer, after the burst") var pairRateSeconds = 6.0
    @Option(name: .customLong("pair-rate-burst")) var pairRateBurst = 45
    @Option(name: .customLong("delivered-delay"), help: "Seconds until the delivered status") var deliveredDelay = 0.8
    @Option(name: .customLong("read-delay"), help: "Seconds until the read status") var readDelay = 2.0
    @Option(name: .customLong("skip-delivered-chance"), help: "0…1: chance of sending read without delivered") var skipDeliveredChance = 0.0
    @Option(name: .customLong("reorder-chance"), help: "0…1: chance of sending read before delivered") var reorderChance = 0.0
    @Option(name: .customLong("duplicate-chance"), help: "0…1: chance of delivering a webhook twice") var duplicateChance = 0.0
    @Option(help: "Deliver every webhook this many times, out of order within --redeliver-spread seconds") var redeliver = 1
    @Option(name: .customLong("redeliver-spread"), help: "Seconds over which the copies of --redeliver are spread") var redeliverSpread = 2.0

    var config: SimulatorConfig {
        var config = SimulatorConfig(webhookURL: webhookURL)
        config.host = host
        config.port = port
        config.appSecret = appSecret
        config.verifyToken = verifyToken
        config.accessToken = accessToken
        config.phoneNumberID = phoneNumberID
        config.wabaID = wabaID
        config.displayNumber = displayNumber
        config.customers = customers
        config.customerRate = customerRate
        config.messagesPerSecond = messagesPerSecond
        config.pairRateSeconds = pairRateSeconds
        config.pairRateBurst = pairRateBurst
        config.deliveredDelay = deliveredDelay
        config.readDelay = readDelay
        config.skipDeliveredChance = skipDeliveredChance
        config.duplicateChance = duplicateChance
        config.reorderChance = reorderChance
        config.redeliveries = max(1, redeliver)
        config.redeliverySpread = max(0, redeliverSpread)
        return config
    }
}

struct Sim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the WhatsApp Cloud API simulator on its own.")
    @OptionGroup var options: SimulatorOptions

    func run() async throws {
        let logger = DeferredMetadataLogHandler.logger(label: "chorus-sim", level: .info)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let simulator = Simulator(config: options.config, http: http, logger: logger)
        print("Simulator listening on http://\(options.host):\(options.port) — Graph API under /{version}/…, control under /_sim/…")
        try await runUntilSignalled([simulator.application()], logger: logger)
        try await http.shutdown()
    }
}
