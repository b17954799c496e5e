import ChorusSQLiteC
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The SQLite writer connection, driven through SQLite's C API on the writer thread
/// (`WriterThread`). Why not SQLiteNIO, as the readers use: every statement there is prepared
/// afresh and runs as its own job on a thread pool, with a hop back per statement; the ingest of
/// webhooks repeats the same few statements thousands of times a second, so this connection keeps
/// them prepared and runs a whole transaction on one thread without hopping (BENCHMARKS.md).
final class SQLiteWriterConnection: @unchecked Sendable {
    // @unchecked: used only while leased (ConnectionLeases), one transaction at a time.
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    /// Prepared statements kept; beyond this one is dropped for each new one (emptying the
    /// whole cache re-prepared everything at once). Multi-row statements come in one text per
    /// row count: messages in chunks of at most 100, events and conversation updates one row
    /// per message or conversation of a group (a group has up to 256 webhooks; under the
    /// 64-connection ingest benchmark, groups stay under 64), IN lists padded to powers of two
    /// (`paddedToPowerOfTwo`).
    private let statementLimit = 400

    init(path: String, pragmas: [String]) throws {
        var db: OpaquePointer?
        let flags: Int32 = 0x0000_0002 | 0x0000_0004 | 0x0000_8000  // READWRITE | CREATE | NOMUTEX
        let opened = sqlite_nio_sqlite3_open_v2(path, &db, flags, nil)
        guard opened == 0, let db else {
            if let db { sqlite_nio_sqlite3_close_v2(db) }
            throw SQLiteWriterError(code: opened, message: "cannot open \(path)")
        }
        handle = db
        for pragma in pragmas { try execute(pragma) }
    }

    deinit { close() }

    func close() {
        guard let db = handle else { return }
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
        sqlite_nio_sqlite3_close_v2(db)
        handle = nil
    }

    /// Runs SQL with no parameters and no rows wanted (pragmas, BEGIN, COMMIT).
    func execute(_ sql: String) throws {
        try query(sql, binds: [], decoder: SQLiteDataDecoder()) { _ in }
    }

    /// Prepares (or reuses) `sql`, binds, steps through its rows and resets it.
    func query(_ sql: String, binds: [any Encodable & Sendable], decoder: SQLiteDataDecoder,
               onRow: (SQLiteWriterRow) -> Void) throws {
        try run(sql, decoder: decoder, onRow: onRow) { statement in
            for (offset, value) in binds.enumerated() {
                let rc = try bind(value, at: Int32(offset + 1), statement)
                if rc != 0 { return rc }
            }
            return 0
        }
    }

    /// The same for a `BoundStatement`: its values are bound as they are, without a cast each.
    func query(_ statement: BoundStatement, decoder: SQLiteDataDecoder, onRow: (SQLiteWriterRow) -> Void) throws {
        try run(statement.text, decoder: decoder, onRow: onRow) { prepared in
            for (offset, value) in statement.values.enumerated() {
                let index = Int32(offset + 1)
                let rc = switch value {
                case .integer(let v?): sqlite_nio_sqlite3_bind_int64(prepared, index, v)
                case .text(let v?): bindText(v, index, prepared)
                case .integer(nil), .text(nil): sqlite_nio_sqlite3_bind_null(prepared, index)
                }
                if rc != 0 { return rc }
            }
            return 0
        }
    }

    private func run(_ sql: String, decoder: SQLiteDataDecoder, onRow: (SQLiteWriterRow) -> Void,
                     bindAll: (OpaquePointer) throws -> Int32) throws {
        guard let db = handle else { throw SQLiteWriterError(code: 21, message: "the writer connection is closed") }
        let statement = try prepared(sql, db)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        let rc = try bindAll(statement)
        guard rc == 0 else { throw error(rc, db) }
        var columns: SQLiteWriterRow.Columns? = nil
        while true {
            let rc = sqlite_nio_sqlite3_step(statement)
            if rc == 101 { return }                   // SQLITE_DONE
            guard rc == 100 else { throw error(rc, db) } // SQLITE_ROW
            if columns == nil { columns = .init(statement) }
            onRow(SQLiteWriterRow(columns: columns!, values: Self.values(statement, count: columns!.names.count), decoder: decoder))
        }
    }

