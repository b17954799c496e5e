/// A tiny fair pool for SQLite connections: hands each caller one connection at a time, so a
/// transaction's statements never interleave with another task's. Waiters are served in order.
actor ConnectionLeases<Connection: Sendable> {
    private var idle: [Connection]
    private var waiters: [CheckedContinuation<Connection, Never>] = []

    init(_ connections: [Connection]) {
        precondition(!connections.isEmpty)
        self.idle = connections
    }

    func acquire() async -> Connection {
        if let connection = idle.popLast() { return connection }
        return await withCheckedContinuation { waiters.append($0) }
    }

    func release(_ connection: Connection) {
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            waiters.removeFirst().resume(returning: connection)
        }
    }

    func drain() async -> [Connection] {
        let all = idle
        idle = []
        return all
    }

}

extension ConnectionLeases {
    /// Lends one connection for the duration of `body`, and always gives it back.
    func withLease<T>(isolation: isolated (any Actor)? = #isolation,
                                  _ body: (Connection) async throws -> T) async throws -> T {
        let connection = await acquire()
        do {
            let result = try await body(connection)
            await release(connection)
            return result
        } catch {
            await release(connection)
            throw error
        }
    }
}
