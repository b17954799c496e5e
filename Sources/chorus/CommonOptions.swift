import ArgumentParser
import ChorusCore
import ChorusServer
import ChorusStore
import Foundation
import Logging

/// Options every command that touches the store shares. Each flag falls back to its
/// environment variable, then to the default in the README's configuration table.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "postgres://… or sqlite://PATH (env CHORUS_DATABASE_URL; default: chorus.sqlite in the data directory)")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Data directory (env CHORUS_DATA_DIR; default ./chorus-data)")
    var dataDirectory: String?

    @Option(name: .customLong("sqlite-synchronous"), help: "FULL (default) or NORMAL (env CHORUS_SQLITE_SYNCHRONOUS)")
    var sqliteSynchronous: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (env CHORUS_LOG_LEVEL; default info)")
    var logLevel: String?

    var resolvedDataDirectory: String {
        dataDirectory ?? env("CHORUS_DATA_DIR") ?? "./chorus-data"
    }

    func databaseConfig(dataDirectory: String? = nil) throws -> DatabaseConfig {
        let synchronous = SQLiteSynchronous(rawValue: (sqliteSynchronous ?? env("CHORUS_SQLITE_SYNCHRONOUS") ?? "FULL").uppercased()) ?? .full
        return try DatabaseConfig.resolve(url: databaseURL ?? env("CHORUS_DATABASE_URL"),
                                          dataDirectory: dataDirectory ?? resolvedDataDirectory, synchronous: synchronous)
    }

    func logger(_ label: String = "chorus") -> Logger {
        DeferredMetadataLogHandler.logger(
            label: label, level: Logger.Level(rawValue: (logLevel ?? env("CHORUS_LOG_LEVEL") ?? "info").lowercased()) ?? .info)
    }
}

func env(_ name: String) -> String? {
    guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
    return value
}

/// Prints a user-facing error and exits 1 (not ArgumentParser's usage exit code).
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(1)
}
