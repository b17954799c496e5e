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
    /// A value with its SQL type, also when NULL: PostgreSQL is told the type of every
    /// parameter, and an untyped NULL in a bigint column is refused.
    enum Value: Sendable, Equatable {
        case integer(Int64?)
        case text(String?)

        var encodable: any Encodable & Sendable {
            switch self {
            case .integer(let v): v
            case .text(let v): v
            }
        }
    }

    private(set) var text = ""
    private(set) var values: [Value] = []
    /// Rows appended with `appendRow` so far.
    private(set) var rows = 0

    init(_ text: String = "") { self.text = text }

    mutating func append(_ sql: String) { text += sql }

    mutating func bind(_ value: Value) {
        values.append(value)
        text += "?"
    }

    /// Appends one row of a multi-row VALUES list, "(?, ?, …)", after a comma unless it is the
    /// first: `text` must end with "VALUES" before the first.
    mutating func appendRow(_ row: Value...) {
        appendRow(row)
    }

    mutating func appendRow(_ row: [Value]) {
        text += rows == 0 ? " " : ", "
        text += Self.placeholders(row.count)
        values.append(contentsOf: row)
        rows += 1
    }

    /// "(?, ?, …)" with `count` placeholders, made once per width: appended "?" by "?", the text
    /// of a group's multi-row statements was 1.8 % of the server's CPU under ingest (BENCHMARKS.md).
    private static func placeholders(_ count: Int) -> String {
        count < placeholderRows.count ? placeholderRows[count] : makePlaceholders(count)
    }

    private static let placeholderRows = (0...32).map(makePlaceholders)

    private static func makePlaceholders(_ count: Int) -> String {
        "(" + Array(repeating: "?", count: count).joined(separator: ", ") + ")"
    }

    /// "WITH a, b " before a statement (`clauses` each "name(columns) AS (…)"); nothing if none.
    init(with clauses: [BoundStatement]) {
        self.init(clauses.isEmpty ? "" : "WITH ")
        guard !clauses.isEmpty else { return }
        for (index, clause) in clauses.enumerated() {
            if index > 0 { text += ", " }
            self = self + clause
        }
        text += " "
    }

    static func + (lhs: BoundStatement, rhs: BoundStatement) -> BoundStatement {
        var joined = lhs
        joined.text += rhs.text
        joined.values += rhs.values
        return joined
    }

    /// The text with PostgreSQL's placeholders, `$1`, `$2`, … in place of each `?`.
    var postgresText: String {
        var out = ""
        out.reserveCapacity(text.utf8.count + values.count * 3)
        var number = 0
        for character in text {
            if character == "?" {
                number += 1
                out += "$\(number)"
            } else {
                out.append(character)
            }
        }
        return out
    }

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

/// `values` with the last one repeated up to the next power of two, for an IN list: a list of
/// 37 values is prepared as one of 64, so a few statement texts serve every group size (the
/// SQLite writer keeps prepared statements by their text). Same result: IN ignores repeats.
func paddedToPowerOfTwo<T>(_ values: [T]) -> [T] {
    guard let last = values.last else { return values }
    var size = 1
    while size < values.count { size *= 2 }
    return values + Array(repeating: last, count: size - values.count)
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
