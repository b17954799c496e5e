import Logging
import ServiceLifecycle

/// How `chorus serve`, `demo` and `sim` run and stop. SIGTERM or SIGINT: stop accepting, let
/// what is in flight finish (webhook commits, sends under way, which wait at most the Graph
/// API's 20 s timeout), and after 30 s cancel whatever still runs — a client that
/// stopped reading a stream, say — so that stopping never hangs. A stop that cannot even be
/// cancelled ends the process with an error after another 10 s.
func runUntilSignalled(_ services: [any Service], logger: Logger) async throws {
    var config = ServiceGroupConfiguration(services: services.map { .init(service: $0) },
                                           gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    config.maximumGracefulShutdownDuration = .seconds(30)
    config.maximumCancellationDuration = .seconds(10)
    try await ServiceGroup(configuration: config).run()
}
