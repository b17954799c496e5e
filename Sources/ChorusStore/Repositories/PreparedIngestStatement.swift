import PostgresNIO
import SQLKit
import Synchronization

/// PostgreSQL's one ingest statement (`IngestRepository.oneStatement`) as a named prepared
/// statement, so that PostgreSQL plans it once per connection instead of on every group commit:
/// planning was more than half of PostgreSQL's time for ingest, and the generic plan runs as
/// fast as a fresh one (BENCHMARKS.md, session 10; `bench/pg-plan-parts`). Its text depends on
/// the number of messages, so groups are padded to a power of two (repeats of the last message,
/// which the statement passes over as repeats) and each size is a statement of its own: at most
/// nine sizes (1 to 256 messages), each with and without the NOTIFY.
///
/// PostgresNIO names a prepared statement by its type, so each size and shape is a type; its
/// text and parameter types come from the first group of that size and shape (`remember`) —
/// the same for every group of that size and shape, only the values differ.
struct PreparedIngestStatement<Size: PreparedIngestSize, Shape: PreparedIngestShape>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    let statement: BoundStatement

    static var name: String { "chorus_ingest_\(Size.messages)_\(Shape.label)" }
    static var sql: String { preparedIngestTexts.withLock { $0[name]!.sql } }
    static var bindingDataTypes: [PostgresDataType] { preparedIngestTexts.withLock { $0[name]!.types } }

    /// Has a group of this size and shape been stored this way (in this process)?
    static var isKnown: Bool { preparedIngestTexts.withLock { $0[name] != nil } }

    /// Keeps this size's text and parameter types (from `statement`) if not yet known.
    static func remember(_ statement: BoundStatement) {
        guard preparedIngestTexts.withLock({ $0[name] == nil }) else { return }
        let types: [PostgresDataType] = statement.values.map {
            switch $0 {
            case .integer: .int8
            case .text: .text
            }
        }
        let text = statement.postgresText
        preparedIngestTexts.withLock { $0[name] = (text, types) }
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: statement.values.count)
        for value in statement.values {
            switch value {
            case .integer(let v): bindings.append(v)
            case .text(let v): bindings.append(v)
            }
        }
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

/// Each prepared ingest statement's text (with `$n` placeholders) and parameter types, by name.
private let preparedIngestTexts = Mutex<[String: (sql: String, types: [PostgresDataType])]>([:])

/// A padded group size with a prepared ingest statement of its own.
protocol PreparedIngestSize { static var messages: Int { get } }
enum IngestMessages1: PreparedIngestSize { static let messages = 1 }
enum IngestMessages2: PreparedIngestSize { static let messages = 2 }
enum IngestMessages4: PreparedIngestSize { static let messages = 4 }
enum IngestMessages8: PreparedIngestSize { static let messages = 8 }
enum IngestMessages16: PreparedIngestSize { static let messages = 16 }
enum IngestMessages32: PreparedIngestSize { static let messages = 32 }
enum IngestMessages64: PreparedIngestSize { static let messages = 64 }
enum IngestMessages128: PreparedIngestSize { static let messages = 128 }
enum IngestMessages256: PreparedIngestSize { static let messages = 256 }

/// With the NOTIFY (the server's) or without (an `IngestRepository` made without one).
protocol PreparedIngestShape { static var label: String { get } }
enum IngestNotifying: PreparedIngestShape { static let label = "notify" }
enum IngestQuiet: PreparedIngestShape { static let label = "quiet" }

extension IngestRepository {
    /// The largest group (after padding) that has a prepared statement; larger ones are planned
    /// afresh (rare: a group that large means ingest is far behind, and planning is amortised).
    static let largestPreparedGroup = 256

    /// Runs the one statement for `messages` (padded) messages as its prepared statement.
    func runPrepared(_ statement: BoundStatement, messages: Int) async throws -> [any SQLRow] {
        switch messages {
        case 1: try await runPrepared(statement, IngestMessages1.self)
        case 2: try await runPrepared(statement, IngestMessages2.self)
        case 4: try await runPrepared(statement, IngestMessages4.self)
        case 8: try await runPrepared(statement, IngestMessages8.self)
        case 16: try await runPrepared(statement, IngestMessages16.self)
        case 32: try await runPrepared(statement, IngestMessages32.self)
        case 64: try await runPrepared(statement, IngestMessages64.self)
        case 128: try await runPrepared(statement, IngestMessages128.self)
        case 256: try await runPrepared(statement, IngestMessages256.self)
        default: preconditionFailure("groups are padded to a power of two up to \(Self.largestPreparedGroup)")
        }
    }

    private func runPrepared<Size: PreparedIngestSize>(_ statement: BoundStatement, _: Size.Type) async throws -> [any SQLRow] {
        if notifying != nil {
            return try await runPrepared(PreparedIngestStatement<Size, IngestNotifying>(statement: statement))
        }
        return try await runPrepared(PreparedIngestStatement<Size, IngestQuiet>(statement: statement))
    }

    private func runPrepared<Size, Shape>(_ prepared: PreparedIngestStatement<Size, Shape>) async throws -> [any SQLRow] {
        PreparedIngestStatement<Size, Shape>.remember(prepared.statement)
        return try await db.preparedWrite(prepared)
    }
}
