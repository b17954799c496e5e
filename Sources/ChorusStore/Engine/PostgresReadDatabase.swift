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
        var columns: PostgresFastRow.Columns? = nil
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            let fast = PostgresFastRow(row, columns: columns)
            columns = fast.columns
            onRow(fast)
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
    /// The column names of one result, shared by its rows. A column is found by a scan of these
    /// few names, lengths compared first: PostgresNIO's lookup by name hashes the name on every
    /// call (twice per decoded value, with the presence check) — 7 % of the server's CPU in a
    /// new device's sync. A name that appears twice finds the last, as PostgresNIO's does.
    final class Columns: Sendable {
        let names: [String]
        private let lengths: [Int]
        init(_ names: [String]) {
            self.names = names
            self.lengths = names.map(\.utf8.count)
        }
        func index(of name: String) -> Int? {
            let length = name.utf8.count
            for index in lengths.indices.reversed() where lengths[index] == length && names[index] == name { return index }
            return nil
        }
    }

    let row: PostgresRow
    let cells: PostgresRandomAccessRow
    let columns: Columns

    /// `columns`: those of an earlier row of the same result, if any.
    init(_ row: PostgresRow, columns: Columns? = nil) {
        self.row = row
        self.cells = row.makeRandomAccess()
        self.columns = columns ?? Columns(cells.map(\.columnName))
    }

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index(of: column) != nil }
    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return cells[index].bytes == nil
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        if let index = columns.index(of: column), let kind = Self.kind(of: D.self) {
            // A cell these decoders refuse goes to PostgresKit below, for its decoding and error.
            do { return try Self.direct(cells[index], kind, as: D.self) } catch {}
        }
        return try row.sql().decode(column: column, as: D.self)
    }

    private enum Kind { case int64, optionalInt64, int, optionalInt, string, optionalString, bool, optionalBool, double, optionalDouble }

    /// Computed once: `Int64?.self` written in the generic function below looked up Optional's
    /// metadata on every call, as did a `D?` result (6 % of a sync's CPU).
    private static let kinds: [(ObjectIdentifier, Kind)] = [
        (ObjectIdentifier(Int64.self), .int64), (ObjectIdentifier(Int64?.self), .optionalInt64),
        (ObjectIdentifier(String.self), .string), (ObjectIdentifier(String?.self), .optionalString),
        (ObjectIdentifier(Int.self), .int), (ObjectIdentifier(Int?.self), .optionalInt),
        (ObjectIdentifier(Bool.self), .bool), (ObjectIdentifier(Bool?.self), .optionalBool),
        (ObjectIdentifier(Double.self), .double), (ObjectIdentifier(Double?.self), .optionalDouble),
    ]

    private static func kind<D>(of type: D.Type) -> Kind? {
        let id = ObjectIdentifier(type)
        for (known, kind) in kinds where known == id { return kind }
        return nil
    }

    /// `D` is the type `kind` names (the caller looked it up), so the casts cannot fail.
    private static func direct<D>(_ cell: PostgresCell, _ kind: Kind, as type: D.Type) throws -> D {
        switch kind {
        case .int64: return try cell.decode(Int64.self) as! D
        case .optionalInt64: return try cell.decode(Int64?.self) as! D
        case .int: return try cell.decode(Int.self) as! D
        case .optionalInt: return try cell.decode(Int?.self) as! D
        case .string: return try cell.decode(String.self) as! D
        case .optionalString: return try cell.decode(String?.self) as! D
        case .bool: return try cell.decode(Bool.self) as! D
        case .optionalBool: return try cell.decode(Bool?.self) as! D
        case .double: return try cell.decode(Double.self) as! D
        case .optionalDouble: return try cell.decode(Double?.self) as! D
        }
    }
}
