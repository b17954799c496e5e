import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import SQLiteKit
import SQLiteNIO

/// The one store implementation for both engines. Callers get an `SQLDatabase` for reads, or
/// one inside a transaction for writes; the SQL they write is shared, with `dialect` checked only
/// where the engines truly differ.
public final class Database: Sendable {
    public enum Dialect: String, Sendable { case sqlite, postgres }

    public let dialect: Dialect
    public let logger: Logger
    private let backend: Backend
    var backendForCluster: Backend { backend }

    enum Backend: Sendable {
        /// One writer (SQLite serialises writers anyway) and a few readers (WAL lets them run
        /// beside the writer).
        case sqlite(writer: ConnectionLeases<SQLiteWriterConnection>, readers: ConnectionLeases<SQLiteConnection>,
                    path: String)
        case postgres(PostgresClient)
    }

    private init(dialect: Dialect, backend: Backend, logger: Logger) {
        self.dialect = dialect
        self.backend = backend
        self.logger = logger
    }

    /// Opens the database, runs `body`, and closes it cleanly afterwards, also on error.
    public static func withDatabase<T: Sendable>(
        _ config: DatabaseConfig, logger: Logger, migrate: Bool = true,
        _ body: @Sendable (Database) async throws -> T
    ) async throws -> T {
        switch config {
        case .sqlite(let path, let synchronous):
            let db = try await openSQLite(path: path, synchronous: synchronous, logger: logger)
            do {
                if migrate { try await Migrator(db).migrate() }
                let result = try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await db.checkpointContinuously() }
                    defer { group.cancelAll() }
                    return try await body(db)
                }
                await db.closeSQLite()
                return result
            } catch {
                await db.closeSQLite()
                throw error
            }
        case .postgres(let url):
            let client = PostgresClient(configuration: postgresConfiguration(url), backgroundLogger: logger)
            let db = Database(dialect: .postgres, backend: .postgres(client), logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                // Give run() a moment to start, so the first lease does not log a warning.
                try await Task.sleep(for: .milliseconds(20))
                if migrate { try await Migrator(db).migrate() }
                return try await body(db)
            }
        }
    }

    // MARK: access

    /// Runs read-only work on a connection of its own.
    public func read<T: Sendable>(isolation: isolated (any Actor)? = #isolation,
                                  _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(_, let readers, _):
            do {
                return try await readers.withLease(isolation: isolation) { try await body($0.sql()) }
            } catch {
                throw translate(error)
            }
        case .postgres(let client):
            do {
                return try await client.withConnection(isolation: isolation) { try await body(PostgresReadDatabase($0)) }
            } catch {
                throw translate(error)
            }
        }
    }

    /// Runs `body` in one transaction: all of its writes are committed, or none.
    public func transaction<T: Sendable>(isolation: isolated (any Actor)? = #isolation,
                                         _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await writeTransaction(isolation: isolation, lockFirst: true, body)
    }

    /// Like `transaction`, but the transaction's first statement is `opening` (a read), and its
    /// rows are handed to `body`. On PostgreSQL the writer lock rides on that same statement:
    /// one round trip less, for webhook ingest, where every round trip of a group commit keeps
    /// the whole group waiting (BENCHMARKS.md). When `opening` finds nothing, PostgreSQL hands
    /// over one row of NULLs (the lock's row, joined to nothing): callers skip rows whose
    /// columns are NULL.
    ///
    /// Only for reads that may be a moment old: on PostgreSQL the statement sees the database
    /// as it was when the statement began, which may be before another writer committed and
    /// released the lock (the channels, for ingest: a number added at that very moment is
    /// taken as unknown, as if the webhook had come a moment earlier).
    ///
    /// `notifying`: on PostgreSQL the same statement also queues a NOTIFY, which PostgreSQL
    /// sends when (and only if) the transaction commits — instead of a NOTIFY of its own after
    /// the commit, on another connection.
    public func transaction<T: Sendable>(isolation: isolated (any Actor)? = #isolation, opening: SQLQueryString,
                                         notifying: (channel: String, payload: String)? = nil,
                                         _ body: ([any SQLRow], any SQLDatabase) async throws -> T) async throws -> T {
        var query = opening
        if dialect == .postgres {
            // The lock's one row is the outer side of the join, so it is taken before the nested
            // loop reads `opening`'s rows, and before any later statement writes.
            query = "SELECT opening.* FROM (\(Self.postgresWriterLock(notifying: notifying))) AS writer_lock LEFT JOIN (\(opening)) AS opening ON true"
        }
        return try await writeTransaction(isolation: isolation, lockFirst: false) { sql in
            try await body(try await sql.raw(query).all(), sql)
        }
    }

    /// SQLite: the writer connection, on the writer thread. PostgreSQL: a pooled connection,
    /// with the writer lock taken first unless the body takes it itself (`lockFirst` false).
    private func writeTransaction<T: Sendable>(isolation: isolated (any Actor)?, lockFirst: Bool,
                                               _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        switch backend {
        case .sqlite(let writer, _, _):
            // The whole transaction runs on the writer thread, statement after statement.
            return try await withTaskExecutorPreference(WriterThread.shared, isolation: isolation) {
                try await writer.withLease(isolation: isolation) { connection in
                    try await runTransaction(isolation: isolation, SQLiteWriterDatabase(connection: connection, logger: logger),
                                             begin: "BEGIN IMMEDIATE", body)
                }
            }
        case .postgres(let client):
            do {
                return try await client.withConnection(isolation: isolation) { connection in
                    try await runTransaction(isolation: isolation, connection.sql(queryLogLevel: nil), begin: "BEGIN",
                                             first: lockFirst ? Self.postgresWriterLock : nil, body)
                }
            } catch {
                throw translate(error)
            }
        }
    }

    /// PostgreSQL write transactions take one transaction-level lock first, as SQLite's single
    /// writer does by itself. Why: the event log's ids come from a sequence when a row is
    /// inserted, not when it commits; two writers at once could commit event 101 before event
    /// 100, and the event pump, which reads the ids above what it has delivered, would pass over
    /// 100 for good. With one writer at a time, ids are taken in commit order. Reads never wait
    /// for it, webhooks are already committed in groups, and taken first (before any row lock)
    /// it cannot deadlock with row locks. The audit chain uses the same key (AuditLog).
    static let postgresWriterLock = "SELECT pg_advisory_xact_lock(4242)"

    /// The writer lock as a one-row SELECT that also queues a NOTIFY (sent by PostgreSQL at
    /// the commit, never for a rollback), for statements that take the lock themselves.
    static func postgresWriterLock(notifying: (channel: String, payload: String)?) -> BoundStatement {
        var lock = BoundStatement(postgresWriterLock)
        if let notifying {
            lock.append(", pg_notify(")
            lock.bind(.text(notifying.channel))
            lock.append(", ")
            lock.bind(.text(notifying.payload))
            lock.append(")")
        }
        return lock
    }

    /// PostgreSQL only: runs a named prepared statement — parsed and planned once per
    /// connection (PostgresNIO prepares it on first use), not on every call — and hands its
    /// rows over as SQLKit rows.
    func preparedRows<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [any SQLRow]
        where Statement.Row == PostgresRow {
        guard case .postgres(let client) = backend else { preconditionFailure("prepared statements are PostgreSQL's") }
        do {
            return try await Self.fastRows(try await client.execute(statement))
        } catch {
            throw translate(error)
        }
    }

    /// A statement's rows as SQLKit rows that share one column index (`PostgresFastRow`).
    private static func fastRows<Rows: AsyncSequence>(_ sequence: Rows) async throws -> [any SQLRow] where Rows.Element == PostgresRow {
        var rows: [any SQLRow] = []
        var columns: PostgresFastRow.Columns? = nil
        for try await row in sequence {
            let fast = PostgresFastRow(row, columns: columns)
            columns = fast.columns
            rows.append(fast)
        }
        return rows
    }

    /// PostgreSQL only: runs a named prepared statement that writes in its own implicit
    /// transaction, and returns its rows only once that transaction is committed. Why: in the
    /// extended protocol PostgreSQL commits a lone statement at the Sync after it — after its
    /// CommandComplete, which PostgresNIO takes as the statement's end — and a backend terminated
    /// in between (a fast shutdown) flushes that CommandComplete without committing: webhooks
    /// were acknowledged and lost (tests/reliability, `test_postgres_restart_under_load`). A
    /// second statement on the same connection is answered only after that Sync: when it fails,
    /// so does the write (the webhook is answered 503 and delivered again, deduplicated).
    func preparedWrite<Statement: PostgresPreparedStatement>(_ statement: Statement) async throws -> [any SQLRow]
        where Statement.Row == PostgresRow {
        guard case .postgres(let client) = backend else { preconditionFailure("prepared statements are PostgreSQL's") }
        do {
            return try await client.withConnection { connection in
                let rows = try await Self.fastRows(try await connection.execute(statement, logger: logger))
                try await Self.confirmCommitted(connection, logger: logger)
                return rows
            }
        } catch {
            throw translate(error)
        }
    }

    /// Returns once the connection's previous statement's implicit transaction is committed
    /// (see `preparedWrite`); throws when the connection was lost before that.
    static func confirmCommitted(_ connection: PostgresConnection, logger: Logger) async throws {
        for try await _ in try await connection.query("SELECT 1", logger: logger) {}
    }

    /// PostgreSQL only: runs `body` on a pooled connection with no transaction around it, so
    /// each statement commits by itself — for work done in ONE writing statement (ingest's
    /// short path), where BEGIN and COMMIT would be two more round trips. Such a statement
    /// takes the writer lock itself (`postgresWriterLock(notifying:)`). Returns only once the
    /// last statement is committed (`preparedWrite` says why).
    func autocommit<T: Sendable>(isolation: isolated (any Actor)? = #isolation,
                                 _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        guard case .postgres(let client) = backend else { preconditionFailure("autocommit is for PostgreSQL") }
        do {
            return try await client.withConnection(isolation: isolation) { connection in
                let result = try await body(connection.sql(queryLogLevel: nil))
                try await Self.confirmCommitted(connection, logger: logger)   // as `preparedWrite`
                return result
            }
        } catch {
            throw translate(error)
        }
    }

    private func runTransaction<T>(isolation: isolated (any Actor)?, _ db: any SQLDatabase, begin: String,
                                   first: String? = nil, _ body: (any SQLDatabase) async throws -> T) async throws -> T {
        try await db.raw(SQLQueryString(begin)).run()
        do {
            if let first { try await db.raw(SQLQueryString(first)).run() }
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw translate(error)
        }
    }

    /// Is the database answering within `limit`? Used by /healthz, which must say "no" quickly
    /// while PostgreSQL is down (the pool would otherwise keep the request waiting for a connection).
    public func ping(within limit: Duration = .seconds(2)) async -> Bool {
        (try? await awaitAtMost(limit) { try await self.read { db in try await db.raw("SELECT 1 AS ok").first() != nil } }) ?? false
    }

    /// Translates engine errors we expect (unique violations) into one shape the callers match.
    private func translate(_ error: any Error) -> any Error {
        if error is StoreError { return error }
        let text = String(reflecting: error)
        if text.contains("UNIQUE constraint failed") || text.contains("23505") || text.contains("unique_violation") {
            return StoreError.uniqueViolation(text)
        }
        // The database cannot be reached (restarting, pool exhausted, locked too long): the
        // request may succeed later, so callers answer 503 and webhooks are retried by Meta.
        // PostgreSQL's SQLSTATE 08xxx are connection failures, 57P01–57P03 a server shutting down
        // or starting ("terminating connection due to administrator command").
        let unavailable = ["ConnectionPoolError", "connectionClosed", "serverClosedConnection", "connectionError",
                           "uncleanShutdown", "sqlState: 08", "sqlState: 57P0", "Connection refused",
                           "database is locked", "SQLITE_BUSY"]
        if unavailable.contains(where: text.contains) { return StoreError.unavailable(text) }
        return error
    }

    // MARK: SQLite

    private static func openSQLite(path: String, synchronous: SQLiteSynchronous, logger: Logger) async throws -> Database {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // WAL lets readers work beside the writer; FULL makes each commit survive power loss;
        // busy_timeout covers a second process (chorus admin) writing at the same time.
        // temp_store=MEMORY: a multi-row statement inside a transaction keeps a statement
        // journal (to undo itself alone); on disk it spilled to a temp file past 64 KiB, about
        // 8 % of the writer's time under ingest (BENCHMARKS.md).
        let pragmas = ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=\(synchronous.rawValue)",
                       "PRAGMA foreign_keys=ON", "PRAGMA busy_timeout=10000", "PRAGMA temp_store=MEMORY"]
        func open() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            for pragma in pragmas { _ = try await connection.query(pragma) }
            return connection
        }
        // The writer checkpoints by itself only if the WAL outgrows 10,000 pages (40 MB), should
        // the background checkpoint fall behind (checkpointContinuously).
        let writer = try SQLiteWriterConnection(path: path, pragmas: pragmas + ["PRAGMA wal_autocheckpoint=10000"])
        var readers: [SQLiteConnection] = []
        for _ in 0..<3 { readers.append(try await open()) }
        return Database(dialect: .sqlite,
                        backend: .sqlite(writer: ConnectionLeases([writer]), readers: ConnectionLeases(readers), path: path),
                        logger: logger)
    }

    /// Copies committed pages from the WAL into the database file every `interval`, beside the
    /// writer: PASSIVE never waits for (or blocks) the writer or readers. The writer's own
    /// automatic checkpoint would do this inside a commit — a commit that then takes 10 ms instead
    /// of 1, with every webhook in its group waiting (BENCHMARKS.md); it stays only as a backstop.
    ///
    /// Then the writer copies the few frames committed meanwhile (`finishCheckpoint`). Why: the
    /// WAL starts again from its beginning only when a write transaction begins with every frame
    /// copied; under steady writes the pass beside the writer never catches up with it, so the
    /// WAL grew to the backstop's 10,000 pages and a commit then checkpointed inside itself (seen
    /// with strace: the writer copying pages into the database file), a stall that every webhook
    /// of its group waited out — every few seconds at 1,000 messages/s (BENCHMARKS.md).
    ///
    /// That last step holds the writer while it copies and fsyncs what the pass beside it left,
    /// so it must find little left. On a 650 MB database a pass beside the writer took 10–20
    /// ms, the writer then copied the frames committed meanwhile for up to 36 ms (strace) and
    /// every webhook of those moments waited: the p99 of webhooks at 1,000/s was 22–33 ms with
    /// nothing else running. So passes beside the writer repeat, each copying what came during
    /// the one before, until one finds fewer than 48 new frames — at most 3 passes: each pass
    /// copies the hot pages again, and 8 cost webhook ingest 9 % more CPU per message — then
    /// the file is synced off the writer, and the writer's pass is left with a few frames.
    private func checkpointContinuously(every interval: Duration = .milliseconds(200)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            var checkpointed = -1
            for _ in 0..<3 {
                guard let row = try? await read({ sql in try await sql.raw("PRAGMA wal_checkpoint(PASSIVE)").first() }) ?? nil,
                      let log = try? row.decode(column: "log", as: Int.self),
                      let done = try? row.decode(column: "checkpointed", as: Int.self) else { break }
                // Frames this pass found new (all of them after a restart of the WAL).
                let fresh = checkpointed < 0 || log < checkpointed ? log : log - checkpointed
                checkpointed = done
                if fresh < 48 || Task.isCancelled { break }
            }
            // The database file's writes from those passes reach the disk here, off the writer:
            // a pass's own fsync sometimes returned at once and the next fsync of the file —
            // the writer's, below — paid for them (a temporary timer around the writer's pass
            // at 1,000 webhooks/s on the bench's database: p90 17.8 ms before, 7.6 ms with this).
            if case .sqlite(_, _, let path) = backend {
                _ = try? await NIOThreadPool.singleton.runIfActive {
                    let fd = open(path, O_RDONLY)
                    if fd >= 0 { _ = fsync(fd); _ = close(fd) }
                }
            }
            try? await finishCheckpoint()
        }
    }

    /// A PASSIVE checkpoint on the writer connection, between write transactions: nothing is
    /// written meanwhile, so it copies the WAL to its end and the next write transaction
    /// restarts the WAL.
    func finishCheckpoint() async throws {
        guard case .sqlite(let writer, _, _) = backend else { return }
        try await withTaskExecutorPreference(WriterThread.shared) {
            try await writer.withLease { connection in try connection.execute("PRAGMA wal_checkpoint(PASSIVE)") }
        }
    }

    private func closeSQLite() async {
        guard case .sqlite(let writer, let readers, _) = backend else { return }
        for connection in readers.drain() { try? await connection.close() }
        // Waits for an in-flight transaction to finish before closing the writer.
        let connection = await writer.acquire()
        try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
    }

    /// The SQLite file's path, or nil on PostgreSQL.
    public var sqlitePath: String? {
        if case .sqlite(_, _, let path) = backend { return path }
        return nil
    }

    // MARK: PostgreSQL

    private static func postgresConfiguration(_ url: PostgresURL) -> PostgresClient.Configuration {
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password,
            database: url.database, tls: url.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.maximumConnections = 16
        return configuration
    }
}

public enum StoreError: Error, Sendable {
    case uniqueViolation(String)
    /// The database is not reachable now; worth retrying later.
    case unavailable(String)
}
