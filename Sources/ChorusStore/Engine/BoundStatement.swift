import SQLKit
import Synchronization

/// A statement as SQL text with `?` for each value, and its values — for the hot path's
/// multi-row statements (webhook ingest). Why not SQLKit's interpolation: it builds an
/// expression per value and serialises them all again for every statement, about a tenth of
/// the writer thread's time per ingested message (BENCHMARKS.md). On SQLite the writer binds
/// `values` straight from here; on PostgreSQL it serialises as any SQLKit expression, each `?`
/// becoming the dialect's placeholder.
///
/// The text is ours: identifiers and keywords only, every value bound — so a `?` in it is
/// always a placeholder.
struct BoundStatement: SQLExpression {
    enum Value: Sendable, Equatable {
        case integer(Int64)
        case text(String)
        case null

        static func of(_ value: Int64?) -> Value { value.map(Value.integer) ?? .null }
        static func of(_ value: String?) -> Value { value.map(Value.text) ?? .null }

        var encodable: any Encodable & Sendable {
            switch self {
            case .integer(let v): v
            case .text(let v): v
            case .null: String?.none
            }
        }
    }

    private(set) var text = ""
    private(set) var values: [Value] = []

    init(_ text: String = "") { self.text = text }

    mutating func append(_ sql: String) { text += sql }

    mutating func bind(_ value: Value) {
        values.append(value)
        text += "?"
    }


    /// Appends one row of a multi-row VALUES list, "(?, ?, …)", after a comma unless it is the
    /// first: `text` must end with "VALUES" before the first.
    mutating func appendRow(_ row: Value...) {
        text += rows == 0 ? " (" : ", ("
        for (index, value) in row.enumerated() {
            if index > 0 { text += ", " }
            bind(value)
        }
        text += ")"
        rows += 1
    }
    private(set) var rows = 0

    func serialize(to serializer: inout SQLSerializer) {
        var next = values.makeIterator()
        var pending = Substring(text)
        while let mark = pending.firstIndex(of: "?") {
            serializer.write(String(pending[..<mark]))
            serializer.write(bind: next.next()!.encodable)
            pending = pending[pending.index(after: mark)...]
        }
        serializer.write(String(pending))
    }
}

extension SQLDatabase {
    /// Runs `statement` and returns its rows.
    func rows(_ statement: BoundStatement) async throws -> [any SQLRow] {
        let rows = RowCollector()
        try await execute(sql: statement) { rows.append($0) }
        return rows.taken
    }

    /// Runs `statement`, wanting no rows.
    func run(_ statement: BoundStatement) async throws {
        try await execute(sql: statement) { _ in }
    }
}

/// Rows handed over by a `@Sendable` callback.
private final class RowCollector: Sendable {
    private let rows = Mutex<[any SQLRow]>([])
    func append(_ row: any SQLRow) { rows.withLock { $0.append(row) } }
    var taken: [any SQLRow] { rows.withLock { $0 } }
}
