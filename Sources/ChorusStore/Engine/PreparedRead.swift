import PostgresNIO
import SQLKit

/// A read that PostgreSQL parses and plans once per connection instead of on every call: a
/// named prepared statement (PostgresNIO prepares it on a connection's first use and names it by
/// its type). For reads made on every request or many times a second, whose planning cost
/// PostgreSQL more than running them (`bench/pg-statements`, BENCHMARKS.md). Run with
/// `Database.preparedRows`; on SQLite the repository runs the same SELECT through SQLKit.
protocol PreparedRead: PostgresPreparedStatement where Row == PostgresRow {}

extension PreparedRead {
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// A prepared read of the rows matching one value, `$1` in its SQL.
protocol PreparedLookup: PreparedRead {
    associatedtype Key: PostgresEncodable & Sendable
    var key: Key { get }
}

extension PreparedLookup {
    static var bindingDataTypes: [PostgresDataType] { [Key.psqlType] }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        try bindings.append(key)
        return bindings
    }
}

extension Database {
    /// The rows of a read: on PostgreSQL the prepared `statement`, on SQLite `sqlite` (the same
    /// SELECT, bound through SQLKit) on a reader connection.
    func rows<Statement: PreparedRead>(_ statement: Statement, sqlite: SQLQueryString) async throws -> [any SQLRow] {
        if dialect == .postgres { return try await preparedRows(statement) }
        return try await read { sql in try await sql.raw(sqlite).all() }
    }
}