    private func prepared(_ sql: String, _ db: OpaquePointer) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        if statements.count >= statementLimit, let (text, statement) = statements.first {
            sqlite_nio_sqlite3_finalize(statement)
            statements[text] = nil
        }
        var statement: OpaquePointer?
        let rc = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, 0x01 /* PERSISTENT */, &statement, nil)
        guard rc == 0, let statement else { throw error(rc, db) }
        statements[sql] = statement
        return statement
    }

    private func error(_ rc: Int32, _ db: OpaquePointer) -> SQLiteWriterError {
        SQLiteWriterError(code: sqlite_nio_sqlite3_extended_errcode(db), message: String(cString: sqlite_nio_sqlite3_errmsg(db)))
    }

    /// Common parameter types bound directly; anything else as SQLiteKit would encode it.
    private func bind(_ value: any Encodable & Sendable, at index: Int32, _ statement: OpaquePointer) throws -> Int32 {
        switch value {
        case let v as Int64: return sqlite_nio_sqlite3_bind_int64(statement, index, v)
        case let v as Int: return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(v))
        case let v as String: return bindText(v, index, statement)
        case let v as Double: return sqlite_nio_sqlite3_bind_double(statement, index, v)
        default:
            switch try SQLiteDataEncoder().encode(value) {
            case .integer(let v): return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(v))
            case .float(let v): return sqlite_nio_sqlite3_bind_double(statement, index, v)
            case .text(let v): return bindText(v, index, statement)
            case .null: return sqlite_nio_sqlite3_bind_null(statement, index)
            case .blob(let v):
                return v.withUnsafeReadableBytes { chorus_sqlite3_bind_blob(statement, index, $0.baseAddress, UInt64($0.count)) }
            }
        }
    }

    private func bindText(_ text: String, _ index: Int32, _ statement: OpaquePointer) -> Int32 {
        // A NULL pointer would bind SQL NULL, not '': an empty string gets a real (empty) one.
        if text.isEmpty { return chorus_sqlite3_bind_text(statement, index, "", 0) }
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chorus_sqlite3_bind_text(statement, index, $0.baseAddress, UInt64($0.count)) }
        }
    }

    private static func values(_ statement: OpaquePointer, count: Int) -> [SQLiteData] {
        (0..<Int32(count)).map { column in
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case 1: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
            case 2: return .float(sqlite_nio_sqlite3_column_double(statement, column))
            case 3:
                let bytes = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
                return .text(String(decoding: UnsafeBufferPointer(start: text, count: bytes), as: UTF8.self))
            case 4:
                let bytes = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                var buffer = ByteBufferAllocator().buffer(capacity: bytes)
                if let blob = sqlite_nio_sqlite3_column_blob(statement, column) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: blob, count: bytes))
                }
                return .blob(buffer)
            default: return .null
            }
        }
    }
}

/// An error from the writer connection; its text carries SQLite's message ("UNIQUE constraint
/// failed: …", "database is locked"), which `Database.translate` reads.
struct SQLiteWriterError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// One row from the writer connection, decoded as SQLiteKit decodes (with shortcuts for the
/// column types the store reads most).
struct SQLiteWriterRow: SQLRow {
    final class Columns: Sendable {
        let names: [String]
        init(_ statement: OpaquePointer) {
            names = (0..<sqlite_nio_sqlite3_column_count(statement)).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        }
        func index(_ name: String) -> Int? { names.firstIndex(of: name) }
    }

    let columns: Columns
    let values: [SQLiteData]
    let decoder: SQLiteDataDecoder

    var allColumns: [String] { columns.names }
    func contains(column: String) -> Bool { columns.index(column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index(column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.index(column) else { throw SQLiteWriterError(code: 0, message: "no column \(column)") }
        let value = values[index]
        switch value {
        case .integer(let v) where D.self == Int64.self || D.self == Int64?.self: return Int64(v) as! D
        case .integer(let v) where D.self == Int.self || D.self == Int?.self: return v as! D
        case .text(let v) where D.self == String.self || D.self == String?.self: return v as! D
        case .null where D.self == Int64?.self: return Int64?.none as! D
        case .null where D.self == String?.self: return String?.none as! D
        default: return try decoder.decode(D.self, from: value)
        }
    }
}

/// SQLKit over the writer connection. Statements run synchronously on the calling thread — the
/// writer thread, by `Database.transaction`'s task executor preference.
struct SQLiteWriterDatabase: SQLDatabase {
    let connection: SQLiteWriterConnection
    let logger: Logger
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }
    private let decoder = SQLiteDataDecoder()

    init(connection: SQLiteWriterConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let (sql, binds) = serialize(query)
        do {
            try connection.query(sql, binds: binds, decoder: decoder) { onRow($0) }
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        if let statement = query as? BoundStatement {
            try connection.query(statement, decoder: decoder) { onRow($0) }
            return
        }
        let (sql, binds) = serialize(query)
        try connection.query(sql, binds: binds, decoder: decoder) { onRow($0) }
    }
}
