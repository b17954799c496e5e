import ChorusStore
import Foundation

/// Starts `chorus serve` (the release build beside this binary, or CHORUS_BIN) on `port`, with
/// its data in `directory`, logging errors only.
func startChorusServer(config: DatabaseConfig, postgresURL: String?, directory: String, port: Int) throws -> Process {
    // CHORUS_BIN measures another build (e.g. before a change) under the same load.
    let binary = ProcessInfo.processInfo.environment["CHORUS_BIN"]
        ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("chorus").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = ["serve"]
    var env = ProcessInfo.processInfo.environment
    switch config {
    // The server as shipped: synchronous=FULL, an fsync per commit (only the data
    // generation of the inbox bench skips it, to save time).
    case .sqlite(let path, _): env["CHORUS_DATABASE_URL"] = "sqlite://" + path; env["CHORUS_SQLITE_SYNCHRONOUS"] = "FULL"
    case .postgres: env["CHORUS_DATABASE_URL"] = postgresURL
    }
    env["CHORUS_DATA_DIR"] = directory
    env["CHORUS_PORT"] = String(port)
    env["CHORUS_LOG_LEVEL"] = "error"
    process.environment = env
    try process.run()
    return process
}
