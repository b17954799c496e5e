import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// SQLKit over one PostgreSQL connection for reads (`Database.read`), its rows decoded straight
/// from PostgreSQL's cells. Why: PostgresKit decodes every column through a generic translation
/// (a coding path built, dynamic casts, a metadata lookup) — 39 % of the server's CPU while it
/// streamed a new device's sync, the rows of 2,000 messages at a time (perf, BENCHMARKS.md
/// session 13). Queries and binds of other shapes go through PostgresKit as before.
struct PostgresReadDatabase: SQLDatabase {
    let connection: PostgresConnection
    /// PostgresKit's own, for what this one leaves to it.
    let fallback: any SQLDatabase

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.fallback = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { connection.logger }
    var eventLoop: any EventLoop { connection.eventLoop }
    var dialect: any SQLDialect { fallback.dialect }
    var version: (any SQLDatabaseReportedVersion)? { fallback.version }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        fallback.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        guard let bindings = Self.bindings(binds) else { return try await fallback.execute(sql: query, onRow) }
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            onRow(PostgresFastRow(row))
        }
    }

    /// The binds as PostgresKit would send them (Int and Int64 as int8, String as text, Bool,
    /// Double as float8), or nil when one is of another type or an Optional: a NULL's type
    /// would be left for PostgreSQL to infer, where PostgresKit names it (reads seldom bind one).
    static func bindings(_ values: [any Encodable & Sendable]) -> PostgresBindings? {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if value is any OptionalBind { return nil }
            switch value {
            case let v as Int64: bindings.append(v)
            case let v as Int: bindings.append(v)
            case let v as String: bindings.append(v)
            case let v as Bool: bindings.append(v)
            case let v as Double: bindings.append(v)
            default: return nil
            }
        }
        return bindings
    }
}

/// Optional binds, told apart from the values they wrap (a cast would look through one).
private protocol OptionalBind {}
extension Optional: OptionalBind {}

/// A row decoded straight from its cells for the types the store reads (integers, text,
/// booleans, doubles, and their NULLs); anything else, or a cell those decoders refuse, as
/// PostgresKit decodes it.
struct PostgresFastRow: SQLRow {
    let row: PostgresRow
    let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row
        self.cells = row.makeRandomAccess()
    }

    var allColumns: [String] { cells.map(\.columnName) }
    func contains(column: String) -> Bool { cells.contains(column) }
    func decodeNil(column: String) throws -> Bool { !cells.contains(column) || cells[column].bytes == nil }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        if cells.contains(column), let value = try? Self.direct(cells[column], as: D.self) { return value }
        return try row.sql().decode(column: column, as: D.self)
    }

    private static func direct<D>(_ cell: PostgresCell, as type: D.Type) throws -> D? {
        switch ObjectIdentifier(D.self) {
        case ObjectIdentifier(Int64.self): return try cell.decode(Int64.self) as? D
        case ObjectIdentifier(Int64?.self): return try cell.decode(Int64?.self) as? D
        case ObjectIdentifier(Int.self): return try cell.decode(Int.self) as? D
        case ObjectIdentifier(Int?.self): return try cell.decode(Int?.self) as? D
        case ObjectIdentifier(String.self): return try cell.decode(String.self) as? D
        case ObjectIdentifier(String?.self): return try cell.decode(String?.self) as? D
        case ObjectIdentifier(Bool.self): return try cell.decode(Bool.self) as? D
        case ObjectIdentifier(Bool?.self): return try cell.decode(Bool?.self) as? D
        case ObjectIdentifier(Double.self): return try cell.decode(Double.self) as? D
        case ObjectIdentifier(Double?.self): return try cell.decode(Double?.self) as? D
        default: return nil
        }
    }
}
