import Foundation

/// Where the data lives. SQLite (one file) is the default; a `postgres://` URL selects PostgreSQL.
public enum DatabaseConfig: Sendable, Equatable {
    case sqlite(path: String, synchronous: SQLiteSynchronous)
    case postgres(PostgresURL)

    /// `CHORUS_DATABASE_URL` when set, else `chorus.sqlite` in the data directory.
    public static func resolve(url: String?, dataDirectory: String,
                               synchronous: SQLiteSynchronous = .full) throws -> DatabaseConfig {
        guard let url, !url.isEmpty else {
            return .sqlite(path: (dataDirectory as NSString).appendingPathComponent("chorus.sqlite"),
                           synchronous: synchronous)
        }
        if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            return .postgres(try PostgresURL(url))
        }
        if url.hasPrefix("sqlite://") {
            return .sqlite(path: String(url.dropFirst("sqlite://".count)), synchronous: synchronous)
        }
        throw DatabaseConfigError(message: "CHORUS_DATABASE_URL must start with postgres:// or sqlite:// (got \(url.prefix(12))…)")
    }

    public var engineName: String {
        switch self {
        case .sqlite: return "sqlite"
        case .postgres: return "postgres"
        }
    }
}

/// SQLite's durability setting. FULL survives power loss; NORMAL only process crashes in WAL mode.
public enum SQLiteSynchronous: String, Sendable, Equatable {
    case full = "FULL", normal = "NORMAL"
}

public struct DatabaseConfigError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// The parts of a `postgres://user:pass@host:port/db?sslmode=…` URL.
public struct PostgresURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    public var requireTLS: Bool

    public init(_ string: String) throws {
        guard let components = URLComponents(string: string), let host = components.host, !host.isEmpty else {
            throw DatabaseConfigError(message: "CHORUS_DATABASE_URL is not a valid postgres:// URL")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.percentEncodedUser?.removingPercentEncoding ?? "postgres"
        self.password = components.percentEncodedPassword?.removingPercentEncoding
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.database = path.isEmpty ? nil : path
        let sslmode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value
        self.requireTLS = sslmode == "require" || sslmode == "verify-full"
    }
}
