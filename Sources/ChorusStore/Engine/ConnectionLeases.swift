import Synchronization

/// A tiny fair pool for SQLite connections: hands each caller one connection at a time, so a
/// transaction's statements never interleave with another task's. Waiters are served in order.
/// A lock rather than an actor: an idle connection is handed over without a hop to another
/// executor (two thread switches saved on every read and write).
final class ConnectionLeases<Connection: Sendable>: Sendable {
    private let state: Mutex<(idle: [Connection], waiters: [CheckedContinuation<Connection, Never>])>

    init(_ connections: [Connection]) {
        precondition(!connections.isEmpty)
        state = Mutex((connections, []))
    }

    func acquire() async -> Connection {
        if let connection = state.withLock({ $0.idle.popLast() }) { return connection }
        return await withCheckedContinuation { waiter in
            let connection: Connection? = state.withLock { state in
                if let connection = state.idle.popLast() { return connection }
                state.waiters.append(waiter)
                return nil
            }
            if let connection { waiter.resume(returning: connection) }
        }
    }

    func release(_ connection: Connection) {
        let waiter = state.withLock { state -> CheckedContinuation<Connection, Never>? in
            if state.waiters.isEmpty {
                state.idle.append(connection)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    /// Takes every idle connection out of the pool (to close them).
    func drain() -> [Connection] {
        state.withLock { state in
            defer { state.idle = [] }
            return state.idle
        }
    }
}

extension ConnectionLeases {
    /// Lends one connection for the duration of `body`, and always gives it back.
    func withLease<T>(isolation: isolated (any Actor)? = #isolation,
                      _ body: (Connection) async throws -> T) async throws -> T {
        let connection = await acquire()
        defer { release(connection) }
        return try await body(connection)
    }
}
